"""What the conversation core needs from the world, as small protocols.

The engine sends codes, calls the business back end, records requests and
lists handoffs only through these; the real implementations live at the
edge (the OTP service, :mod:`app.conversation.backend`, :mod:`app.store`),
so the core stays plain Python and each side can be tested alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

OtpStartStatus = Literal["pending", "refused", "cooldown", "failed"]
OtpCheckStatus = Literal["approved", "pending", "max_attempts_reached", "expired", "not_found"]

#: Channels an ``otp_issue`` step may name.
OTP_CHANNELS = ("sms", "whatsapp", "call", "email", "flashcall")


@dataclass(frozen=True, slots=True)
class OtpStart:
    """The outcome of asking for a code to be sent.

    ``pending``: a code is on its way. ``cooldown``: one was sent moments ago
    and is still valid (``retry_after`` seconds until another may be sent).
    ``refused``: policy says no (country, rate limit). ``failed``: delivery
    could not start.
    """

    status: OtpStartStatus
    retry_after: int | None = None
    channel: str | None = None


@dataclass(frozen=True, slots=True)
class OtpCheck:
    """The outcome of checking a code; ``pending`` means wrong, try again."""

    status: OtpCheckStatus
    attempts_left: int | None = None


class OtpPort(Protocol):
    """The OTP service as the flows use it (``otp_issue`` / ``otp_confirm``)."""

    def start(
        self, *, to: str, channel: str, purpose: str, locale: str,
        flow: str | None = None, sender: str | None = None,
    ) -> OtpStart:  # fmt: skip
        """``flow`` and ``sender``: who asks, for the OTP insights and fraud guard."""
        ...

    def check(self, *, to: str, purpose: str, code: str) -> OtpCheck: ...


@dataclass(frozen=True, slots=True)
class BackendResult:
    ok: bool
    status: int | None = None
    data: Mapping[str, Any] = field(default_factory=dict)
    #: Why it failed, for logs and the ``error`` variable (never a secret).
    error: str | None = None


class Backend(Protocol):
    """The business's own back end, as ``http`` steps call it."""

    def call(
        self, path: str, payload: Mapping[str, Any], *, conversation_id: str, timeout: float
    ) -> BackendResult: ...


class RecordStore(Protocol):
    """Keeps what an ``http`` step would have sent when no back end is configured."""

    def record(self, conversation_id: str, path: str, payload: Mapping[str, Any]) -> None: ...

    def records(self, conversation_id: str, path: str) -> list[dict[str, Any]]: ...


class HandoffIndex(Protocol):
    """Which conversations wait for a person, so staff can list and release them."""

    def add(self, conversation_id: str, until: float) -> None: ...

    def remove(self, conversation_id: str) -> None: ...

    def active(self, now: float) -> list[tuple[str, float]]: ...
