"""Refusals in Twilio's error format, with Twilio's codes where they mean the same.

Twilio's SDKs turn ``{"code", "message", "more_info", "status"}`` into a
``TwilioRestException`` whose ``code`` and ``status`` apps branch on, so each
Sandi refusal (:class:`app.otp.errors.OtpError`) is given the Twilio code an
app already handles: 60202 for too many wrong codes, 60203 for too many sends,
20404 for anything that is not there (any more), 60605 for a country Sandi
does not send to. The message keeps Sandi's own sentence, which names the
form parameter at fault and never repeats a code.
"""

from __future__ import annotations

from typing import Any

from app.otp.errors import OtpError

MORE_INFO = "https://www.twilio.com/docs/errors/{code}"

#: Twilio's titles for the codes used here.
TITLES = {
    20003: "Authenticate",
    20004: "Method not allowed",
    20404: "The requested resource was not found",
    20429: "Too Many Requests",
    20503: "Service Unavailable",
    21610: "Attempt to send to unsubscribed recipient",
    60200: "Invalid parameter",
    60202: "Max check attempts reached",
    60203: "Max send attempts reached",
    60205: "SMS is not supported by landline phone number",
    60206: "'Amount' & 'Payee' params are required",
    60212: "Too many concurrent requests for phone number",
    60410: "Verification delivery attempt blocked",
    60605: "Verification delivery attempt blocked",
}

#: OtpError code -> (Twilio code, HTTP status).
BY_OTP_CODE: dict[str, tuple[int, int]] = {
    "invalid_json": (60200, 400),
    "invalid_parameter": (60200, 400),
    "invalid_destination": (60200, 400),
    "invalid_code": (60200, 400),
    "channel_not_allowed": (60200, 400),
    "conflict": (60200, 400),
    "payment_binding_required": (60206, 400),
    "binding_not_allowed": (60200, 400),
    "unauthorized": (20003, 401),
    "country_not_allowed": (60605, 403),
    "landline_not_supported": (60205, 400),
    "number_type_not_allowed": (60200, 400),
    "verification_blocked": (60410, 403),  # the fraud guard (Twilio's Fraud Guard code)
    "not_found": (20404, 404),
    "not_pending": (20404, 404),  # Twilio forgets a verification once it has ended
    "max_attempts_reached": (60202, 429),
    "max_sends_reached": (60203, 429),
    "resend_cooldown": (20429, 429),
    "rate_limited": (20429, 429),
    "busy": (60212, 429),
    "max_redeliveries": (20429, 429),
    "delivery_failed": (20503, 503),
}

#: When a channel refused the code at once: the channel's error -> (code, status).
BY_DELIVERY_ERROR: dict[str, tuple[int, int]] = {
    "opted_out": (21610, 400),
    "invalid_destination": (60200, 400),
    "channel_unavailable": (60200, 400),
}

#: Sandi's field names -> the form parameters of Twilio's API.
PARAMETERS = {
    "to": "To",
    "channel": "Channel",
    "code": "Code",
    "locale": "Locale",
    "amount": "Amount",
    "payee": "Payee",
    "id": "VerificationSid",
    "purpose": "Purpose",
    "brand": "CustomFriendlyName",
    "digits": "CodeLength",
}


class TwilioError(Exception):
    def __init__(
        self,
        code: int,
        status: int,
        detail: str = "",
        *,
        retry_after: int | None = None,
        message: str | None = None,
    ) -> None:
        title = TITLES.get(code, "Error")
        super().__init__(message or (f"{title}: {detail}" if detail else title))
        self.code = code
        self.status = status
        self.message = str(self)
        self.retry_after = retry_after

    def body(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "message": self.message,
            "more_info": MORE_INFO.format(code=self.code),
            "status": self.status,
        }


def invalid(parameter: str, detail: str) -> TwilioError:
    return TwilioError(60200, 400, f"`{parameter}`: {detail}")


def not_found(path: str) -> TwilioError:
    """Twilio's own sentence, with the path as Twilio's SDKs request it."""
    resource = path.removeprefix("/v2")
    return TwilioError(20404, 404, message=f"The requested resource {resource} was not found")


def from_otp(err: OtpError, delivery_error: str | None = None) -> TwilioError:
    """The Twilio error for a refusal; ``delivery_error`` is the channel's own code
    when the refusal is ``delivery_failed``."""
    code, status = BY_OTP_CODE.get(err.code, (60200, 400))
    if err.code == "delivery_failed" and delivery_error in BY_DELIVERY_ERROR:
        code, status = BY_DELIVERY_ERROR[delivery_error]
    detail = err.message
    if err.field and detail.startswith(f"{err.field}: "):
        parameter = PARAMETERS.get(err.field, err.field)
        detail = f"`{parameter}`: {detail.removeprefix(f'{err.field}: ')}"
    if err.verification_id and err.verification_id not in detail:
        detail = f"{detail} ({err.verification_id})"
    return TwilioError(code, status, detail, retry_after=err.retry_after)
