"""What the OTP service answers with: plain, immutable results."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

PENDING = "pending"
APPROVED = "approved"
CANCELED = "canceled"
EXPIRED = "expired"
MAX_ATTEMPTS = "max_attempts_reached"
STATUSES = (PENDING, APPROVED, CANCELED, EXPIRED, MAX_ATTEMPTS)


@dataclass(frozen=True, slots=True)
class Delivery:
    """The latest delivery of the current code, as the channel reported it."""

    channel: str | None
    status: str | None
    error_code: str | None


@dataclass(frozen=True, slots=True)
class SendAttempt:
    """One code sent for a verification: a first send, a resend or a fallback."""

    number: int  # 1 for the first send, in the order they went out
    channel: str  # the channel used (requested one until the channel reported back)
    at: datetime


@dataclass(frozen=True, slots=True)
class Verification:
    id: str
    to: str
    channel: str
    purpose: str
    locale: str
    status: str
    created_at: datetime
    expires_at: datetime
    send_count: int
    attempts_left: int
    delivery: Delivery
    amount: str | None = None
    payee: str | None = None
    #: The code length asked for (a flash call's code may be shorter); None: the policy's.
    code_length: int | None = None
    #: The name the messages show; None: ``SANDI_BRAND``.
    brand: str | None = None
    #: Every send so far, oldest first, as stored: read back with ``get``/``find``
    #: (``start`` answers without a read, so its verification leaves this empty).
    attempts: tuple[SendAttempt, ...] = ()
    #: The last change of state worth telling: a send, or the end.
    updated_at: datetime | None = None
    #: The Twilio Verify service (VA sid) it was started in; "" for ``/v1``.
    service: str = ""

    @classmethod
    def from_record(cls, record: Mapping[str, str], now_ms: int) -> Verification:
        """Read a stored verification; a pending one past its expiry reads as expired."""
        status = record["status"]
        expires_ms = int(record["expires_at"])
        if status == PENDING and now_ms >= expires_ms:
            status = EXPIRED
        failures, max_checks = int(record["failures"]), int(record["max_checks"])
        # An expiry nobody has noticed yet happened at the expiry time.
        updated = record.get("ended_at") or (
            expires_ms if status == EXPIRED else record.get("last_sent")
        )
        return cls(
            id=record["id"],
            to=record["to"],
            channel=record["channel"],
            purpose=record["purpose"],
            locale=record["locale"],
            status=status,
            created_at=from_ms(int(record["created_at"])),
            expires_at=from_ms(expires_ms),
            send_count=int(record["sends"]),
            attempts_left=max(0, max_checks - failures) if status != MAX_ATTEMPTS else 0,
            delivery=Delivery(
                channel=record.get("delivery_channel") or None,
                status=record.get("delivery_status") or None,
                error_code=record.get("delivery_error") or None,
            ),
            amount=record.get("amount") or None,
            payee=record.get("payee") or None,
            code_length=int(record["code_length"]) if record.get("code_length") else None,
            brand=record.get("brand") or None,
            attempts=_attempts(record),
            updated_at=from_ms(int(updated)) if updated else None,
            service=record.get("service") or "",
        )


def _attempts(record: Mapping[str, str]) -> tuple[SendAttempt, ...]:
    """``attempt:<n>`` = ``<ms>|<channel>`` fields, one per send (see the START script)."""
    found = []
    for field, value in record.items():
        if field.startswith("attempt:"):
            at, _, channel = value.partition("|")
            found.append(SendAttempt(int(field[8:]), channel, from_ms(int(at))))
    return tuple(sorted(found, key=lambda a: a.number))


@dataclass(frozen=True, slots=True)
class Started:
    """A code went out: a new verification, or a resend of the pending one."""

    verification: Verification
    resent: bool


@dataclass(frozen=True, slots=True)
class CheckResult:
    """An evaluated check: the code was compared, and counted if wrong."""

    id: str
    status: str
    valid: bool
    attempts_left: int
    #: What was verified: the app must see it is the address and purpose it meant.
    to: str = ""
    purpose: str = ""


def to_ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def from_ms(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, tz=UTC)
