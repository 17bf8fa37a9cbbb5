"""Twilio's service parameters that Sandi honours or refuses, never ignores.

``Psd2Enabled`` picks the OTP purpose (``payment`` binds amount and payee
into the code); ``CustomCodeEnabled=true`` is refused, as Sandi makes every
code itself. Booleans come as Twilio's SDKs send them: ``true``/``false``.
"""

from __future__ import annotations

from flask import request

from app.otp import request_checks as req
from app.otp.errors import OtpError
from app.otp.policy import DEFAULT_PURPOSE
from app.web.current import services
from app.web.verify_v2_errors import invalid

#: What ``Psd2Enabled=true`` means: the built-in purpose that binds amount and payee.
PAYMENT_PURPOSE = "payment"


def purpose_of(value: str | None) -> str:
    """Sandi's ``Purpose`` parameter, checked (60200 naming it)."""
    try:
        return req.purpose_of(value or DEFAULT_PURPOSE)
    except OtpError as err:
        raise invalid("Purpose", err.message.removeprefix("purpose: ")) from None


def refuse_custom_codes() -> None:
    if boolean(request.form.get("CustomCodeEnabled"), "CustomCodeEnabled"):
        raise invalid("CustomCodeEnabled", "cannot be true: Sandi makes every code itself")


def service_purpose(raw: str | None, psd2_raw: str | None, current: str | None) -> str:
    """The OTP purpose a service uses: Sandi's ``Purpose``, or Twilio's
    ``Psd2Enabled`` (true: ``payment``, which binds amount and payee into the
    code; false: ``verify``). Both given must agree; never silently false."""
    settings = services().otp.settings
    purpose = purpose_of(raw) if raw is not None else current
    psd2 = boolean(psd2_raw, "Psd2Enabled")
    if psd2 is None:
        return purpose or DEFAULT_PURPOSE
    if purpose is not None and settings.policy(purpose).binds_transaction == psd2:
        return purpose
    if raw is not None:
        binds = "binds" if not psd2 else "does not bind"
        raise invalid(
            "Psd2Enabled", f"is {str(psd2).lower()} but purpose {raw} {binds} amount and payee"
        )
    chosen = PAYMENT_PURPOSE if psd2 else DEFAULT_PURPOSE
    if settings.policy(chosen).binds_transaction != psd2:
        raise invalid("Psd2Enabled", f"purpose {chosen} is set up otherwise on this server")
    return chosen


def boolean(value: str | None, name: str) -> bool | None:
    """Twilio's SDKs send booleans as ``true``/``false``."""
    if value is None or value == "":
        return None
    text = value.strip().lower()
    if text not in {"true", "false"}:
        raise invalid(name, "must be true or false")
    return text == "true"
