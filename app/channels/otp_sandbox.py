"""Sandbox delivery of OTP codes: render the message, keep it in the outbox.

Stands in for the real channels until they land (the channels engineer
replaces it behind the same :class:`app.otp.ports.CodeDelivery`). The text
comes from ``templates/<locale>/otp_<channel>.j2`` or, failing that,
``otp_code.j2``; the outbox entry carries the code in its body, which is what
tests and the simulator read.

A flash call's code is the last digits of the number that calls: with
``SANDI_FLASHCALL_POOL`` (caller numbers, comma-separated) the sandbox picks
one at random and reports those digits as the code; without a pool the
channel is unavailable.
"""

from __future__ import annotations

import math
import secrets
from collections.abc import Sequence

import jinja2

from app.channels.base import Outbound, Sender
from app.conversation.render import Templates
from app.otp.ports import CodeMessage, DeliveryError, DeliveryReceipt


class SandboxCodeDelivery:
    def __init__(
        self,
        sender: Sender,
        templates: Templates,
        *,
        brand: str = "Sandi",
        flashcall_pool: Sequence[str] = (),
    ) -> None:
        self.sender = sender
        self.templates = templates
        self.brand = brand
        self.flashcall_pool = tuple(flashcall_pool)

    def deliver(self, message: CodeMessage) -> DeliveryReceipt:
        channel = message.channel
        if channel == "auto":
            channel = "email" if "@" in message.to else "sms"
        if channel == "flashcall":
            return self._flashcall(message)
        body = self._render(message, channel)
        extra: dict[str, str] = {
            "verification_id": message.verification_id,
            "purpose": message.purpose,
        }
        if channel == "email":
            extra["subject"] = f"{self.brand}: verification code"
        sid = self.sender.send(Outbound(channel=channel, to=message.to, body=body, extra=extra))
        return DeliveryReceipt(channel=channel, message_id=sid)

    def _render(self, message: CodeMessage, channel: str) -> str:
        name = f"otp_{channel}"
        if not self.templates.exists(name, message.locale):
            name = "otp_code"
        context = {
            "code": message.code,
            "spoken": ", ".join(message.code),
            "minutes": max(1, math.ceil(message.expires_in / 60)),
            "purpose": message.purpose,
            "amount": message.amount,
            "payee": message.payee,
            "brand": self.brand,
            "channel": channel,
        }
        try:
            return self.templates.render(name, message.locale, context)
        except jinja2.TemplateError as err:
            # The exception text names the template, never the context (the code).
            raise DeliveryError(
                "template_error", f"template {name} could not be rendered: {type(err).__name__}"
            ) from None

    def _flashcall(self, message: CodeMessage) -> DeliveryReceipt:
        if not self.flashcall_pool:
            raise DeliveryError(
                "channel_unavailable",
                "flash call needs caller numbers (SANDI_FLASHCALL_POOL) in sandbox mode",
            )
        caller = secrets.choice(self.flashcall_pool)
        digits = "".join(ch for ch in caller if ch.isdigit())
        code = digits[-len(message.code) :]
        sid = self.sender.send(
            Outbound(
                channel="flashcall",
                to=message.to,
                body=f"Missed call from {caller}",
                extra={"verification_id": message.verification_id, "caller": caller},
            )
        )
        return DeliveryReceipt(channel="flashcall", message_id=sid, code=code)
