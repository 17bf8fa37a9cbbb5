"""The boundary between the OTP core and delivery channels."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class CodeMessage:
    verification_id: str
    to: str  # E.164 number or e-mail address
    channel: str  # "sms" | "whatsapp" | "call" | "email" | "flashcall" | "auto"
    code: str
    locale: str  # "id" | "en"
    purpose: str
    expires_in: int  # seconds
    amount: str | None = None
    payee: str | None = None


@dataclass(frozen=True, slots=True)
class DeliveryReceipt:
    channel: str  # the channel actually used ("auto" resolved)
    message_id: str  # provider id (Twilio SID or sandbox id), for status tracking
    code: str | None = (
        None  # set when the channel dictates the code (flash call: last digits of the caller number)
    )


class DeliveryError(Exception):
    def __init__(self, code: str, message: str, *, retryable: bool = False) -> None:
        super().__init__(message)
        self.code = code
        self.retryable = retryable

    # codes: "provider_error", "provider_timeout", "opted_out", "invalid_destination", "channel_unavailable"


class CodeDelivery(Protocol):
    def deliver(self, message: CodeMessage) -> DeliveryReceipt: ...
