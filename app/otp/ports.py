"""The delivery boundary between the OTP service and the channels.

Agreed with the channels engineer: the service hands a :class:`CodeMessage`
to a :class:`CodeDelivery` and gets a :class:`DeliveryReceipt` back, or a
:class:`DeliveryError`. This is the only place where a code leaves the core,
which is why nothing here ever formats a code into a ``repr`` or a message.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True, slots=True)
class CodeMessage:
    verification_id: str
    to: str  # E.164 number or e-mail address
    channel: str  # "sms" | "whatsapp" | "call" | "email" | "flashcall" | "auto"
    code: str = field(repr=False)
    locale: str  # "id" | "en"
    purpose: str
    expires_in: int  # seconds
    amount: str | None = None
    payee: str | None = None
    #: The name the message shows (a Verify service's friendly name); None: ``SANDI_BRAND``.
    brand: str | None = None
    #: Idempotency key of this send (``<id>:<generation>`` or ``<id>:fallback:<channel>``):
    #: the channels record the attempt under it before it goes out and never send it twice.
    send_key: str | None = None


@dataclass(frozen=True, slots=True)
class DeliveryReceipt:
    channel: str  # the channel actually used ("auto" resolved)
    message_id: str  # provider id (Twilio SID or sandbox id), for status tracking
    #: Set when the channel dictates the code (flash call: the last digits of the
    #: caller number); the service then stores THIS code's hash instead of its own.
    code: str | None = field(default=None, repr=False)
    #: A status the provider reported before the send was recorded (a callback that
    #: beat the response); the service records it instead of "sent".
    status: str = "sent"
    error_code: str | None = None


class DeliveryError(Exception):
    """The channel could not take the message; ``code`` is a stable label.

    Examples: ``provider_error``, ``provider_timeout``, ``opted_out``,
    ``invalid_destination``, ``channel_unavailable``. The message must never
    contain the code being delivered.
    """

    def __init__(self, code: str, message: str, *, retryable: bool = False) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.retryable = retryable


class CodeDelivery(Protocol):
    def deliver(self, message: CodeMessage) -> DeliveryReceipt: ...
