"""A STAND-IN for the OTP service, for running ``flows/tests/otp_*.yml`` before it is merged.

The real OTP service (branch ``otp``) is not on this branch yet; the flows
reach it through :class:`app.conversation.ports.OtpPort`. This stand-in
implements that port with the smallest behaviour the conversation tests
need — a fresh six-digit code per send, delivered through the app's real
:class:`app.channels.dispatch.Channels` (so the sandbox outbox entry, with
its ``code`` field, is the real one), checked once — and nothing else (no
limits, no hashing). Once the service is merged, the tests that use this
should run against the app's own service instead and this file should go.
"""

from __future__ import annotations

import secrets

from app.channels.dispatch import Channels
from app.conversation.ports import OtpCheck, OtpStart
from app.otp.ports import CodeMessage, DeliveryError


class OtpViaChannels:
    def __init__(self) -> None:
        #: Set once the app is built (the channels are part of it).
        self.channels: Channels | None = None
        self._codes: dict[tuple[str, str], str] = {}

    def start(self, *, to: str, channel: str, purpose: str, locale: str) -> OtpStart:
        assert self.channels is not None, "set .channels after create_app"
        code = f"{secrets.randbelow(10**6):06d}"
        message = CodeMessage("VE" + secrets.token_hex(16), to, channel, code, locale, purpose, 300)
        try:
            receipt = self.channels.deliver(message)
        except DeliveryError:
            return OtpStart("failed")
        self._codes[(to, purpose)] = receipt.code or code
        return OtpStart("pending", channel=receipt.channel)

    def check(self, *, to: str, purpose: str, code: str) -> OtpCheck:
        expected = self._codes.get((to, purpose))
        if expected is None:
            return OtpCheck("not_found")
        if secrets.compare_digest(code, expected):
            del self._codes[(to, purpose)]
            return OtpCheck("approved")
        return OtpCheck("pending", attempts_left=2)
