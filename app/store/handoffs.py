"""The list of conversations waiting for a person (for ``sandi handoff list`` and the API)."""

from __future__ import annotations

from app.store import keys
from app.store.connection import RedisClient


class RedisHandoffIndex:
    """The :class:`app.conversation.ports.HandoffIndex` on Redis: one sorted set.

    The profile of each conversation is the truth (it mutes the bot); this
    index only lists them. Entries past their timeout are pruned on read.
    """

    def __init__(self, redis: RedisClient) -> None:
        self.redis = redis

    def add(self, conversation_id: str, until: float) -> None:
        key = keys.handoff_index()
        pipe = self.redis.pipeline(transaction=True)
        pipe.zadd(key, {conversation_id: until})
        pipe.expire(key, keys.HANDOFF_INDEX_TTL)
        pipe.execute()

    def remove(self, conversation_id: str) -> None:
        self.redis.zrem(keys.handoff_index(), conversation_id)

    def active(self, now: float) -> list[tuple[str, float]]:
        key = keys.handoff_index()
        self.redis.zremrangebyscore(key, "-inf", now)
        found: list[tuple[str, float]] = self.redis.zrange(key, 0, -1, withscores=True)  # type: ignore[assignment]
        return [(str(member), float(score)) for member, score in found]
