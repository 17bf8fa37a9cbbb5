"""A Twilio Verify service's settings, checked once for the /v2 API and the CLI.

A service names the messages (``FriendlyName``: the OTP SMS must still fit
one segment with it) and may fix the code length (``CodeLength``: the same
rule as a caller's ``digits``, :func:`app.otp.request_checks.digits_range`).
"""

from __future__ import annotations

from app.content.otp_sms import template_problems
from app.content.render import TemplateSource
from app.otp import request_checks as req
from app.otp.errors import invalid
from app.otp.policy import PurposePolicy


def service_name(value: object, templates: TemplateSource, field: str = "FriendlyName") -> str:
    """The name messages show; refused when the OTP SMS would not fit one segment."""
    name = req.brand_of(value, field)
    problems = template_problems(templates, name)
    if problems:
        path, why = problems[0]
        raise invalid(
            field, f"is too long for the OTP SMS to stay one segment (templates/{path} {why})"
        )
    return name


def service_code_length(
    value: object, policy: PurposePolicy, field: str = "CodeLength"
) -> int | None:
    """None (the purpose's length) or a whole number the purpose's policy allows."""
    if value is None or value == "":
        return None
    text = value.strip() if isinstance(value, str) else value
    if isinstance(text, str):
        number: object = int(text) if text.isdigit() else None
    else:
        number = text
    low, high = req.digits_range(policy)
    if isinstance(number, bool) or not isinstance(number, int) or not low <= number <= high:
        raise invalid(field, f"must be a whole number from {low} to {high}")
    return number
