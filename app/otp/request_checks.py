"""Checking what a caller asks of the OTP service, field by field.

Each check raises :class:`app.otp.errors.OtpError` naming the field, so the
REST API and the chat flows give the same clear answer.
"""

from __future__ import annotations

import re

from app.config import LOCALES
from app.otp.codes import MAX_DIGITS, MIN_DIGITS
from app.otp.errors import OtpError, invalid
from app.otp.policy import (
    CHANNELS,
    DEFAULT_PURPOSE,
    PURPOSE_PATTERN,
    OtpSettings,
    PurposePolicy,
)

VERIFICATION_ID = re.compile(r"^VE[0-9a-f]{32}$")
#: A name shown in messages: plain GSM-7 ASCII (an SMS must stay one segment),
#: at most 32 characters (Twilio Verify's limit) and 4 digits (its rule: no
#: phone numbers). Whether it fits the SMS is the channel's check.
BRAND = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._&'-]{0,31}$")
MAX_BRAND_DIGITS = 4
NIST_MIN_DIGITS = 6
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
MAX_AMOUNT, MAX_PAYEE = 32, 64


def purpose_of(value: object) -> str:
    if value is None:
        return DEFAULT_PURPOSE
    if not isinstance(value, str) or not PURPOSE_PATTERN.match(value):
        raise invalid("purpose", "must be lowercase letters, digits and _ (e.g. login, payment)")
    return value


def channel_of(value: object, policy: PurposePolicy, purpose: str) -> str:
    if not isinstance(value, str) or value not in CHANNELS:
        raise invalid("channel", f"must be one of {', '.join(CHANNELS)}")
    if value not in policy.channels:
        allowed = ", ".join(c for c in CHANNELS if c in policy.channels)
        why = (
            "; NIST SP 800-63B does not accept e-mail as an authentication channel "
            "(SANDI_EMAIL_OTP_PURPOSES lists the purposes that may use it)"
            if value == "email"
            else ""
        )
        raise OtpError(
            "channel_not_allowed",
            f"channel: {value} is not allowed for purpose {purpose} (allowed: {allowed}){why}",
            field="channel",
        )
    return value


def locale_of(value: object, default: str, locales: tuple[str, ...] = LOCALES) -> str:
    """The code's language: one of ``locales`` (the OTP messages' templates)."""
    if value is None:
        return default
    if isinstance(value, str):
        short = value.strip().lower().replace("_", "-").split("-")[0]
        if short in locales:
            return short
    raise invalid("locale", f"must be one of {', '.join(locales)}")


def binding_of(
    policy: PurposePolicy, purpose: str, amount: object, payee: object, *, required: bool
) -> tuple[str, str]:
    """The (amount, payee) a payment code is bound to, normalised; ("", "") otherwise."""
    if amount is None and payee is None:
        if policy.binds_transaction and required:
            raise OtpError(
                "payment_binding_required",
                f"amount: purpose {purpose} binds the code to an amount and a payee; give both",
                field="amount",
            )
        return "", ""
    if not policy.binds_transaction and required:
        raise OtpError(
            "binding_not_allowed",
            f"amount: amount and payee apply only to payment purposes, not {purpose}",
            field="amount",
        )
    return _text(amount, "amount", MAX_AMOUNT), _text(payee, "payee", MAX_PAYEE)


def _text(value: object, field: str, limit: int) -> str:
    if not isinstance(value, str):
        raise invalid(field, "must be a string")
    text = " ".join(value.split())
    if not text or len(text) > limit or _CONTROL.search(text):
        raise invalid(field, f"must be 1 to {limit} printable characters")
    return text


def digits_range(policy: PurposePolicy) -> tuple[int, int]:
    """The code lengths a caller may ask for: 6 to 10 (NIST SP 800-63B wants at
    least 6 digits), or down to the purpose's own length if the operator set
    it lower (``SANDI_OTP_DIGITS=4``). A caller cannot weaken the policy."""
    return max(MIN_DIGITS, min(NIST_MIN_DIGITS, policy.digits)), MAX_DIGITS


def digits_of(value: object, policy: PurposePolicy) -> int:
    """The code length a caller asks for, or the purpose's."""
    if value is None:
        return policy.digits
    if isinstance(value, bool) or not isinstance(value, int):
        raise invalid("digits", "must be a whole number")
    low, high = digits_range(policy)
    if not low <= value <= high:
        raise invalid(
            "digits",
            f"must be from {low} to {high} (NIST SP 800-63B; shorter codes need "
            "SANDI_OTP_DIGITS set lower by the operator)",
        )
    return value


def brand_of(value: object, field: str = "brand") -> str:
    """The name a caller wants the message to show, or "" for the server's own."""
    if value is None:
        return ""
    text = " ".join(value.split()) if isinstance(value, str) else ""
    if not BRAND.match(text) or sum(c.isdigit() for c in text) > MAX_BRAND_DIGITS:
        raise invalid(
            field,
            "must be 1 to 32 plain letters, digits (at most 4), spaces or ._&'- "
            "(it appears in the message)",
        )
    return text


def verification_id_of(value: object) -> str:
    if not isinstance(value, str) or not VERIFICATION_ID.match(value):
        raise OtpError("not_found", "no verification with this id", field="id")
    return value


def allow_country(settings: OtpSettings, country: str | None) -> None:
    allowed = settings.allowed_countries
    if allowed is None:
        return
    if country not in allowed:
        raise OtpError(
            "country_not_allowed",
            f"to: numbers from {country or 'this country'} are not accepted "
            f"(allowed: {', '.join(sorted(allowed))}; see SANDI_ALLOWED_COUNTRIES)",
            field="to",
        )


#: Kinds that are a landline for a text channel: Twilio's 60205 on /v2.
_LANDLINE = frozenset({"fixed_line"})


def allow_number_type(policy: PurposePolicy, channel: str, number_type: str | None) -> None:
    """Refuse a number whose kind the channel may not reach (toll fraud, landlines, unknown)."""
    allowed = policy.number_types.get(channel)
    if allowed is None or number_type in allowed:
        return
    kind = (number_type or "unknown").replace("_", " ")
    code = "landline_not_supported" if number_type in _LANDLINE else "number_type_not_allowed"
    raise OtpError(
        code,
        f"to: {channel} codes are not sent to {kind} numbers "
        f"(allowed: {', '.join(sorted(k.replace('_', ' ') for k in allowed))})",
        field="to",
    )
