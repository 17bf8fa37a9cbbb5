"""Values the schema lets through but a customer would trip on: caught when a file is saved.

Each of these passed ``sandi flows check`` once and went wrong only when a
customer reached the step: an http ``timeout`` longer than Sandi waits (it
was cut to 10 s without a word), a bare ``timeout: 10`` the writer meant as
minutes, ``min: 1.000`` that YAML reads as one, a ``pattern`` no answer of
its ``expect`` can ever match. Each problem points at the value to change
and says what it is read as.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from app.content import flows as f
from app.content.source import Document, NodePath, Problem
from app.content.step_builder import duration

if TYPE_CHECKING:
    from app.content.builder import Origins

#: The longest an http step waits for the back end: a turn must answer Twilio
#: (which gives up after 15 s) and the customer is watching the chat.
HTTP_MAX_TIMEOUT = 10
#: ``1.000`` or ``25.000.000``: thousands written with dots, as Indonesians write them.
_THOUSANDS = re.compile(r"^\d{1,3}(\.\d{3})+$")
_BARE = re.compile(r"^\d+$")
#: What an answer of each expect is made of, so a pattern without any of it never matches.
#: (``text`` is absent: a pattern takes the place of its letters rule.)
_NEEDS = {
    "number": ("digits", str.isdigit),
    "digits": ("digits", str.isdigit),
    "phone": ("digits", str.isdigit),
    "otp_code": ("digits", str.isdigit),
    "email": ("'@'", lambda c: c == "@"),
}
_ADVICE = {
    "digits": "use expect: text for answers with letters, or change the pattern",
    "number": "use expect: text for answers with letters, or change the pattern",
}


def value_problems(flowset: f.FlowSet, origins: Origins) -> Iterator[Problem]:
    """Every timeout, min/max and pattern that would misbehave at chat time."""
    for (flow_id, _step_id), path in origins.step_path.items():
        doc = origins.flow_doc.get(flow_id)
        if doc is None or flowset.flows.get(flow_id) is None:
            continue
        raw = _at(doc.data, path)
        if not isinstance(raw, dict):
            continue
        yield from _timeout(doc, path, raw)
        yield from _bounds(doc, path, raw)
        yield from _pattern(doc, path, raw)


def _at(data: Any, path: NodePath) -> Any:
    for part in path:
        try:
            data = data[part]
        except (KeyError, IndexError, TypeError):
            return None
    return data


def _timeout(doc: Document, path: NodePath, raw: dict[str, Any]) -> Iterator[Problem]:
    if "timeout" not in raw:
        return
    where: NodePath = (*path, "timeout")
    written = str(raw["timeout"]).strip()
    try:
        seconds = duration(raw["timeout"])
    except ValueError:
        return  # the schema has said what a duration looks like
    if "http" in raw and seconds > HTTP_MAX_TIMEOUT:
        yield doc.problem(
            where,
            f"timeout: {written} is longer than an http step may wait ({HTTP_MAX_TIMEOUT}s: "
            "the customer is waiting and Twilio gives up on a reply after 15s); "
            f"write {HTTP_MAX_TIMEOUT}s or less",
        )
    elif _BARE.match(written):
        yield Problem(
            doc.where(where),
            f"timeout: {written} is read as {written} seconds; write {written}s to say so "
            f"(or {written}m for minutes, {written}h for hours)",
            "warning",
        )


def _bounds(doc: Document, path: NodePath, raw: dict[str, Any]) -> Iterator[Problem]:
    for key in ("min", "max"):
        if key not in raw:
            continue
        written = doc.written((*path, key))
        if _THOUSANDS.match(written):
            plain = written.replace(".", "")
            yield Problem(
                doc.where((*path, key)),
                f"{key}: {written} is read as the number {raw[key]:g} (a dot is a decimal point "
                f"here); for {int(plain):,} write {key}: {plain}, without separators",
                "warning",
            )


def _pattern(doc: Document, path: NodePath, raw: dict[str, Any]) -> Iterator[Problem]:
    pattern = raw.get("pattern")
    if not isinstance(pattern, str) or "ask" not in raw:
        return
    expect = str(raw.get("expect", "choice" if "choices" in raw else "text"))
    if expect not in _NEEDS:
        return
    what, test = _NEEDS[expect]
    try:
        parsed = _parser().parse(pattern)
    except re.error:
        return  # the builder reports a pattern that is not a regular expression
    if _can_match(parsed, test):
        return
    advice = _ADVICE.get(expect, f"change the pattern, or use another expect than {expect}")
    yield doc.problem(
        (*path, "pattern"),
        f"pattern {pattern!r} never matches an answer with {what}, and expect: {expect} "
        f"accepts only answers with {what}: no answer can pass; {advice}",
    )


def _parser() -> Any:
    """The regular expression parser of ``re`` (what ``re.compile`` reads a pattern with)."""
    return importlib.import_module("re._parser")


def _can_match(items: Any, test: Any) -> bool:
    """Whether any character the parsed pattern can match passes ``test``."""
    for op, arg in items:
        name = str(op)
        if name in ("ANY", "NOT_LITERAL"):
            return True
        if name == "LITERAL" and test(chr(arg)):
            return True
        if name == "IN" and _set_matches(arg, test):
            return True
        repeats = name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT")
        if repeats and arg[1] != 0 and _can_match(arg[2], test):
            return True
        if name in ("SUBPATTERN", "ATOMIC_GROUP") and _can_match(arg[-1], test):
            return True
        if name == "BRANCH" and any(_can_match(sub, test) for sub in arg[1]):
            return True
    return False


#: Character classes and the characters that stand for them in a test.
_CATEGORIES = {
    "CATEGORY_DIGIT": "0",
    "CATEGORY_WORD": "a0",
    "CATEGORY_NOT_DIGIT": "a@",
    "CATEGORY_NOT_SPACE": "a0@",
    "CATEGORY_NOT_WORD": "@",
    "CATEGORY_SPACE": " ",
}


def _set_matches(items: Any, test: Any) -> bool:
    for op, arg in items:
        name = str(op)
        if name == "NEGATE":
            return True
        if name == "LITERAL" and test(chr(arg)):
            return True
        if name == "RANGE" and any(test(chr(c)) for c in range(arg[0], min(arg[1], 0x17F) + 1)):
            return True
        if name == "CATEGORY" and any(test(c) for c in _CATEGORIES.get(str(arg), "")):
            return True
    return False
