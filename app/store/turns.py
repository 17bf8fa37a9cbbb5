"""Conversation state in Redis, held by a fair per-conversation lock.

Twilio may deliver a customer's messages concurrently (and retry them). Each
conversation has a FIFO queue of turn tokens: the head holds the conversation,
the others wait in order of arrival. Each token has a lease, set once when
the lock is granted (``SANDI_LOCK_TIMEOUT_MS``); the next waiter drops a
holder whose lease has run out, so a killed worker delays a conversation but
never wedges it. A live turn must therefore finish inside its lease: the
longest part of one, a flow's back-end call, is cut to fit
(:func:`app.edges.backend.call_budget`).

An uncontended turn costs two round trips: enqueue (which usually grants the
lock at once, and then reads session, profile and the dedupe record in the same
script), and one commit script that writes all three and releases the lock
atomically — but
only if this token still holds the lock, so a turn that outlived its lease
never overwrites the state of the turn that took over.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from app.content.messages import (
    LAST_INBOUND_AT,
    Conversation,
    HeldConversation,
    LockTimeout,
    LostLock,
    Reply,
)
from app.store import keys, trip
from app.store.connection import RedisClient
from app.store.customer_index import LUA_INDEX_ADD

__all__ = ["LockTimeout", "LostLock", "RedisTurnStore", "TurnSettings", "last_inbound_at"]

# KEYS[1] = lock queue (list), KEYS[2] = lock leases (zset token -> deadline ms),
# KEYS[3..] = keys to read once the lock is held (session, profile, dedupe record)
# ARGV[1] = token, ARGV[2] = lease ms, ARGV[3] = 1 to enqueue first, ARGV[4] = queue ttl s,
# ARGV[5] = now (epoch ms, the app's injected clock: every script takes time the same way)
# Returns {1, value of KEYS[3], ...} when the token holds the lock, {0} when it
# must wait, {-1} when it was dropped. Reading in the same script saves a round trip.
_ACQUIRE = """
local now = tonumber(ARGV[5])
local token, lease = ARGV[1], tonumber(ARGV[2])
if ARGV[3] == '1' then
  redis.call('RPUSH', KEYS[1], token)
elseif not redis.call('ZSCORE', KEYS[2], token) then
  return {-1}
end
redis.call('ZADD', KEYS[2], now + lease, token)
redis.call('EXPIRE', KEYS[1], ARGV[4])
redis.call('EXPIRE', KEYS[2], ARGV[4])
while true do
  local head = redis.call('LINDEX', KEYS[1], 0)
  if not head then return {-1} end
  if head == token then
    local granted = {1}
    for i = 3, #KEYS do granted[#granted + 1] = redis.call('GET', KEYS[i]) end
    return granted
  end
  local deadline = redis.call('ZSCORE', KEYS[2], head)
  if deadline and tonumber(deadline) >= now then return {0} end
  redis.call('LPOP', KEYS[1])
  redis.call('ZREM', KEYS[2], head)
end
"""

# KEYS[1] = lock queue, KEYS[2] = lock leases
# ARGV[1] = token
_RELEASE = """
redis.call('LREM', KEYS[1], 1, ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[1])
return 1
"""

# KEYS[1] = lock queue, KEYS[2] = lock leases, KEYS[3] = session, KEYS[4] = profile,
# KEYS[5] = seen record for the MessageSid, KEYS[6] = the conversation's index (lists KEYS[5])
# ARGV[1] = token, ARGV[2] = session json ('' deletes), ARGV[3] = session ttl s,
# ARGV[4] = profile json, ARGV[5] = profile ttl s, ARGV[6] = replies json, ARGV[7] = seen ttl s
# Returns 1 when written, 0 when the token no longer held the lock (nothing written).
_COMMIT = (
    LUA_INDEX_ADD
    + """
if redis.call('LINDEX', KEYS[1], 0) ~= ARGV[1] then
  redis.call('LREM', KEYS[1], 1, ARGV[1])
  redis.call('ZREM', KEYS[2], ARGV[1])
  return 0
end
if ARGV[2] == '' then
  redis.call('DEL', KEYS[3])
else
  redis.call('SET', KEYS[3], ARGV[2], 'EX', ARGV[3])
end
redis.call('SET', KEYS[4], ARGV[4], 'EX', ARGV[5])
redis.call('SET', KEYS[5], ARGV[6], 'EX', ARGV[7])
index_add(KEYS[6], KEYS[5], ARGV[7])
redis.call('LPOP', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[1])
return 1
"""
)


@dataclass(frozen=True, slots=True)
class TurnSettings:
    session_ttl: int = 30 * 60
    lease_ms: int = 12_000
    wait_s: float = 14.0
    seen_ttl: int = keys.SEEN_TTL
    profile_ttl: int = keys.PROFILE_TTL


class RedisTurnStore:
    """The :class:`app.conversation.turns.TurnStore` that Sandi runs on."""

    def __init__(
        self,
        redis: RedisClient,
        settings: TurnSettings | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.redis = redis
        self.settings = settings or TurnSettings()
        #: Epoch seconds: lease deadlines are set and judged on it.
        self.clock = clock
        self._acquire = redis.register_script(_ACQUIRE)
        self._release = redis.register_script(_RELEASE)
        self._commit = redis.register_script(_COMMIT)

    @contextmanager
    def hold(self, conversation_id: str, message_sid: str) -> Iterator[HeldConversation]:
        lock_keys = [keys.lock_queue(conversation_id), keys.lock_leases(conversation_id)]
        token = secrets.token_hex(8)
        data_keys = [
            keys.session(conversation_id),
            keys.profile(conversation_id),
            keys.seen(conversation_id, message_sid),
        ]
        raw = self.acquire(lock_keys, token, data_keys)
        committed = False
        try:
            held = _held(conversation_id, *raw)
            yield held
            if held.pending is not None:
                self._save(lock_keys, token, conversation_id, message_sid, held)
                committed = True
        finally:
            if not committed:
                trip.call(self.redis, self._release, lock_keys, [token])

    def answered(self, conversation_id: str, message_sid: str) -> tuple[Reply, ...] | None:
        """The replies recorded for a MessageSid (what Twilio's retries get)."""
        raw = self.redis.get(keys.seen(conversation_id, message_sid))
        if raw is None:
            return None
        return tuple(Reply.from_json(r) for r in json.loads(raw))

    def queued(self, conversation_id: str) -> int:
        """How many turns hold or wait for a conversation (tests watch arrivals)."""
        return int(self.redis.llen(keys.lock_queue(conversation_id)))

    def peek(self, conversation_id: str) -> Conversation:
        """The stored session and profile, read without the lock (tools and tests only)."""
        raw_session, raw_profile = self.redis.mget(
            [keys.session(conversation_id), keys.profile(conversation_id)]
        )
        return Conversation(
            id=conversation_id, session=_load_json(raw_session), profile=_load_json(raw_profile)
        )

    def profiles(self, conversation_ids: list[str]) -> list[dict[str, Any]]:
        """The profiles in one round trip (a pipeline: they live on different cluster slots)."""
        if not conversation_ids:
            return []
        pipe = self.redis.pipeline(transaction=False)
        for cid in conversation_ids:
            pipe.get(keys.profile(cid))
        return [_load_json(raw) for raw in pipe.execute()]

    def reset(self, conversation_id: str, profile: dict[str, Any]) -> None:
        """Forget a conversation (the simulator's reset button), keeping ``profile``."""
        pipe = self.redis.pipeline(transaction=True)
        pipe.delete(keys.session(conversation_id))
        if profile:
            pipe.set(keys.profile(conversation_id), _dump(profile), ex=self.settings.profile_ttl)
        else:
            pipe.delete(keys.profile(conversation_id))
        pipe.execute()

    def acquire(
        self, lock_keys: list[str], token: str, data_keys: list[str] | None = None
    ) -> list[str | None]:
        """Join the queue and wait, polling, until this token is at its head.

        Returns the values of ``data_keys``, read atomically as the lock is granted.
        """
        s = self.settings
        all_keys = [*lock_keys, *(data_keys or [])]
        args: list[str | int] = [token, s.lease_ms, "1", keys.LOCK_QUEUE_TTL]
        deadline = time.monotonic() + s.wait_s
        delay = 0.002
        while True:
            reply = trip.call(
                self.redis, self._acquire, all_keys, [*args, int(self.clock() * 1000)]
            )
            state = int(reply[0])
            if state == 1:
                return list(reply[1:])
            if state == -1 or time.monotonic() > deadline:
                trip.call(self.redis, self._release, lock_keys, [token])
                raise LockTimeout("conversation busy")
            args[2] = "0"
            time.sleep(delay)
            delay = min(delay * 2, 0.05)

    def _save(
        self,
        lock_keys: list[str],
        token: str,
        conversation_id: str,
        message_sid: str,
        held: HeldConversation,
    ) -> None:
        s = self.settings
        conv = held.conversation
        replies = held.pending or ()
        written = trip.call(
            self.redis,
            self._commit,
            [
                *lock_keys,
                keys.session(conversation_id),
                keys.profile(conversation_id),
                keys.seen(conversation_id, message_sid),
                keys.conversation_index(conversation_id),
            ],
            [
                token,
                _dump(conv.session) if conv.session else "",
                s.session_ttl,
                _dump(conv.profile),
                s.profile_ttl,
                _dump([r.to_json() for r in replies]),
                s.seen_ttl,
            ],
        )
        if not int(written):
            raise LostLock("turn outlived its lease; state not saved")


def _held(
    conversation_id: str, raw_session: str | None, raw_profile: str | None, raw_seen: str | None
) -> HeldConversation:
    answered = None
    if raw_seen is not None:
        answered = tuple(Reply.from_json(r) for r in json.loads(raw_seen))
    conversation = Conversation(
        id=conversation_id, session=_load_json(raw_session), profile=_load_json(raw_profile)
    )
    return HeldConversation(conversation=conversation, answered=answered)


def last_inbound_at(redis: RedisClient, conversation_id: str) -> float | None:
    """When the customer last wrote in this conversation (epoch s), if known.

    The turn runner writes it into the profile; the WhatsApp channel reads it
    here, without the lock (a stale read only delays the window by a turn).
    """
    stamp = _load_json(redis.get(keys.profile(conversation_id))).get(LAST_INBOUND_AT)
    try:
        return float(stamp) if stamp is not None else None
    except (TypeError, ValueError):
        return None


#: json.dumps(value, separators=(",", ":"), ensure_ascii=False) builds this encoder on
#: every call (any argument but the value does); a turn dumps three values.
_ENCODER = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)


def _dump(value: Any) -> str:
    return _ENCODER.encode(value)


def _load_json(raw: str | bytes | None) -> dict[str, Any]:
    if not raw:
        return {}
    value = json.loads(raw)
    return value if isinstance(value, dict) else {}
