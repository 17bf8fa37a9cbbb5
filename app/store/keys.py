"""Every Redis key Sandi uses is built here, and nowhere else.

Keys are ``sandi:{<tag>}:<facet>``. The part in braces is the Redis Cluster
hash tag: everything one conversation (or one verification) owns shares a
tag, so a Lua script that touches several of them runs on one slot.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from app.retention import DEFAULTS

PREFIX = "sandi"

# Default lifetimes, in seconds, from the one retention table (app.retention,
# where the settings that change them are named). Every write in Sandi carries a TTL.
SEEN_TTL = DEFAULTS.replies  # Twilio retries within seconds; keep replies far longer than that.
PROFILE_TTL = DEFAULTS.profile  # Language choice and opt-out outlive any session.
OUTBOX_TTL = DEFAULTS.outbox
OUTBOX_MAX = 100
LOCK_QUEUE_TTL = DEFAULTS.lock

# --- One customer's data: the registry export and erasure read ----------------
# Every key that holds something about one customer is registered here, with
# the scope that names it: a conversation id (``wa:+62...``, ``sms:+62...``), a
# destination digest (the keyed hash of a number or e-mail address, see
# app.otp.codes.CodeHasher.destination) or an address in clear. Keys whose names
# are not known in advance (one per MessageSid, per verification, per provider
# message) are listed in an index set under the same hash tag as their owner
# (conversation_index, destination_index), by the code that writes them.
# app.store.customers finds, exports and erases a customer from this list alone:
# a new kind of customer data registers its builder here and nothing else.

Scope = Literal["conversation", "destination", "address"]


@dataclass(frozen=True, slots=True)
class CustomerKey:
    kind: str  # the section of the export it appears in
    scope: Scope
    build: Callable[[str], str]
    #: Kept by an erasure (it holds no personal data in clear, e.g. a hashed opt-out).
    kept: bool = False


CUSTOMER_KEYS: list[CustomerKey] = []


def customer_key(
    kind: str, scope: Scope, *, kept: bool = False
) -> Callable[[Callable[[str], str]], Callable[[str], str]]:
    """Register a key builder of one customer's data (see the block above)."""

    def register(build: Callable[[str], str]) -> Callable[[str], str]:
        CUSTOMER_KEYS.append(CustomerKey(kind, scope, build, kept))
        return build

    return register


def _key(tag: str, facet: str) -> str:
    return f"{PREFIX}:{{{tag}}}:{facet}"


@customer_key("session", "conversation")
def session(conversation_id: str) -> str:
    """The flow position and answers of one conversation (expires when idle)."""
    return _key(conversation_id, "session")


def session_pattern() -> str:
    """Every conversation's session (what a reload will restart: ``app.store.live_sessions``)."""
    return _key("*", "session")


@customer_key("profile", "conversation")
def profile(conversation_id: str) -> str:
    """Long-lived facts about one customer on one channel (language, opt-out)."""
    return _key(conversation_id, "profile")


def seen(conversation_id: str, message_sid: str) -> str:
    """The replies given to one MessageSid, for answering Twilio's retries."""
    return _key(conversation_id, f"seen:{message_sid}")


def lock_queue(conversation_id: str) -> str:
    """FIFO of turn tokens waiting for the conversation; the head holds it."""
    return _key(conversation_id, "lock:queue")


def lock_leases(conversation_id: str) -> str:
    """Sorted set of token -> lease deadline (ms), so a dead holder expires."""
    return _key(conversation_id, "lock:leases")


@customer_key("index", "conversation")
def conversation_index(conversation_id: str) -> str:
    """Set of the conversation's keys with names not known in advance (seen:*, backend:*)."""
    return _key(conversation_id, "index")


@customer_key("outbox", "address")
def outbox(address: str) -> str:
    """Sandbox mode: what would have been sent to one phone number or e-mail
    (an e-mail address in any case: the sandbox's mailbox is case-blind)."""
    return _key(f"outbox:{address.lower() if '@' in address else address}", "messages")


def outbox_pattern() -> str:
    """Every sandbox outbox (``sandi sandbox reset``)."""
    return _key("outbox:*", "messages")


def health_probe() -> str:
    return f"{PREFIX}:health"


# Delivery channels: status per provider message, fallback steps, opt-outs.
DELIVERY_TTL = DEFAULTS.delivery  # late delivery reports and WhatsApp "read" arrive days later
FALLBACK_TTL = DEFAULTS.fallback  # far longer than any code lives
OPT_OUT_TTL = DEFAULTS.opt_out


def delivery(message_id: str) -> str:
    """One sent message or call: its verification, channel and latest status."""
    return _key(f"msg:{message_id}", "delivery")


def fallback_steps(verification_id: str) -> str:
    """Hash channel -> message id that failed: each fallback step is taken once."""
    return _key(f"ver:{verification_id}", "fallback")


@customer_key("opt_out", "destination", kept=True)
def opt_out(digest: str) -> str:
    """Hash channel -> time the address opted out there (STOP, Twilio error 21610).

    Named by the address's keyed digest only, so it can outlive an erasure:
    the customer is never messaged again, and nothing names them in clear.
    """
    return _key(f"otp:{digest[:16]}", f"optout:{digest}")


@customer_key("opt_out_legacy", "address")
def legacy_opt_out(address: str) -> str:
    """Where opt-outs were kept before they were hashed (named by the address in clear).

    Still read, and moved to :func:`opt_out` when the customer is erased; none is
    written any more, so the last ones expire ``OPT_OUT_TTL`` after the upgrade.
    """
    return _key(f"dest:{address}", "optout")


# -- conversations: flows --------------------------------------------------

BACKEND_RECORD_TTL = DEFAULTS.backend_record  # long enough for staff to act on a request
BACKEND_RECORD_MAX = 20
HANDOFF_INDEX_TTL = DEFAULTS.handoff_index


def backend_record(conversation_id: str, path: str) -> str:
    """What an ``http`` step would have sent to ``path`` when no back end is configured."""
    return _key(conversation_id, f"backend:{path.strip('/').replace('/', '.')}")


def handoff_index() -> str:
    """Sorted set: conversation id -> when its handoff times out (epoch seconds)."""
    return _key("handoffs", "active")


# --- OTP verifications -------------------------------------------------------
# A destination (phone number or e-mail) is known in Redis only by a keyed
# digest; its first 16 hex digits are the hash tag of everything it owns, and
# are also part of each verification id (``VE`` + tag + 16 random hex), so a
# verification's keys can be named from its id alone.

OTP_RETENTION = DEFAULTS.verification  # a finished verification's status stays readable


@customer_key("verifications_open", "destination")
def destination_open(digest: str) -> str:
    """The ``otp_open`` hash of a destination, named by its digest."""
    return otp_open(digest[:16])


@customer_key("index", "destination")
def destination_index(digest: str) -> str:
    """Set of a destination's keys with names not known in advance: its verifications
    (same tag) and the delivery records of what was sent to it (their own tags).

    Named by the tag alone (the digest's first 16 hex, also inside every verification
    id), so a script that has only a verification id can add to it; keys of another
    destination with the same tag are told apart by their ``to`` field.
    """
    return _key(f"otp:{digest[:16]}", "index")


@customer_key("emails", "destination")
def customer_emails(digest: str) -> str:
    """Set of e-mail addresses a customer verified in a conversation (their number's digest)."""
    return _key(f"otp:{digest[:16]}", f"emails:{digest}")


def otp_open(tag: str) -> str:
    """Hash of open fields (:func:`app.otp.ports.open_field`: per purpose, and per
    Twilio Verify service) -> id of the verification still open."""
    return _key(f"otp:{tag}", "open")


def otp_verification(tag: str, verification_id: str) -> str:
    """Hash of one verification's state (code hash, counters, delivery status)."""
    return _key(f"otp:{tag}", f"v:{verification_id}")


#: Prefix of the send-limit counters kept by the ``limits`` library, which
#: builds the rest of each key itself (one key per limit, no multi-key scripts).
RATE_LIMIT_PREFIX = f"{PREFIX}:ratelimit"


def rate_limit_pattern() -> str:
    """Every send-limit counter (``sandi sandbox reset`` forgets them all)."""
    return f"{RATE_LIMIT_PREFIX}*"


# --- API keys ----------------------------------------------------------------
# Configuration, not something a request leaves behind: these two keys carry no
# TTL on purpose (an API key lives until it is revoked).


def api_keys() -> str:
    """Hash SID -> JSON record (name, secret hash, created, revoked)."""
    return _key("apikeys", "records")


def api_key_index() -> str:
    """Hash sha256(secret) -> SID, for Bearer tokens that carry no SID."""
    return _key("apikeys", "index")


# Flows hot reload: ``sandi flows reload`` (and SIGHUP to gunicorn's master) bump
# the generation; every worker polls it and reloads the flows from disk, then
# reports the version it serves so the command can tell when all have caught up.
FLOWS_TTL = 30 * 86400  # refreshed on every bump and every report
FLOWS_WORKER_STALE = 30  # a worker silent this long (seconds) has gone


def flows_generation() -> str:
    """Counter bumped to ask every worker to reload the flows from disk."""
    return _key("flows", "generation")


def flows_workers() -> str:
    """Hash worker id -> JSON {version, rejected, at}: what each worker serves."""
    return _key("flows", "workers")


# --- Twilio Verify v2 services (/v2) ------------------------------------------
# Configuration, like the API keys: a service lives until it is deleted, so this
# key carries no TTL on purpose (the count is capped by app.store.verify_services).


def verify_services() -> str:
    """Hash VA sid -> JSON record (friendly name, code length, purpose, dates)."""
    return _key("verify", "services")


# --- Staff accounts, their sessions, failed logins, the audit trail ------------
# Accounts are configuration, like API keys: the account hash has no TTL on
# purpose (an account lives until `sandi users remove`). Everything a login
# leaves behind expires: a session after STAFF_SESSION_TTL without use, the
# per-user index of sessions with it, the audit trail a year after its last
# entry (SANDI_AUDIT_TTL; it never holds more than AUDIT_MAX entries). Customers
# appear in it only by keyed digest.
STAFF_SESSION_TTL = 8 * 3600
AUDIT_TTL = DEFAULTS.audit
AUDIT_MAX = 5000


def staff_users() -> str:
    """Hash user name -> JSON {hash (scrypt), created, changed}; never a password."""
    return _key("staff", "users")


def staff_session(token_digest: str) -> str:
    """Hash of one signed-in browser: user, CSRF token, created (the cookie holds the token)."""
    return _key("staff", f"session:{token_digest}")


def staff_user_sessions(name: str) -> str:
    """Set of a user's session digests, so a password change or removal ends them all."""
    return _key("staff", f"user-sessions:{name}")


def audit_trail() -> str:
    """List of JSON entries, newest first: who did what (pages, CLI, customer-data
    requests), when, from where."""
    return _key("staff", "audit")


#: Failed-login windows are kept by the ``limits`` library under this prefix.
LOGIN_LIMIT_PREFIX = f"{PREFIX}:loginlimit"
# --- Send attempts: one record per (send, channel), written before it goes out --------
# A retried job reads it and never sends twice (see app/store/attempts.py).
ATTEMPT_TTL = 86400  # far longer than any code lives, or any job is retried


def send_attempt(send_key: str) -> str:
    """Hash state/sid/at of one send attempt (``<verification id>:<gen or step>:<channel>``)."""
    return _key(f"send:{send_key}", "attempt")


def sealed_code(verification_id: str) -> str:
    """The code sent for a verification, AES-GCM sealed with the server key: a fallback
    re-sends the same code. Lives exactly as long as the code (TTL = its expiry)."""
    return _key(f"ver:{verification_id}", "sealed")


# Keys shared by many customers that hold something about each: an erasure
# removes the customer's members (conversation ids) or entries (JSON naming them).


@dataclass(frozen=True, slots=True)
class SharedKey:
    kind: str
    build: Callable[[], str]
    holds: Literal["conversation_ids", "entries"]


SHARED_CUSTOMER_KEYS: tuple[SharedKey, ...] = (
    SharedKey("handoffs_waiting", handoff_index, "conversation_ids"),
    SharedKey("audit", audit_trail, "entries"),
)
# --- Fraud guard and OTP insights ---------------------------------------------
# Counters are per scope, each under its own hash tag so that a script touches
# one slot: ``fraud:p:<digest>`` a destination prefix, ``fraud:c:<CC>`` a
# country, ``fraud:s:<digest>`` a source (IP, API key, chat sender). Digests
# are keyed (CodeHasher.scope): no number or IP is held in clear.

FRAUD_PREFIX_TTL = 27 * 3600  # the day a prefix's baseline covers, and the hour before
FRAUD_COUNTRY_TTL = 8 * 86400  # the week a country's baseline covers, and a day
FRAUD_SOURCE_TTL = 2 * 3600  # sources are judged on the last hour only
FRAUD_BLOCKS_TTL = 13 * 3600  # longer than the longest block (12 h)
INSIGHTS_TTL = 8 * 86400  # the week /insights shows, and a day


def fraud_counts(scope: str, scope_id: str) -> str:
    """Hash of 5-minute and hourly counters of sends and approvals of one scope."""
    return _key(f"fraud:{scope}:{scope_id}", "counts")


def fraud_seen(scope: str, scope_id: str, hour: int) -> str:
    """Set of destination tags one scope counted in one clock hour (TTL 2 h)."""
    return _key(f"fraud:{scope}:{scope_id}", f"seen:{hour}")


def fraud_block(scope: str, scope_id: str) -> str:
    """The reason a prefix or country is blocked, until the key expires."""
    return _key(f"fraud:{scope}:{scope_id}", "block")


def fraud_blocks() -> str:
    """Hash ``<scope>:<id>`` -> JSON of each block (masked prefix, reason, until), for staff."""
    return _key("fraud:blocks", "index")


def fraud_lists() -> str:
    """Hash ``<kind>:<value>`` -> JSON {action, note, at}: the operator's allow/deny lists.

    Configuration, like the API keys: no TTL on purpose (an entry lives until removed).
    """
    return _key("fraud:lists", "entries")


def insights_hour(hour: int) -> str:
    """Hash of one hour's OTP counters by channel|country|purpose|flow (no numbers)."""
    return _key(f"insights:{hour}", "counts")


def otp_trace(verification_id: str) -> str:
    """What the insights remember of one verification until it can no longer be approved.

    It shares the verification's own hash tag (its id carries the tag).
    """
    return _key(f"otp:{verification_id[2:18]}", f"trace:{verification_id}")
