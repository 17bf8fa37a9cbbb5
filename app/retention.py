"""How long Sandi keeps each kind of data: the one retention table.

Indonesia's PDP law (UU 27/2022) asks a business to keep personal data no
longer than it needs it. Every kind of data Sandi writes is a row here, with
its default lifetime and the setting that changes it; the store modules take
their TTLs from :class:`Retention` (built once, in :mod:`app.config`), and
``docs/privacy.md`` prints the same table. A kind added to Sandi gets a row
here and, if it belongs to a customer, a key builder in
:data:`app.store.keys.CUSTOMER_KEYS`.

This module imports nothing of Sandi's, so the config, the stores and the docs
test can all read it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

DAY = 86400


@dataclass(frozen=True, slots=True)
class Kind:
    """One row of the table: what is kept, for how long, what personal data it holds."""

    field: str  # the attribute of :class:`Retention`
    what: str
    default: int  # seconds; 0 = not kept
    setting: str | None  # the environment setting that changes it (None: fixed)
    holds: str  # the personal data in it, in clear or hashed
    minimum: int = 0


KINDS: tuple[Kind, ...] = (
    Kind("session", "Conversation state: flow position, answers typed in the flow",
         30 * 60, "SANDI_SESSION_TTL", "number (key), answers (e.g. an e-mail address)", 60),
    Kind("history", "Message history for staff (inbound bodies; typed codes never kept)",
         0, "SANDI_HISTORY_TTL", "message bodies; 0 = off: bodies are not kept after the turn"),
    Kind("profile", "Customer profile per channel: language, opt-out flag, handoff, last message",
         400 * DAY, "SANDI_PROFILE_TTL", "number (key)", 3600),
    Kind("replies", "Replies given to each inbound message (for Twilio's retries)",
         6 * 3600, "SANDI_REPLIES_TTL", "number (key), reply texts", 60),
    Kind("lock", "Turn lock (tokens only)", 120, None, "number (key)"),
    Kind("backend_record", "Back-end requests recorded while no back end is configured",
         30 * DAY, "SANDI_BACKEND_RECORD_TTL", "number, what the flow sent (e.g. e-mail)", 60),
    Kind("handoff_index", "List of conversations waiting for staff", 8 * DAY, None,
         "conversation ids (number)"),
    Kind("events", "Events waiting for delivery to SANDI_EVENTS_URL (deleted once delivered)",
         3 * DAY, None, "conversation id (number), staff reply text, verification's number"),
    Kind("verification", "A verification after it ends (status, channel, times; code hash "
         "cleared)", DAY, "SANDI_OTP_RETENTION", "number or e-mail address", 60),
    Kind("delivery", "Delivery record of each message or call sent",
         3 * DAY, "SANDI_DELIVERY_TTL", "number or e-mail address", 3600),
    Kind("fallback", "Fallback steps taken per verification", DAY, None, "message ids"),
    Kind("outbox", "Sandbox outbox (sandbox mode only: what would have been sent)",
         DAY, "SANDI_OUTBOX_TTL", "number or e-mail address, message text, code", 60),
    Kind("opt_out", "Opt-outs (STOP, Twilio 21610); survives erasure",
         400 * DAY, "SANDI_OPT_OUT_TTL", "keyed hash of the address only", DAY),
    Kind("audit", "Audit trail (who did what; erasures by keyed hash)",
         365 * DAY, "SANDI_AUDIT_TTL", "staff names; customers only as keyed hash", DAY),
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Retention:
    """The lifetimes in seconds, one attribute per :data:`KINDS` row."""

    session: int = 30 * 60
    history: int = 0
    profile: int = 400 * DAY
    replies: int = 6 * 3600
    lock: int = 120
    backend_record: int = 30 * DAY
    handoff_index: int = 8 * DAY
    events: int = 3 * DAY
    verification: int = DAY
    delivery: int = 3 * DAY
    fallback: int = DAY
    outbox: int = DAY
    opt_out: int = 400 * DAY
    audit: int = 365 * DAY

    @classmethod
    def from_mapping(cls, m: Mapping[str, object]) -> Retention:
        """Read each kind's setting; raises ValueError naming the setting when bad."""
        values: dict[str, int] = {}
        for kind in KINDS:
            raw = m.get(kind.setting) if kind.setting else None
            if raw is None or str(raw).strip() == "":
                continue
            try:
                number = int(str(raw).strip())
            except ValueError:
                message = f"{kind.setting} must be a whole number of seconds, not {raw!r}"
                raise ValueError(message) from None
            if number < kind.minimum:
                raise ValueError(f"{kind.setting} must be at least {kind.minimum}, not {number}")
            values[kind.field] = number
        return cls(**values)


#: The lifetimes when nothing is set (tests check they equal the table's defaults).
DEFAULTS = Retention()
