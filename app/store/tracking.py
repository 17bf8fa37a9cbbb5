"""What the channels remember in Redis: message status, fallback steps, opt-outs.

Status callbacks arrive duplicated and out of order. A message's status only
moves forward (``queued < sending < sent < delivered|undelivered|failed``,
then ``read`` after ``delivered``), decided atomically in one script, so two
workers handling two callbacks at once can neither move it back nor both
believe they made the same change.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from app.store import keys, later
from app.store.connection import RedisClient

#: An address -> its keyed digest (``CodeHasher.destination``): the name Redis knows it by.
Digest = Callable[[str], str]

#: Normalised status -> rank. Messages and calls share one vocabulary.
RANKS = {
    "queued": 1,
    "sending": 2,
    "sent": 3,
    "delivered": 4,
    "undelivered": 4,
    "failed": 4,
    "read": 5,
}
FINAL = frozenset({"delivered", "undelivered", "failed", "read"})
FAILED = frozenset({"undelivered", "failed"})

# KEYS[1] = delivery record (hash)
# ARGV[1] = status, ARGV[2] = rank, ARGV[3] = raw provider status, ARGV[4] = error code or '',
# ARGV[5] = now (epoch s), ARGV[6] = ttl s
# Returns {changed (1|0), previous status, verification id, channel, to}.
_UPDATE = """
local cur = redis.call('HMGET', KEYS[1], 'status', 'rank', 'verification_id', 'channel', 'to')
local status, rank = cur[1], tonumber(cur[2])
local result = {0, status or '', cur[3] or '', cur[4] or '', cur[5] or ''}
if rank then
  local final = status == 'delivered' or status == 'undelivered' or status == 'failed'
    or status == 'read'
  if final and not (status == 'delivered' and ARGV[1] == 'read') then return result end
  if tonumber(ARGV[2]) <= rank then return result end
end
redis.call('HSET', KEYS[1], 'status', ARGV[1], 'rank', ARGV[2], 'raw_status', ARGV[3],
  'updated_at', ARGV[5])
if ARGV[4] ~= '' then redis.call('HSET', KEYS[1], 'error_code', ARGV[4]) end
if redis.call('TTL', KEYS[1]) < 0 then redis.call('EXPIRE', KEYS[1], ARGV[6]) end
result[1] = 1
return result
"""


# KEYS[1] = delivery record (hash)
# ARGV[1] = verification id, ARGV[2] = channel, ARGV[3] = to, ARGV[4] = sent at, ARGV[5] = ttl s
# Returns {status, error code} a callback recorded before this send was ('' when none).
_TRACK = """
redis.call('HSET', KEYS[1], 'verification_id', ARGV[1], 'channel', ARGV[2], 'to', ARGV[3],
  'sent_at', ARGV[4])
redis.call('EXPIRE', KEYS[1], ARGV[5])
local s = redis.call('HMGET', KEYS[1], 'status', 'error_code')
return {s[1] or '', s[2] or ''}
"""


@dataclass(frozen=True, slots=True)
class StatusChange:
    changed: bool
    previous: str | None
    verification_id: str | None
    channel: str | None
    to: str | None


class DeliveryLog:
    """Per provider message: which verification and channel, and its status."""

    def __init__(
        self, redis: RedisClient, clock: Callable[[], datetime], ttl: int = keys.DELIVERY_TTL
    ) -> None:
        self.redis = redis
        self.clock = clock
        self.ttl = ttl
        self._update = redis.register_script(_UPDATE)
        self._track = redis.register_script(_TRACK)

    def track(
        self, message_id: str, verification_id: str, channel: str, to: str
    ) -> Callable[[], tuple[str | None, str | None]]:
        """Remember a message right after the provider accepted it.

        Only the identity fields are written: a callback that raced ahead of
        this write keeps its status, which the returned function gives
        (status, error code) so the sender applies it now that it knows whose
        message it was. Inside a write-behind batch (:mod:`app.store.later`)
        the write rides the batch's round trip and the function sends it if
        it has not gone; outside one it ran already. The verification lists it
        in its destination's index (``RECORD_DELIVERY``), for export and erasure.
        """
        answer = later.ask(
            self.redis,
            self._track,
            [keys.delivery(message_id)],
            [verification_id, channel, to, str(self.clock().timestamp()), self.ttl],
        )

        def early() -> tuple[str | None, str | None]:
            status, error = answer.get()
            return (str(status) or None), (str(error) or None)

        return early

    def update(
        self, message_id: str, status: str, raw: str, error_code: str | None
    ) -> StatusChange:
        result = self._update(
            keys=[keys.delivery(message_id)],
            args=[
                status,
                RANKS[status],
                raw,
                error_code or "",
                str(self.clock().timestamp()),
                self.ttl,
            ],
        )
        changed, previous, verification_id, channel, to = (str(x) for x in result)
        return StatusChange(
            changed=changed == "1",
            previous=previous or None,
            verification_id=verification_id or None,
            channel=channel or None,
            to=to or None,
        )

    def get(self, message_id: str) -> dict[str, str]:
        record: dict[str, str] = self.redis.hgetall(keys.delivery(message_id))  # type: ignore[assignment]
        return record


class FallbackSteps:
    """Each fallback step of a verification is claimed once, whoever asks twice."""

    def __init__(self, redis: RedisClient) -> None:
        self.redis = redis

    def claim(self, verification_id: str, channel: str, token: str) -> bool:
        """True for the first to claim the step, and again for the same ``token``
        (the same job run again after its worker died), never for anyone else."""
        key = keys.fallback_steps(verification_id)
        pipe = self.redis.pipeline(transaction=True)
        pipe.hsetnx(key, channel, token)
        pipe.hget(key, channel)
        pipe.expire(key, keys.FALLBACK_TTL)
        claimed, holder, _ = pipe.execute()
        return bool(claimed) or holder == token

    def taken(self, verification_id: str) -> dict[str, str]:
        steps: dict[str, str] = self.redis.hgetall(keys.fallback_steps(verification_id))  # type: ignore[assignment]
        steps.pop(_ORDER, None)
        return steps

    def keep_order(self, verification_id: str, order: tuple[str, ...]) -> None:
        """The verification's own fallback order (a chat flow's list of channels),
        beside its claimed steps: every later send and callback of it reads this."""
        key = keys.fallback_steps(verification_id)
        pipe = self.redis.pipeline(transaction=True)
        pipe.hset(key, _ORDER, ">".join(order))
        pipe.expire(key, keys.FALLBACK_TTL)
        pipe.execute()

    def order(self, verification_id: str) -> tuple[str, ...] | None:
        value = self.redis.hget(keys.fallback_steps(verification_id), _ORDER)
        return tuple(str(value).split(">")) if value else None


#: The field of a verification's fallback hash that holds its own order (no channel's name).
_ORDER = "order"


OPT_IN_KEYWORDS = frozenset({"START", "UNSTOP", "YES", "MULAI"})


class OptOuts:
    """Addresses that told Twilio STOP (error 21610), per channel.

    Twilio keeps the real block and lifts it when the customer sends START;
    this copy lets Sandi answer at once, skip the channel in fallback and
    ``auto``, and report it. :meth:`clear` is for the START keyword. A STOP
    in a chat is recorded here too (``app.web.messages``).

    Kept under the address's keyed digest only: an erasure of the customer
    leaves it in place, so they are still never messaged, and nothing in it
    names them.
    """

    def __init__(
        self,
        redis: RedisClient,
        clock: Callable[[], datetime],
        digest: Digest,
        ttl: int = keys.OPT_OUT_TTL,
    ) -> None:
        self.redis = redis
        self.clock = clock
        self.digest = digest
        self.ttl = ttl

    def _key(self, address: str) -> str:
        return keys.opt_out(self.digest(address))

    def add(self, address: str, channel: str) -> None:
        key = self._key(address)
        pipe = self.redis.pipeline(transaction=True)
        pipe.hset(key, channel, str(int(self.clock().timestamp())))
        pipe.expire(key, self.ttl)
        pipe.execute()

    def has(self, address: str, channel: str) -> bool:
        """Also where opt-outs were kept before they were hashed: one round trip."""
        pipe = self.redis.pipeline(transaction=False)
        for key, field in self.flags(address, channel):
            pipe.hexists(key, field)
        return any(pipe.execute())

    def flags(self, address: str, channel: str) -> list[tuple[str, str]]:
        """The (hash, field) pairs :meth:`has` reads, for a caller that pipelines them."""
        return [(self._key(address), channel), (keys.legacy_opt_out(address), channel)]

    def channels(self, address: str) -> set[str]:
        pipe = self.redis.pipeline(transaction=False)
        pipe.hkeys(self._key(address))
        pipe.hkeys(keys.legacy_opt_out(address))
        hashed, legacy = pipe.execute()
        return {str(c) for c in (*hashed, *legacy)}

    def clear(self, address: str, channel: str) -> None:
        pipe = self.redis.pipeline(transaction=False)
        pipe.hdel(self._key(address), channel)
        pipe.hdel(keys.legacy_opt_out(address), channel)
        pipe.execute()

    def move_legacy(self, address: str) -> None:
        """Keep a pre-hashing opt-out under the digest, and drop the key naming the address."""
        legacy = keys.legacy_opt_out(address)
        found: Any = self.redis.hgetall(legacy)
        if found:
            key = self._key(address)
            pipe = self.redis.pipeline(transaction=False)
            pipe.hset(key, mapping=dict(found))
            pipe.expire(key, self.ttl)
            pipe.execute()
        self.redis.delete(legacy)

    def opt_in(self, address: str, channel: str, body: str) -> bool:
        """Lift our copy of the block when the customer sends an opt-in keyword.

        Twilio lifts its own block on START, UNSTOP or YES from the customer
        (a whole-message match, any case); MULAI is the Indonesian START.
        """
        if body.strip().upper() not in OPT_IN_KEYWORDS or not self.has(address, channel):
            return False
        self.clear(address, channel)
        return True
