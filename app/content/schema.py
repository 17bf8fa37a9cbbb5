"""Checking a flow file's structure against ``flow.schema.json``.

The same schema drives editors (through the ``# yaml-language-server``
line at the top of every flow file), so what the editor underlines and what
``sandi flows check`` prints agree. jsonschema's own messages are written
for programmers; here they are rephrased for the people who write flows,
with a "did you mean" for misspelt keys.
"""

from __future__ import annotations

import copy
import difflib
import json
import re
from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path
from typing import Any

import fastjsonschema
from jsonschema import Draft7Validator, ValidationError

from app.content.source import Document, Problem

SCHEMA_PATH = Path(__file__).with_name("flow.schema.json")

STEP_KINDS = (
    "say", "ask", "if", "set", "goto", "goto_flow", "end",
    "http", "otp_issue", "otp_confirm", "faq", "handoff",
)  # fmt: skip

_TYPES = {
    "string": "text",
    "integer": "a whole number",
    "number": "a number",
    "boolean": "true or false",
    "array": "a list (lines starting with '- ')",
    "object": "a set of 'key: value' lines",
    "null": "empty",
}


@cache
def schema() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return loaded


@cache
def _validator() -> Draft7Validator:
    Draft7Validator.check_schema(schema())
    return Draft7Validator(schema())


@cache
def _fast_check() -> Callable[[Any], Any]:
    """The same schema compiled to Python: ~7x faster at saying "valid", which
    almost every file is (it stops at the first problem, so it never explains)."""
    return fastjsonschema.compile(fast_schema(schema()))


def fast_schema(original: dict[str, Any]) -> dict[str, Any]:
    """The schema with each step kind's ``if: {required: [kind]}, then: X`` as
    ``dependencies: {kind: X}``.

    Both say "a step with this key must also match X" (a step is an object,
    checked before). fastjsonschema's code for ``if`` raises, and formats, an
    exception for every kind a step is not — eleven per step, a third of
    checking 200 flows — while ``dependencies`` just looks the key up. The
    schema file stays as editors read it; a property test checks that the
    compiled check and jsonschema on the original agree.
    """
    out = copy.deepcopy(original)
    step = out["definitions"]["step"]
    dependencies: dict[str, list[Any]] = {}
    kept = []
    for rule in step.get("allOf", []):
        condition, then = rule.get("if"), rule.get("then")
        if set(rule) != {"if", "then"} or not isinstance(condition, dict):
            kept.append(rule)
            continue
        required = condition.get("required")
        if not (isinstance(required, list) and len(required) == 1):
            kept.append(rule)
            continue
        if set(condition) == {"required"}:
            dependencies.setdefault(required[0], []).append(then)
            continue
        unless = condition.get("not")
        if set(condition) == {"required", "not"} and set(unless or {}) == {"required"}:
            # if: {required: [k], not: {required: [j]}} -> with k: unless j, then X
            dependencies.setdefault(required[0], []).append({"if": unless, "else": then})
            continue
        kept.append(rule)
    step.pop("allOf", None)
    if kept:
        step["allOf"] = kept
    step["dependencies"] = {
        key: rules[0] if len(rules) == 1 else {"allOf": rules}
        for key, rules in dependencies.items()
    }
    return out


def _valid(data: Any) -> bool:
    try:
        _fast_check()(data)
    except fastjsonschema.JsonSchemaException:
        return False
    return True


#: Keys that are a kind of step on their own, but a setting inside these kinds.
_SETTINGS_OF = {"otp_issue": ("say",), "otp_confirm": ("ask",)}


def step_kinds(step: Any) -> list[str]:
    if not isinstance(step, dict):
        return []
    kinds = [key for key in step if key in STEP_KINDS]
    for main, settings in _SETTINGS_OF.items():
        if main in kinds:
            kinds = [k for k in kinds if k not in settings]
    return kinds


def validate(doc: Document) -> list[Problem]:
    """Every structural problem in ``doc``, each at its own line."""
    problems: list[Problem] = []
    if not isinstance(doc.data, dict):
        return [
            doc.problem((), "a flow file must be 'key: value' lines (flow:, faq: or commands:)")
        ]
    if not any(key in doc.data for key in ("flow", "faq", "commands")):
        problems.append(
            doc.problem((), "this file needs 'flow:', 'faq:' or 'commands:' at the top")
        )
    if "flow" in doc.data and "steps" not in doc.data:
        problems.append(doc.problem(("flow",), "a flow needs 'steps:'", key=True))
    if "steps" in doc.data and "flow" not in doc.data:
        problems.append(doc.problem(("steps",), "'steps:' needs a 'flow:' name above it", key=True))
    odd_steps = _odd_steps(doc, problems)
    if _valid(doc.data):
        return _dedupe(problems)
    for error in _validator().iter_errors(doc.data):
        path = tuple(error.absolute_path)
        if any(path[: len(odd)] == odd for odd in odd_steps):
            continue
        problems.extend(_humanise(doc, error, path))
    return _dedupe(problems)


def _odd_steps(doc: Document, problems: list[Problem]) -> list[tuple[str | int, ...]]:
    """Steps with no kind or several kinds: one clear message instead of many."""
    odd: list[tuple[str | int, ...]] = []
    steps = doc.data.get("steps")
    if not isinstance(steps, list):
        return odd
    for index, step in enumerate(steps):
        path: tuple[str | int, ...] = ("steps", index)
        if not isinstance(step, dict):
            continue
        kinds = step_kinds(step)
        if len(kinds) == 1:
            continue
        odd.append(path)
        if kinds:
            listed = " and ".join(repr(k) for k in kinds)
            problems.append(doc.problem(path, f"a step does one thing, but this one has {listed}"))
            continue
        unknown = [k for k in step if k not in ("id", "next")]
        hint = ""
        if unknown:
            close = difflib.get_close_matches(unknown[0], STEP_KINDS, n=1)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            problems.append(
                doc.problem(
                    (*path, unknown[0]), f"unknown kind of step '{unknown[0]}'{hint}", key=True
                )
            )
        else:
            problems.append(doc.problem(path, f"a step needs one of: {', '.join(STEP_KINDS)}"))
    return odd


def _humanise(
    doc: Document, error: ValidationError, path: tuple[str | int, ...]
) -> Iterator[Problem]:
    kind = error.validator
    sub: dict[str, Any] = dict(error.schema) if isinstance(error.schema, dict) else {}
    value: Any = error.validator_value
    where = _label(path)
    if kind == "additionalProperties":
        allowed = sorted(sub.get("properties", {}))
        instance = error.instance if isinstance(error.instance, dict) else {}
        for key in instance:
            patterns = sub.get("patternProperties", {})
            if key in allowed or any(re.match(p, key) for p in patterns):
                continue
            close = difflib.get_close_matches(key, allowed, n=1)
            hint = f"; did you mean '{close[0]}'?" if close else f" (allowed: {', '.join(allowed)})"
            yield doc.problem((*path, key), f"unknown key '{key}'{hint}", key=True)
        return
    if kind == "required":
        missing = str(error.message).split("'")[1] if "'" in error.message else error.message
        yield doc.problem(path, f"{where} needs '{missing}'")
        return
    if kind == "type":
        wanted = value
        names = [wanted] if isinstance(wanted, str) else list(wanted)
        text = " or ".join(_TYPES.get(n, n) for n in names)
        yield doc.problem(path, f"{where} must be {text}")
        return
    if kind == "enum":
        options = [str(o) for o in value]
        close = difflib.get_close_matches(str(error.instance), options, n=1)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        yield doc.problem(
            path, f"{where} must be one of {', '.join(options)}, not {error.instance!r}{hint}"
        )
        return
    if kind == "pattern":
        described = sub.get("description", f"text matching {value}")
        yield doc.problem(path, f"{where}: {error.instance!r} is not valid ({described})")
        return
    if kind in ("minItems", "minProperties"):
        yield doc.problem(path, f"{where} must not be empty")
        return
    if kind in ("minLength",):
        yield doc.problem(path, f"{where} must not be empty")
        return
    if kind in ("minimum", "maximum"):
        yield doc.problem(path, f"{where}: {error.message}")
        return
    if kind == "oneOf":
        described = sub.get("description") or "a valid value"
        yield doc.problem(path, f"{where} must be {described[0].lower()}{described[1:]}")
        return
    if kind == "propertyNames":
        yield doc.problem(
            path, f"{where}: {error.instance!r} is not a valid name (lower_case letters, digits, _)"
        )
        return
    yield doc.problem(path, f"{where}: {error.message}")


def _label(path: tuple[str | int, ...]) -> str:
    """``('steps', 2, 'tries')`` -> ``'tries' (step 3)``."""
    if not path:
        return "the file"
    step = next((p for i, p in enumerate(path) if i and path[i - 1] == "steps"), None)
    last = path[-1]
    name = f"'{last}'" if isinstance(last, str) else f"item {last + 1}"
    if step is not None and isinstance(step, int):
        if path[-1] == step:
            return f"step {step + 1}"
        return f"{name} (step {step + 1})"
    return name


def _dedupe(problems: list[Problem]) -> list[Problem]:
    seen: set[tuple[object, str]] = set()
    out = []
    for p in problems:
        if (p.where, p.message) not in seen:
            seen.add((p.where, p.message))
            out.append(p)
    return out
