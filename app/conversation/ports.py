"""What the conversation core needs from the world, as small protocols.

The engine sends codes, calls the business back end, records requests,
holds and saves conversations (:class:`TurnStore`) and
lists handoffs only through these; the real implementations live at the
edge (the OTP service, :mod:`app.edges.backend`, :mod:`app.store`),
so the core stays plain Python and each side can be tested alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from app.content.messages import Conversation, Reply
from app.otp.policy import CHANNELS

OtpStartStatus = Literal["pending", "refused", "cooldown", "failed"]
OtpCheckStatus = Literal["approved", "pending", "max_attempts_reached", "expired", "not_found"]

#: Channels an ``otp_issue`` step may name: every channel a code goes out on, or
#: ``auto`` (WhatsApp when the customer is there, else SMS), like /v1 and /v2.
OTP_CHANNELS = CHANNELS


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
    #: Why a code was refused (``country_not_allowed``, ``rate_limited``...), for the reply.
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class OtpCheck:
    """The outcome of checking a code; ``pending`` means wrong, try again."""

    status: OtpCheckStatus
    attempts_left: int | None = None


class OtpPort(Protocol):
    """The OTP service as the flows use it (``otp_issue`` / ``otp_confirm``)."""

    def start(
        self, *, to: str, channel: str, purpose: str, locale: str,
        flow: str | None = None, sender: str = "",
        amount: str | None = None, payee: str | None = None, fallback: tuple[str, ...] = (),
    ) -> OtpStart:  # fmt: skip
        """Send a code to ``to``. ``flow`` and ``sender`` say who asks: the flow (OTP
        insights) and the number of the conversation (the per-sender limits and fraud
        guard; an e-mail address it verifies is found, and erased, with that customer).
        ``amount`` and ``payee``: the payment a payment purpose's code approves.
        ``fallback``: the verification's own fallback order (``channel`` first)."""
        ...

    def check(
        self, *, to: str, purpose: str, code: str,
        amount: str | None = None, payee: str | None = None,
    ) -> OtpCheck:  # fmt: skip
        """Check ``code``; a payment code is approved only with its own amount and payee."""
        ...


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

    def add(
        self, conversation_id: str, until: float, handoff: Mapping[str, Any] | None = None
    ) -> None:
        """List a handoff that began (``handoff``: its state, for whoever is told of it)."""
        ...

    def remove(self, conversation_id: str) -> None: ...

    def active(self, now: float) -> list[tuple[str, float]]: ...


class HeldTurn(Protocol):
    """A conversation held exclusively for one message."""

    conversation: Conversation
    #: The replies already given to this MessageSid, if Twilio is retrying.
    answered: tuple[Reply, ...] | None

    def save(self, replies: tuple[Reply, ...]) -> None: ...


class TurnStore(Protocol):
    def hold(self, conversation_id: str, message_sid: str) -> AbstractContextManager[HeldTurn]: ...

    def peek(self, conversation_id: str) -> Conversation:
        """The stored session and profile, read without the lock (staff views)."""
        ...

    def profiles(self, conversation_ids: list[str]) -> list[dict[str, Any]]:
        """The stored profiles, in order, read without the lock at once (the inbox's list)."""
        ...
