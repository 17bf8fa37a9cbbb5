"""Which live conversations a new version would send back to the start.

A conversation waits in a step (``flow/step``); when the new version has no
step of that name (renamed, removed, or its whole flow gone), the customer's
next message gets ``common/flow_changed`` and the flow from its start. The
reload says so beforehand — how many, and in which steps — in the log, on
/flows and in ``sandi flows reload``, instead of surprising anyone.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from app.content.flows import FlowSet


@dataclass(frozen=True, slots=True)
class Restart:
    flow: str
    step: str
    count: int
    #: The flow is gone too: those customers get the menu.
    flow_gone: bool

    def __str__(self) -> str:
        then = (
            f"no flow '{self.flow}' now: they get the menu"
            if self.flow_gone
            else f"no step '{self.step}' now: they start '{self.flow}' again"
        )
        return f"{self.flow}/{self.step}: {self.count} conversation(s) ({then})"


def restarted(flowset: FlowSet, waiting: Mapping[tuple[str, str], int]) -> tuple[Restart, ...]:
    """The steps live conversations wait in that ``flowset`` no longer has."""
    out = []
    for (flow_id, step_id), count in sorted(waiting.items()):
        flow = flowset.flows.get(flow_id)
        if flow is not None and any(step.id == step_id for step in flow.steps):
            continue
        out.append(Restart(flow_id, step_id, count, flow is None))
    return tuple(out)


def summary(restarts: Sequence[Restart]) -> str:
    """One line: how many conversations, in how many steps."""
    total = sum(r.count for r in restarts)
    return (
        f"{total} live conversation(s) will restart: they wait in "
        f"{len(restarts)} step(s) this version no longer has"
    )
