"""The list of conversations waiting for a person (for ``sandi handoff list`` and the API)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.store import keys
from app.store.connection import RedisClient


class RedisHandoffIndex:
    """The :class:`app.conversation.ports.HandoffIndex` on Redis: one sorted set.

    The profile of each conversation is the truth (it mutes the bot); this
    index only lists them (:class:`app.conversation.handoff.HandoffDesk` reads
    both). An entry leaves when its handoff ends; the key expires 8 days after
    the last handoff began.
    """

    def __init__(self, redis: RedisClient) -> None:
        self.redis = redis

    def add(
        self, conversation_id: str, until: float, handoff: Mapping[str, Any] | None = None
    ) -> None:
        key = keys.handoff_index()
        pipe = self.redis.pipeline(transaction=True)
        pipe.zadd(key, {conversation_id: until})
        pipe.expire(key, keys.HANDOFF_INDEX_TTL)
        pipe.execute()

    def remove(self, conversation_id: str) -> None:
        self.redis.zrem(keys.handoff_index(), conversation_id)

    def active(self, now: float) -> list[tuple[str, float]]:
        """Entries whose timeout is after ``now``. Past ones are kept until their
        handoff's end job removes them (it finds the conversation here)."""
        found: list[tuple[str, float]] = self.redis.zrangebyscore(  # type: ignore[assignment]
            keys.handoff_index(), f"({now}", "+inf", withscores=True
        )
        return [(str(member), float(score)) for member, score in found]
