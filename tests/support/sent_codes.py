"""Codes the app's real OTP service sent, read off the sandbox outbox.

The chat tests need "the code the customer just received". This watches the
real service's deliveries (delegating every call, changing nothing) and reads
each code from the outbox entry it produced, as a customer reads a message.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.otp.ports import CodeMessage, DeliveryReceipt
from app.wiring.services import Services
from tests.support.otp import code_in


@dataclass(frozen=True)
class Sent:
    to: str
    channel: str
    purpose: str
    locale: str
    code: str


class SentCodes:
    def __init__(self, services: Services) -> None:
        self.services = services
        self.sent: list[Sent] = []
        self._real = services.otp.delivery
        services.otp.delivery = self

    def deliver(self, message: CodeMessage) -> DeliveryReceipt:
        receipt = self._real.deliver(message)
        entries = self.services.outbox.read(message.to)
        (entry,) = [e for e in entries if e.get("sid") == receipt.message_id]
        self.sent.append(
            Sent(message.to, receipt.channel, message.purpose, message.locale, code_in(entry))
        )
        return receipt

    def last(self, to: str | None = None) -> Sent:
        for item in reversed(self.sent):
            if to is None or item.to == to:
                return item
        raise AssertionError(f"no code was sent to {to}")
