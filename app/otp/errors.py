"""Why the OTP service refuses a request, as a stable ``code`` plus a sentence.

One exception class with a code keeps callers simple: the REST API maps the
code to an HTTP status, a chat flow to a template. Messages are written for
the business's developers and never contain an OTP code.
"""

from __future__ import annotations


class OtpError(Exception):
    """A refused OTP request.

    :param code: stable label, e.g. ``invalid_parameter``, ``not_found``,
        ``resend_cooldown``, ``max_attempts_reached``, ``rate_limited``,
        ``delivery_failed`` (docs/api.md lists them all).
    :param field: the request field at fault, when there is one.
    :param retry_after: whole seconds after which trying again can succeed.
    :param verification_id: the verification concerned, when one exists.
    """

    def __init__(
        self,
        code: str,
        message: str,
        *,
        field: str | None = None,
        retry_after: int | None = None,
        verification_id: str | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field
        self.retry_after = retry_after
        self.verification_id = verification_id


def invalid(field: str, message: str, code: str = "invalid_parameter") -> OtpError:
    return OtpError(code, f"{field}: {message}", field=field)
