"""Keys of the conversations: sessions, profiles, replies seen, turn locks, the sandbox outbox,
handoffs, the flows' back-end records and the flows reload."""

from __future__ import annotations

from app.retention import DEFAULTS
from app.store.keys.base import PREFIX, customer_key
from app.store.keys.base import key as _key

# Default lifetimes, in seconds, from the one retention table (app.retention,
# where the settings that change them are named). Every write in Sandi carries a TTL.
SEEN_TTL = DEFAULTS.replies  # Twilio retries within seconds; keep replies far longer than that.
PROFILE_TTL = DEFAULTS.profile  # Language choice and opt-out outlive any session.
OUTBOX_TTL = DEFAULTS.outbox
OUTBOX_MAX = 100
LOCK_QUEUE_TTL = DEFAULTS.lock


@customer_key("session", "conversation")
def session(conversation_id: str) -> str:
    """The flow position and answers of one conversation (expires when idle)."""
    return _key(conversation_id, "session")


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


EVENT_TTL = DEFAULTS.events  # longer than every retry of its job


def event_payload(event_id: str) -> str:
    """The JSON of one event until its job delivers it (the job carries the id only)."""
    return _key(f"event:{event_id}", "payload")


def session_pattern() -> str:
    """Every conversation's session (what a reload will restart: ``app.store.live_sessions``)."""
    return _key("*", "session")
