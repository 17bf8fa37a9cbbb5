"""The shape of a flow: which steps lead where, and what that shape says is wrong.

A step nobody can reach is dead text; a part of a flow no valid answer
ever leaves traps the customer (they can still type MENU, but the flow is
broken); a loop of steps that never wait for an answer would run forever
inside one message. All three are found here, before any customer meets them.
"""

from __future__ import annotations

from collections.abc import Iterator

from app.content import flows as f
from app.content.source import Document, NodePath, Problem


def targets(step: f.Step) -> Iterator[tuple[str, str]]:
    """(field, step id) for every step this one may jump to explicitly."""
    for name in ("then", "otherwise", "target", "on_fail", "on_timeout", "on_error", "on_expired"):
        value = getattr(step, name, None)
        if value:
            yield ("else" if name == "otherwise" else "goto" if name == "target" else name), value
    raw_next = step.next
    if raw_next and not raw_next.startswith("#"):
        yield "next", raw_next
    if isinstance(step, f.Ask):
        for choice in step.choices:
            if choice.goto:
                yield "choices", choice.goto


_FAILURE_FIELDS = ("on_fail", "on_timeout")


def _edges(flow: f.Flow, step: f.Step, *, failures: bool = True) -> list[str | None]:
    """Where control may go after ``step``; None means the flow ends there.

    With ``failures=False`` only what happens on valid answers counts: a menu
    whose every answer leads back into it has no way out even though running
    out of tries would end it.
    """
    if isinstance(step, f.Handoff) and step.on_timeout and flow.step(step.on_timeout):
        return [None, step.on_timeout]
    if isinstance(step, f.End | f.GotoFlow | f.Handoff):
        return [None]
    out: list[str | None] = [
        t
        for field, t in targets(step)
        if flow.step(t) and (failures or field not in _FAILURE_FIELDS)
    ]
    if isinstance(step, f.Goto):
        return out
    if (
        isinstance(step, f.Ask)
        and step.choices
        and all(c.goto or c.goto_flow for c in step.choices)
    ):
        return out + ([None] if any(c.goto_flow for c in step.choices) else [])
    if isinstance(step, f.Branch):
        return [*out, step.otherwise or step.next]
    return [*out, step.next]


def graph_problems(
    flow: f.Flow, doc: Document, step_path: dict[tuple[str, str], NodePath]
) -> Iterator[Problem]:
    """Unreachable steps, steps with no way out, and loops that never wait."""
    edges = {s.id: _edges(flow, s) for s in flow.steps}
    reached = _reach(flow.first.id, edges)
    for step in flow.steps:
        if step.id not in reached:
            yield doc.problem(
                step_path[(flow.id, step.id)], "nobody can reach this step (no step leads here)"
            )
    # Steps from which no valid answer ever leaves the flow trap the customer.
    normal = {s.id: _edges(flow, s, failures=False) for s in flow.steps}
    can_leave = {sid for sid, targets in normal.items() if None in targets}
    changed = True
    while changed:
        changed = False
        for sid, targets in normal.items():
            if sid not in can_leave and any(t in can_leave for t in targets if t):
                can_leave.add(sid)
                changed = True
    for step in flow.steps:
        if step.id in reached and step.id not in can_leave:
            yield doc.problem(
                step_path[(flow.id, step.id)],
                "no way out: from here no answer ever reaches an end of the flow",
            )
    # A loop of steps that never wait would run forever within one message.
    quiet = {s.id: [t for t in edges[s.id] if t] for s in flow.steps if not s.waits}
    for cycle_start in _cycles(quiet):
        looping = flow.step(cycle_start)
        if looping:
            yield doc.problem(
                step_path[(flow.id, looping.id)],
                "this step is in a loop that never waits for the customer (it would never stop)",
            )


def _reach(start: str, edges: dict[str, list[str | None]]) -> set[str]:
    seen, todo = {start}, [start]
    while todo:
        for target in edges.get(todo.pop(), []):
            if target and target not in seen:
                seen.add(target)
                todo.append(target)
    return seen


def _cycles(graph: dict[str, list[str]]) -> list[str]:
    """One step of each loop in ``graph`` (only edges between its own nodes count)."""
    found: list[str] = []
    state: dict[str, int] = {}

    def visit(node: str) -> None:
        state[node] = 1
        for target in graph.get(node, []):
            if target not in graph:
                continue
            if state.get(target) == 1:
                found.append(target)
            elif target not in state:
                visit(target)
        state[node] = 2

    for node in graph:
        if node not in state:
            visit(node)
    return found
