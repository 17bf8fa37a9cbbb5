"""One broken flow file, reported once: not again by every file that links to it.

A file whose YAML or structure is broken cannot be built, so its flow is left
out of the version — and then ``welcome.yml`` reports "unknown flow
'verify_number'" and a template reports "unknown variable 'code_channel'",
in files nobody touched. Those follow from the first mistake; here they are
taken out of the list, and the first mistake says what it took with it and
where, so the writer fixes one thing and the rest goes away.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from app.content.source import Problem

_FLOW_NAME = re.compile(r"^flow:\s*['\"]?([a-z][a-z0-9_]*)", re.MULTILINE)
_SAVE_AS = re.compile(r"\bsave_as:\s*['\"]?([A-Za-z_]\w*)")
_BLOCK = re.compile(r"^(\s*)(?:-\s+)?(?:set|save):\s*(\{.*)?$")
_KEY = re.compile(r"^(\s*)([A-Za-z_]\w*)\s*:")
_INLINE_KEY = re.compile(r"([A-Za-z_]\w*)\s*:")
_UNKNOWN_FLOW = re.compile(r"^unknown flow '([^']+)'|^no flow '([^']+)'")
_UNKNOWN_VARIABLE = re.compile(r"^unknown variable '([^']+)'")


@dataclass
class LeftOut:
    """What one broken file took out of the version: its flow and the variables it sets."""

    root: Problem
    flow: str | None
    variables: set[str] = field(default_factory=set)
    follows: list[Problem] = field(default_factory=list)


def left_out(root: Problem, text: str, data: object = None) -> LeftOut:
    """What a file that will not be built would have defined (read from its text)."""
    flow = data.get("flow") if isinstance(data, dict) else None
    if not isinstance(flow, str):
        found = _FLOW_NAME.search(text)
        flow = found.group(1) if found else None
    return LeftOut(root, flow, _variables(text))


def _variables(text: str) -> set[str]:
    names = set(_SAVE_AS.findall(text))
    block: int | None = None
    for line in text.splitlines():
        opened = _BLOCK.match(line)
        if opened:
            block = len(opened.group(1)) if opened.group(2) is None else None
            names.update(_INLINE_KEY.findall(opened.group(2) or ""))
            continue
        key = _KEY.match(line)
        if block is not None and key and len(key.group(1)) > block:
            names.add(key.group(2))
        elif line.strip() and not line.lstrip().startswith("#"):
            block = None
    return names


def fold(problems: Iterable[Problem], broken: list[LeftOut]) -> list[Problem]:
    """The problems without those that follow from a broken file, its root saying so."""
    if not broken:
        return list(problems)
    kept: list[Problem] = []
    for problem in problems:
        cause = _cause(problem, broken)
        if cause is None:
            kept.append(problem)
        else:
            cause.follows.append(problem)
    roots = {id(item.root): item for item in broken if item.follows}
    return [_noted(roots[id(p)]) if id(p) in roots else p for p in kept]


def _cause(problem: Problem, broken: list[LeftOut]) -> LeftOut | None:
    if any(problem is item.root for item in broken):
        return None
    flow = _UNKNOWN_FLOW.match(problem.message)
    variable = _UNKNOWN_VARIABLE.match(problem.message)
    for item in broken:
        if flow and item.flow in (flow.group(1), flow.group(2)):
            return item
        if variable and variable.group(1) in item.variables:
            return item
    return None


def _noted(item: LeftOut) -> Problem:
    places = ", ".join(str(p.where) for p in item.follows[:3])
    more = f" and {len(item.follows) - 3} more" if len(item.follows) > 3 else ""
    what = f"flow '{item.flow}'" if item.flow else "this file"
    note = (
        f" [until this is fixed, {what} is left out, so {places}{more} "
        f"{'reports' if len(item.follows) == 1 else 'report'} it missing: fix this first]"
    )
    return replace(item.root, message=item.root.message + note)
