"""Where a code goes: an E.164 phone number or an e-mail address, validated."""

from __future__ import annotations

from dataclasses import dataclass

from email_validator import EmailNotValidError, validate_email

from app.numbers import parse_number, readable
from app.otp.errors import OtpError, invalid

MAX_ADDRESS = 254


@dataclass(frozen=True, slots=True)
class Destination:
    address: str  # E.164 or a normalised e-mail address
    kind: str  # "phone" | "email"
    country: str | None  # ISO code of a phone number's country


def parse_destination(raw: object, channel: str, field: str = "to") -> Destination:
    """Normalise ``raw`` for ``channel``; ``email`` needs an address, the others a number.

    ``auto`` takes either and picks the channel from what it gets.
    """
    if not isinstance(raw, str) or not raw.strip():
        raise invalid(field, "must be a phone number in E.164 format or an e-mail address")
    text = raw.strip()
    if len(text) > MAX_ADDRESS:
        raise OtpError("invalid_destination", f"{field}: is too long", field=field)
    if "@" in text:
        if channel not in {"email", "auto"}:
            raise OtpError(
                "invalid_destination",
                f"{field}: channel {channel} needs a phone number, not an e-mail address",
                field=field,
            )
        return _email(text, field)
    if channel == "email":
        raise OtpError(
            "invalid_destination", f"{field}: channel email needs an e-mail address", field=field
        )
    return _phone(text, field)


def parse_phone(raw: str, field: str = "to") -> Destination:
    return _phone(raw.strip(), field)


def _phone(text: str, field: str) -> Destination:
    if not text.startswith("+"):
        raise OtpError(
            "invalid_destination",
            f"{field}: give the number in E.164 format with its country code, e.g. +6281234567890",
            field=field,
        )
    number = parse_number(text, "valid")  # a code to a number no carrier can have helps nobody
    if number is None:
        what = "a valid phone number" if readable(text) else "a phone number"
        raise OtpError("invalid_destination", f"{field}: is not {what}", field=field)
    return Destination(address=number.e164, kind="phone", country=number.country)


def _email(text: str, field: str) -> Destination:
    try:
        result = validate_email(text, check_deliverability=False)
    except EmailNotValidError:
        raise OtpError(
            "invalid_destination", f"{field}: is not a valid e-mail address", field=field
        ) from None
    return Destination(address=str(result.normalized).lower(), kind="email", country=None)
