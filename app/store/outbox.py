"""The sandbox outbox: what Sandi would have sent, kept per address for a day."""

from __future__ import annotations

import json
from typing import Any

from app.store import keys
from app.store.connection import RedisClient


class OutboxStore:
    def __init__(self, redis: RedisClient, ttl: int = keys.OUTBOX_TTL) -> None:
        self.redis = redis
        self.ttl = ttl

    def append(self, address: str, entry: dict[str, Any]) -> None:
        key = keys.outbox(address)
        pipe = self.redis.pipeline(transaction=True)
        pipe.rpush(key, json.dumps(entry, ensure_ascii=False))
        pipe.ltrim(key, -keys.OUTBOX_MAX, -1)
        pipe.expire(key, self.ttl)
        pipe.execute()

    def read(self, address: str) -> list[dict[str, Any]]:
        """Oldest first, newest last."""
        raw: list[str] = self.redis.lrange(keys.outbox(address), 0, -1)  # type: ignore[assignment]
        return [json.loads(item) for item in raw]

    def clear(self, address: str) -> None:
        self.redis.delete(keys.outbox(address))
