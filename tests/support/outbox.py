"""Putting a message in the sandbox outbox the way the channels do."""

from __future__ import annotations

from app.channels.twilio_api import Outgoing, SandboxTwilio
from app.wiring.services import Services


def sandbox_send(services: Services, channel: str, to: str, body: str) -> str:
    """What an SMS or WhatsApp message sent in sandbox mode leaves behind:
    written by the channels' own sandbox stand-in for Twilio's API."""
    params = {"to": to, "body": body}
    return SandboxTwilio(services.outbox, services.clock).send(
        Outgoing("message", channel, to, params, preview=body)
    )
