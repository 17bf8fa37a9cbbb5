"""The codes a simulated conversation sent: where they went, and cancelling them.

The simulator's outbox pane shows what went to the customer's number; a
flow may also send a code elsewhere (change_email sends one to the new
address), and the pane must show that too, or the marketer has no code to
type back. Reset must also cancel the conversation's pending verifications:
wiping the conversation while its code stays pending answers the next
attempt with "the previous code is still valid, wait 25 s".
"""

from __future__ import annotations

import logging
from typing import Any

from app.content.messages import Channel, conversation_id
from app.logs import mask
from app.otp.errors import OtpError
from app.wiring.services import Services

log = logging.getLogger(__name__)


def _sent(services: Services, channel: Channel, sender: str) -> dict[str, Any]:
    """purpose -> {"to", "channel"}: where the conversation's last code per purpose went."""
    session = services.turn_store.peek(conversation_id(channel, sender)).session
    state = session.get("otp")
    return (
        {p: v for p, v in state.items() if isinstance(v, dict)} if isinstance(state, dict) else {}
    )


def code_addresses(services: Services, channel: Channel, sender: str) -> list[str]:
    """The addresses other than the number itself that the conversation sent codes to."""
    found = {
        str(v.get("to") or "").strip().lower() for v in _sent(services, channel, sender).values()
    }
    return sorted(a for a in found if a and a != sender)


def cancel_pending(services: Services, channel: Channel, sender: str) -> int:
    """Cancel every verification the conversation still has pending; how many were."""
    cancelled = 0
    for purpose, sent in _sent(services, channel, sender).items():
        to = str(sent.get("to") or "")
        try:
            verification = services.otp.find(to, purpose)
            if verification.status == "pending":
                services.otp.cancel(verification.id)
                cancelled += 1
        except OtpError:
            continue  # nothing pending there any more
        log.info("simulator reset cancelled the %s code to %s", purpose, mask(to))
    return cancelled
