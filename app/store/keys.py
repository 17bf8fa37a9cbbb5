"""Every Redis key Sandi uses is built here, and nowhere else.

Keys are ``sandi:{<tag>}:<facet>``. The part in braces is the Redis Cluster
hash tag: everything one conversation (or one verification) owns shares a
tag, so a Lua script that touches several of them runs on one slot.
"""

from __future__ import annotations

PREFIX = "sandi"

# Default lifetimes, in seconds. Every write in Sandi carries a TTL.
SEEN_TTL = 6 * 3600  # Twilio retries within seconds; keep replies far longer than that.
PROFILE_TTL = 400 * 86400  # Language choice and opt-out outlive any session.
OUTBOX_TTL = 86400
OUTBOX_MAX = 100
LOCK_QUEUE_TTL = 120


def _key(tag: str, facet: str) -> str:
    return f"{PREFIX}:{{{tag}}}:{facet}"


def session(conversation_id: str) -> str:
    """The flow position and answers of one conversation (expires when idle)."""
    return _key(conversation_id, "session")


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


def outbox(address: str) -> str:
    """Sandbox mode: what would have been sent to one phone number or e-mail."""
    return _key(f"outbox:{address}", "messages")


def health_probe() -> str:
    return f"{PREFIX}:health"


# Delivery channels: status per provider message, fallback steps, opt-outs.
DELIVERY_TTL = 3 * 86400  # late delivery reports and WhatsApp "read" arrive days later
FALLBACK_TTL = 86400  # far longer than any code lives
OPT_OUT_TTL = PROFILE_TTL


def delivery(message_id: str) -> str:
    """One sent message or call: its verification, channel and latest status."""
    return _key(f"msg:{message_id}", "delivery")


def fallback_steps(verification_id: str) -> str:
    """Hash channel -> message id that failed: each fallback step is taken once."""
    return _key(f"ver:{verification_id}", "fallback")


def opt_out(address: str) -> str:
    """Hash channel -> time the address opted out there (Twilio error 21610)."""
    return _key(f"dest:{address}", "optout")


# -- conversations: flows --------------------------------------------------

BACKEND_RECORD_TTL = 30 * 86400  # long enough for staff to act on a recorded request
BACKEND_RECORD_MAX = 20
HANDOFF_INDEX_TTL = 8 * 86400


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

OTP_RETENTION = 86400  # a finished verification's status stays readable a day


def otp_open(tag: str) -> str:
    """Hash ``<purpose>:<destination digest>`` -> id of the verification still open."""
    return _key(f"otp:{tag}", "open")


def otp_verification(tag: str, verification_id: str) -> str:
    """Hash of one verification's state (code hash, counters, delivery status)."""
    return _key(f"otp:{tag}", f"v:{verification_id}")


#: Prefix of the send-limit counters kept by the ``limits`` library, which
#: builds the rest of each key itself (one key per limit, no multi-key scripts).
RATE_LIMIT_PREFIX = f"{PREFIX}:ratelimit"


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
