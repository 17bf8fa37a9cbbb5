"""An authenticator-app factor (TOTP, RFC 6238) with pyotp.

NIST SP 800-63B treats SMS and voice as *restricted* authenticators and asks
for an unrestricted alternative: a time-based code from an app (Google
Authenticator, Aegis, 1Password...) is one. Enrolment gives a secret and an
``otpauth://`` provisioning URI (render it as a QR code); verification accepts
the current 30 s step and one step either side for clock drift, and returns
the step it matched so the caller can store it and refuse a replay of that
step or any earlier one. The clock is injected, like everywhere else.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

import pyotp

from app.otp.codes import normalize_code


@dataclass(frozen=True, slots=True)
class TotpEnrolment:
    secret: str = field(repr=False)  # base32; store it encrypted or not at all in logs
    uri: str = field(repr=False)  # otpauth://totp/<issuer>:<account>?secret=...


class TotpFactor:
    def __init__(
        self,
        clock: Callable[[], datetime],
        *,
        issuer: str = "Sandi",
        digits: int = 6,
        interval: int = 30,
        window: int = 1,
        new_secret: Callable[[], str] = pyotp.random_base32,
    ) -> None:
        self.clock = clock
        self.issuer = issuer
        self.digits = digits
        self.interval = interval
        self.window = window
        self.new_secret = new_secret

    def enrol(self, account_name: str) -> TotpEnrolment:
        secret = self.new_secret()
        totp = pyotp.TOTP(secret, digits=self.digits, interval=self.interval)
        return TotpEnrolment(
            secret, totp.provisioning_uri(name=account_name, issuer_name=self.issuer)
        )

    def step(self) -> int:
        return int(self.clock().timestamp()) // self.interval

    def verify(self, secret: str, code: str, *, last_step: int | None = None) -> int | None:
        """The time step ``code`` belongs to, or None. Steps at or before
        ``last_step`` (already used) never match again."""
        candidate = normalize_code(code)
        if len(candidate) != self.digits:
            return None
        totp = pyotp.TOTP(secret, digits=self.digits, interval=self.interval)
        now = self.step()
        matched = None
        for step in range(now - self.window, now + self.window + 1):
            if last_step is not None and step <= last_step:
                continue
            # Compare every candidate step, so timing does not tell which matched.
            if hmac.compare_digest(totp.generate_otp(step), candidate) and matched is None:
                matched = step
        return matched
