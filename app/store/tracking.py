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

from app.store import keys
from app.store.connection import RedisClient

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


@dataclass(frozen=True, slots=True)
class StatusChange:
    changed: bool
    previous: str | None
    verification_id: str | None
    channel: str | None
    to: str | None


class DeliveryLog:
    """Per provider message: which verification and channel, and its status."""

    def __init__(self, redis: RedisClient, clock: Callable[[], datetime]) -> None:
        self.redis = redis
        self.clock = clock
        self._update = redis.register_script(_UPDATE)

    def track(self, message_id: str, verification_id: str, channel: str, to: str) -> None:
        """Remember a message right after the provider accepted it.

        Only the identity fields are written: a callback that raced ahead of
        this write keeps its status.
        """
        key = keys.delivery(message_id)
        pipe = self.redis.pipeline(transaction=True)
        pipe.hset(
            key,
            mapping={
                "verification_id": verification_id,
                "channel": channel,
                "to": to,
                "sent_at": str(self.clock().timestamp()),
            },
        )
        pipe.expire(key, keys.DELIVERY_TTL)
        pipe.execute()

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
                keys.DELIVERY_TTL,
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

    def claim(self, verification_id: str, channel: str, failed_message_id: str) -> bool:
        key = keys.fallback_steps(verification_id)
        pipe = self.redis.pipeline(transaction=True)
        pipe.hsetnx(key, channel, failed_message_id)
        pipe.expire(key, keys.FALLBACK_TTL)
        claimed, _ = pipe.execute()
        return bool(claimed)

    def taken(self, verification_id: str) -> dict[str, str]:
        steps: dict[str, str] = self.redis.hgetall(keys.fallback_steps(verification_id))  # type: ignore[assignment]
        return steps


OPT_IN_KEYWORDS = frozenset({"START", "UNSTOP", "YES", "MULAI"})


class OptOuts:
    """Addresses that told Twilio STOP (error 21610), per channel.

    Twilio keeps the real block and lifts it when the customer sends START;
    this copy lets Sandi answer at once, skip the channel in fallback and
    ``auto``, and report it. :meth:`clear` is for the START keyword.
    """

    def __init__(self, redis: RedisClient, clock: Callable[[], datetime]) -> None:
        self.redis = redis
        self.clock = clock

    def add(self, address: str, channel: str) -> None:
        key = keys.opt_out(address)
        pipe = self.redis.pipeline(transaction=True)
        pipe.hset(key, channel, str(int(self.clock().timestamp())))
        pipe.expire(key, keys.OPT_OUT_TTL)
        pipe.execute()

    def has(self, address: str, channel: str) -> bool:
        return bool(self.redis.hexists(keys.opt_out(address), channel))

    def channels(self, address: str) -> set[str]:
        fields: list[str] = self.redis.hkeys(keys.opt_out(address))  # type: ignore[assignment]
        return set(fields)

    def clear(self, address: str, channel: str) -> None:
        self.redis.hdel(keys.opt_out(address), channel)

    def opt_in(self, address: str, channel: str, body: str) -> bool:
        """Lift our copy of the block when the customer sends an opt-in keyword.

        Twilio lifts its own block on START, UNSTOP or YES from the customer
        (a whole-message match, any case); MULAI is the Indonesian START.
        """
        if body.strip().upper() not in OPT_IN_KEYWORDS or not self.has(address, channel):
            return False
        self.clear(address, channel)
        return True
