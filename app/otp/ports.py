"""What the OTP core needs from the world, as small protocols.

Two boundaries, each implemented at the edge and replaceable in a test:

- Delivery (agreed with the channels engineer): the service hands a
  :class:`CodeMessage` to a :class:`CodeDelivery` and gets a
  :class:`DeliveryReceipt` back, or a :class:`DeliveryError`. This is the only
  place where a code leaves the core, which is why nothing here ever formats a
  code into a ``repr`` or a message.
- State and limits: :class:`app.store.otp.RedisVerificationStore` and
  :class:`app.store.ratelimits.RedisSendLimiter` implement
  :class:`VerificationStore` and :class:`SendLimiter`. Every method that
  changes a verification is one atomic step: the rules (attempt counts,
  cooldowns, single use) are enforced inside it, not around it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from operator import attrgetter
from typing import Any, Protocol


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
    #: Idempotency key of this send (:func:`send_key`, :func:`fallback_send_key`): the
    #: channels record the attempt under it before it goes out and never send it twice.
    send_key: str | None = None
    #: This verification's own fallback order (a chat flow's ``channel: [whatsapp, sms]``),
    #: ``channel`` first; empty: the server's ``SANDI_FALLBACK``.
    fallback: tuple[str, ...] = ()

    @property
    def first_send(self) -> bool:
        """Whether this is its verification's first send (nothing kept for it yet)."""
        return self.send_key == send_key(self.verification_id, 1)


def send_key(verification_id: str, generation: int) -> str:
    """The idempotency key of a verification's send of one code generation."""
    return f"{verification_id}:{generation}"


def fallback_send_key(verification_id: str, channel: str) -> str:
    """The idempotency key of a verification's fallback send to ``channel`` (one per channel)."""
    return f"{verification_id}:fallback:{channel}"


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
    #: Set when that is not known yet: the channels' tracking write rides the caller's
    #: write-behind round trip. Calling it sends that trip (with everything the step
    #: queued so far) and returns the receipt with the status then known (``settle``
    #: unset); a status that raced ahead is for the service to record as a callback's.
    settle: Callable[[], DeliveryReceipt] | None = field(default=None, repr=False, compare=False)


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


#: How long a claimed send keeps concurrent starts waiting if its request dies.
CLAIM_LEASE_MS = 10_000


def open_field(purpose: str, digest: str, service: str = "") -> str:
    """The field of the store's open-verifications hash (one per destination, in its
    hash tag: ``app.store.keys.otp_open``) naming one open verification.

    ``/v1`` keeps one per purpose (``<purpose>:<digest>``); each Twilio Verify
    service (``/v2``) its own (``<VA sid>:<purpose>:<digest>``), so two services
    on one number never see each other's code. A purpose is lowercase, a
    service sid starts ``VA``: the two shapes cannot collide.
    """
    return f"{service}:{purpose}:{digest}" if service else f"{purpose}:{digest}"


@dataclass(frozen=True, slots=True)
class StartCommand:
    """Start a verification, or resend the pending one, for one destination and purpose."""

    tag: str  # the destination's hash tag (first 16 hex of its digest)
    open_field: str  # open_field(purpose, digest, service)
    existing_id: str  # the pending verification read before, "" if none
    new_id: str  # the id a new verification gets
    expect: str  # "new" | "resend" (a new code) | "same" (the open one's code again)
    now_ms: int
    code_hash: str
    digits: int
    ttl: int
    max_checks: int
    max_sends: int
    cooldown: int
    retention: int
    to: str
    channel: str
    purpose: str
    locale: str
    amount: str
    payee: str
    token: str  # this request's claim on the next send
    brand: str = ""  # the name the message shows ("" = the server's SANDI_BRAND)
    service: str = ""  # the Twilio Verify service (VA sid) it belongs to; "" for /v1
    #: The code sealed (app.otp.sealing) so a resend can repeat it; with "same":
    #: the seal the open verification must still hold.
    sealed: str = ""
    #: The verification's own fallback order (see :attr:`CodeMessage.fallback`); not stored.
    fallback: tuple[str, ...] = ()
    #: The destination's send limits for the store to count with a claim it grants
    #: (:meth:`SendLimiter.destination_windows`: sends, seconds, sends, seconds...),
    #: and now on the limits' clock; () when the limiter counts them itself.
    windows: tuple[int, ...] = ()
    windows_now_ms: int = 0

    def but(self, **changes: Any) -> StartCommand:
        """``dataclasses.replace(self, **changes)`` at half its cost (a start makes
        two): the values read by one ``attrgetter``, ``__init__`` called by position
        (every field is a positional argument: :func:`_positional_fields`)."""
        values = list(_start_values(self))
        for name, value in changes.items():
            try:
                values[_START_INDEX[name]] = value
            except KeyError:
                raise TypeError(f"StartCommand has no field {name!r}") from None
        return StartCommand(*values)


def _positional_fields(cls: type) -> tuple[str, ...]:
    """The fields of dataclass ``cls``, when its ``__init__`` takes them all by position."""
    found = fields(cls)
    if not all(f.init and not f.kw_only for f in found):
        raise TypeError(f"{cls.__name__} has a field __init__ does not take by position")
    return tuple(f.name for f in found)


_START_FIELDS = _positional_fields(StartCommand)
_START_INDEX = {name: i for i, name in enumerate(_START_FIELDS)}
_start_values = attrgetter(*_START_FIELDS)


@dataclass(frozen=True, slots=True)
class StartOutcome:
    """``kind``: ``new``/``resend`` (claimed), ``created``/``resent`` (done),
    ``retry`` (state moved since it was read), or a refusal: ``cooldown``,
    ``max_sends``, ``locked``, ``binding_conflict``, ``limited`` (a window of
    :attr:`StartCommand.windows` is full: ``wait_ms`` until it has room)."""

    kind: str
    wait_ms: int = 0
    gen: int = 0
    open_id: str = ""  # on ``retry``: the id open now
    sends: int = 0  # once written: the verification's counters, to answer without a read
    attempts_left: int = 0
    created_ms: int = 0


@dataclass(frozen=True, slots=True)
class CheckOutcome:
    """``kind``: ``approved``, ``wrong``, ``locked_now`` (the last allowed
    failure), ``max_attempts_reached``, ``not_found``, ``expired``,
    ``not_pending`` (``status`` says which), ``bad_length`` (``digits``
    expected), ``binding_required``."""

    kind: str
    attempts_left: int = 0
    status: str = ""
    digits: int = 0
    wait_ms: int = 0  # until a max_attempts_reached lock ends
    #: The compared verification's destination and purpose (approved, wrong, locked_now).
    to: str = ""
    purpose: str = ""
    #: On ``approved``, the insights' trace the store read with the verification
    #: (None: not read; the insights read it themselves).
    trace: Mapping[str, str] | None = None


class VerificationStore(Protocol):
    def open_id(self, tag: str, open_field: str) -> str | None:
        """The id of the verification open for a destination and purpose, if any."""
        ...

    # ``start`` assumes ``command.existing_id`` is the open id and answers ``retry``
    # with the real one (``open_id``) when it is not: a first send needs no read.
    def start(self, command: StartCommand, *, claim: bool) -> StartOutcome:
        """``claim``: check the rules and reserve the send for ``command.token``
        (concurrent starts get ``cooldown``); then commit: write the new code,
        which needs that claim."""
        ...

    def claim_soon(self, command: StartCommand) -> Callable[[], StartOutcome]:
        """``start(claim=True)``, and when nothing is pending to resend, the new
        verification written at once with ``command``'s code (``created``: no
        commit follows). The answer may wait for the store's next round trip:
        calling the returned function gets it, so the fraud guard's and the
        limits' questions can share that trip."""
        ...

    def release(self, command: StartCommand, *, discard: bool = False) -> None:
        """Give up a claim whose send was refused (a send limit); ``discard``: and
        the verification :meth:`claim_soon` created for it (its code never went out)."""
        ...

    def check(
        self,
        verification_id: str,
        *,
        now_ms: int,
        code_hash: str,
        code_length: int,
        has_binding: bool,
        purpose: str,
        retention: int,
        service: str | None = None,
    ) -> CheckOutcome:
        """``purpose`` ("" = any) and ``service`` (None = any, "" = /v1's own)
        must match the verification's, else ``not_found``."""
        ...

    def cancel(self, verification_id: str, *, now_ms: int, retention: int) -> CheckOutcome: ...

    def get(self, verification_id: str) -> Mapping[str, str] | None: ...

    def redeliver(
        self,
        verification_id: str,
        *,
        now_ms: int,
        code_hash: str,
        digits: int,
        ttl: int,
        channel: str,
        max_redeliveries: int,
        retention: int,
        sealed: str = "",
    ) -> StartOutcome:
        """``kind``: ``resent`` with the new ``gen``, ``not_found``,
        ``not_pending`` or ``max_redeliveries``."""
        ...

    def record_delivery(
        self,
        verification_id: str,
        *,
        gen: int,
        channel: str,
        message_id: str,
        status: str,
        error_code: str,
        code_hash: str,
        digits: int,
    ) -> bool:
        """Note how send ``gen`` went; ``code_hash`` (if not empty) replaces the
        stored hash when the channel dictated the code. False if a newer send
        has happened since."""
        ...

    def delivery_status(
        self, verification_id: str, *, message_id: str, status: str, error_code: str
    ) -> bool:
        """A provider's status callback; False when ignored (older message, or
        a status that would move backwards)."""
        ...


@dataclass(frozen=True, slots=True)
class LimitRefusal:
    scope: str  # "destination" | "api_key" | "client_ip" | "sender" | "server"
    retry_after: int  # whole seconds


#: The send limits' scopes, in the order a refusal is reported.
SCOPES = ("server", "client_ip", "api_key", "sender", "destination")
#: Those keyed on where a send comes from, not on whom it goes to.
SOURCE_SCOPES = ("server", "client_ip", "api_key")


@dataclass(frozen=True, slots=True)
class HeldSend:
    """What :meth:`SendLimiter.acquire_soon` counted: a refusal, or hits to give back."""

    refusal: LimitRefusal | None
    give_back: Callable[[], None]


class SendLimiter(Protocol):
    def acquire(
        self,
        destination: str,
        api_key: str | None,
        client_ip: str | None,
        sender: str | None = None,
    ) -> LimitRefusal | None:
        """Count one send against every limit that applies, or say which one is full."""
        ...

    def acquire_soon(
        self,
        destination: str,
        api_key: str | None,
        client_ip: str | None,
        sender: str | None = None,
        *,
        scopes: tuple[str, ...] = SCOPES,
    ) -> Callable[[], HeldSend]:
        """:meth:`acquire` of the windows of ``scopes`` only, answered with the store's
        next round trip, and able to give the hits back (a send refused after all,
        by the fraud guard or its claim)."""
        ...

    def destination_windows(self) -> tuple[int, tuple[int, ...]] | None:
        """Now (ms, on the limits' clock) and the destination's windows (sends,
        seconds, ...) for a verification store to count with the claim it grants
        (:attr:`StartCommand.windows`; its limit then lives beside the claim, one
        round trip for both), or None: this limiter counts them in :meth:`acquire`."""
        ...

    def reset(self, destination: str) -> None:
        """Forget a destination's sends (an operator, or ``sandi sandbox reset``)."""
        ...
