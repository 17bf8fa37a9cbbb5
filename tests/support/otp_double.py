"""A test double of the OTP service, for the conversation tests only.

The real OTP service is being built on another branch (issue 4) and does not
exist on this one, so the flow engine's ``otp_issue`` / ``otp_confirm``
steps are exercised through this small implementation of
:class:`app.conversation.ports.OtpPort`. It keeps the contract's behaviour
that the flows depend on (a new code per send, a resend cooldown that does
not reset the failure count, an attempt limit, expiry by the injected
clock). When the branches merge, these tests should run against the real
service instead and this file should go.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from app.conversation.ports import OtpCheck, OtpStart


@dataclass
class Sent:
    to: str
    channel: str
    purpose: str
    locale: str
    code: str


@dataclass
class _Pending:
    code: str
    sent_at: float
    channel: str
    failures: int = 0


@dataclass
class OtpDouble:
    clock: Callable[[], datetime]
    ttl: int = 300
    cooldown: int = 30
    max_attempts: int = 5
    sent: list[Sent] = field(default_factory=list)
    #: Addresses the "service" refuses (a country not allowed, a rate limit).
    refuse: set[str] = field(default_factory=set)
    _pending: dict[tuple[str, str], _Pending] = field(default_factory=dict)

    def start(self, *, to: str, channel: str, purpose: str, locale: str) -> OtpStart:
        if to in self.refuse:
            return OtpStart("refused")
        now = self.clock().timestamp()
        current = self._pending.get((to, purpose))
        if current and now - current.sent_at < self.cooldown:
            return OtpStart("cooldown", retry_after=int(self.cooldown - (now - current.sent_at)))
        code = f"{secrets.randbelow(10**6):06d}"
        failures = current.failures if current else 0
        self._pending[(to, purpose)] = _Pending(code, now, channel, failures)
        self.sent.append(Sent(to, channel, purpose, locale, code))
        return OtpStart("pending", channel=channel)

    def check(self, *, to: str, purpose: str, code: str) -> OtpCheck:
        current = self._pending.get((to, purpose))
        if current is None:
            return OtpCheck("not_found")
        if self.clock().timestamp() - current.sent_at > self.ttl:
            del self._pending[(to, purpose)]
            return OtpCheck("expired")
        if current.failures >= self.max_attempts:
            return OtpCheck("max_attempts_reached", attempts_left=0)
        if secrets.compare_digest(code, current.code):
            del self._pending[(to, purpose)]
            return OtpCheck("approved")
        current.failures += 1
        if current.failures >= self.max_attempts:
            return OtpCheck("max_attempts_reached", attempts_left=0)
        return OtpCheck("pending", attempts_left=self.max_attempts - current.failures)

    def last(self, to: str | None = None) -> Sent:
        for item in reversed(self.sent):
            if to is None or item.to == to:
                return item
        raise AssertionError(f"no code was sent to {to}")
