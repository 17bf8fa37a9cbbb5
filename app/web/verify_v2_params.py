"""Reading ``/v2``'s form parameters as Twilio does: required ones, whole numbers in
a range, a service's friendly name and code length (the OTP core's rules), and
``Locale`` (any of Twilio's languages; those Sandi has no templates for fall back
to the default)."""

from __future__ import annotations

import re

from flask import request

from app.config import LOCALES
from app.otp import verify_services
from app.otp.errors import OtpError
from app.web.current import services
from app.web.verify_v2_errors import invalid


def required(name: str) -> str:
    value = request.form.get(name)
    if value is None or not value.strip():
        raise invalid(name, "is required")
    return value


def service_name(value: str, parameter: str, purpose: str, code_length: int | None) -> str:
    """Up to Twilio's 32 characters, while this service's own OTP SMS (its
    purpose's wording, code length and lifetime) stays one segment."""
    try:
        return verify_services.service_name(
            value, services().templates, parameter, purpose=purpose,
            policy=services().otp.settings.policy(purpose), code_length=code_length,
        )  # fmt: skip
    except OtpError as err:
        raise invalid(parameter, err.message.removeprefix(f"{parameter}: ")) from None


def code_length(value: str | None, purpose: str) -> int | None:
    """As the purpose's policy allows (6-10 unless the operator allows shorter)."""
    try:
        return verify_services.service_code_length(value, services().otp.settings.policy(purpose))
    except OtpError as err:
        raise invalid("CodeLength", err.message.removeprefix("CodeLength: ")) from None


def whole(value: str | None, name: str, default: int, low: int, high: int) -> int:
    if value is None or value == "":
        return default
    # ASCII digits only: str.isdigit() takes '²' and '٣', which int() then refuses.
    if not _ASCII_WHOLE.fullmatch(value.strip()) or not low <= int(value) <= high:
        raise invalid(name, f"must be a whole number from {low} to {high}")
    return int(value)


_ASCII_WHOLE = re.compile(r"[0-9]{1,9}")


def locale(value: str | None, locales: tuple[str, ...] = LOCALES) -> str | None:
    """Twilio takes ~40 languages; Sandi's templates are ``SANDI_LOCALES`` (``id``
    and ``en`` by default). Any other falls back to the server's default language
    instead of failing."""
    if not value:
        return None
    language = value.strip().lower().replace("_", "-").split("-")[0]
    return language if language in locales else None
