"""A Twilio Verify service's settings, checked once for the /v2 API and the CLI.

A service names the messages (``FriendlyName``: the OTP SMS that service
sends must still fit one segment with it) and may fix the code length (``CodeLength``: the same
rule as a caller's ``digits``, :func:`app.otp.request_checks.digits_range`).
"""

from __future__ import annotations

from app.content.otp_sms import service_name_problem
from app.content.render import TemplateSource
from app.otp import request_checks as req
from app.otp.errors import invalid
from app.otp.policy import PurposePolicy


def service_name(
    value: object,
    templates: TemplateSource,
    field: str = "FriendlyName",
    *,
    purpose: str,
    policy: PurposePolicy,
    code_length: int | None,
) -> str:
    """The name messages show (up to Twilio's 32 characters); refused only when
    the OTP SMS of *this* service — its purpose's wording (payee and amount for
    a payment only), its code length and lifetime — would not fit one segment."""
    name = req.brand_of(value, field)
    problem = service_name_problem(
        templates, name, purpose=purpose, payment=policy.binds_transaction,
        digits=code_length or policy.digits, ttl=policy.ttl_for("sms"),
    )  # fmt: skip
    if problem:
        raise invalid(field, problem)
    return name


def service_code_length(
    value: object, policy: PurposePolicy, field: str = "CodeLength"
) -> int | None:
    """None (the purpose's length) or a whole number the purpose's policy allows."""
    if value is None or value == "":
        return None
    text = value.strip() if isinstance(value, str) else value
    if isinstance(text, str):
        # ASCII digits only: str.isdigit() takes '²' and '٣', which int() then refuses.
        number: object = int(text) if text.isascii() and text.isdigit() else None
    else:
        number = text
    low, high = req.digits_range(policy)
    if isinstance(number, bool) or not isinstance(number, int) or not low <= number <= high:
        raise invalid(field, f"must be a whole number from {low} to {high}")
    return number
