"""What a store's answer means to the caller, as :class:`OtpError` codes and sentences."""

from __future__ import annotations

import math

from app.otp.errors import OtpError, invalid
from app.otp.ports import StartOutcome


def _seconds(ms: int) -> int:
    return max(1, math.ceil(ms / 1000))


def refuse_start(outcome: StartOutcome, vid: str) -> None:
    """Raise the refusal a store answer to a start means; return if it is none."""
    kind, wait = outcome.kind, outcome.wait_ms
    if kind in {"new", "resend", "created", "resent"}:
        return
    if kind == "cooldown":
        raise OtpError(
            "resend_cooldown",
            f"a code was sent moments ago; a new one can be sent in {_seconds(wait)} s",
            retry_after=_seconds(wait), verification_id=vid,
        )  # fmt: skip
    if kind == "max_sends":
        raise OtpError(
            "max_sends_reached",
            "this verification has had the most codes allowed; check the last code, "
            "cancel it, or wait until it expires",
            retry_after=_seconds(wait), verification_id=vid,
        )  # fmt: skip
    if kind == "locked":
        raise OtpError(
            "max_attempts_reached",
            "too many wrong codes for this destination and purpose; "
            f"a new code can be sent in {_seconds(wait)} s",
            retry_after=_seconds(wait), verification_id=vid,
        )  # fmt: skip
    if kind == "binding_conflict":
        raise OtpError(
            "conflict",
            "a verification for another amount or payee is pending for this destination; "
            "cancel it first",
            verification_id=vid,
        )
    raise OtpError("busy", f"unexpected store answer {kind!r}; retry")


def check_refusal(vid: str, kind: str, status: str, digits: int, wait_ms: int) -> OtpError:
    if kind == "max_attempts_reached":
        return OtpError(
            "max_attempts_reached",
            "too many wrong codes: this verification is locked",
            retry_after=_seconds(wait_ms), verification_id=vid,
        )  # fmt: skip
    if kind == "expired":
        return OtpError("not_found", "the verification has expired", verification_id=vid)
    if kind == "not_pending":
        return OtpError(
            "not_found", f"the verification is {status}, not pending", verification_id=vid
        )
    if kind == "bad_length":
        return OtpError(
            "invalid_code", f"code: this verification's code has {digits} digits", field="code"
        )
    if kind == "binding_required":
        return OtpError(
            "payment_binding_required",
            "amount: this code is bound to an amount and payee; give both",
            field="amount",
        )
    if kind == "binding_unexpected":
        return invalid("amount", "this verification is not bound to an amount or payee")
    return OtpError("not_found", "no pending verification with this id")
