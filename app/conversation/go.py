"""Where a flow goes after a step: a step of this flow, another flow, wait, or stop."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Go:
    step: str | None = None
    flow: str | None = None
    #: The step waits for the customer's next message.
    wait: bool = False
    #: The flow is over (said its last word already).
    stop: bool = False


#: The flow ends here (no next step).
END = Go()
WAIT = Go(wait=True)
STOP = Go(stop=True)
