"""Recorded back-end requests: what ``http`` steps sent while no back end was configured."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from app.store import keys
from app.store.connection import RedisClient
from app.store.customer_index import CustomerIndex


class RedisRecordStore:
    """The :class:`app.conversation.ports.RecordStore` on Redis (newest last, capped, expiring)."""

    def __init__(self, redis: RedisClient, ttl: int = keys.BACKEND_RECORD_TTL) -> None:
        self.redis = redis
        self.ttl = ttl
        self.index = CustomerIndex(redis)

    def record(self, conversation_id: str, path: str, payload: Mapping[str, Any]) -> None:
        key = keys.backend_record(conversation_id, path)
        pipe = self.redis.pipeline(transaction=True)
        pipe.rpush(key, json.dumps(dict(payload), ensure_ascii=False, default=str))
        pipe.ltrim(key, -keys.BACKEND_RECORD_MAX, -1)
        pipe.expire(key, self.ttl)
        pipe.execute()
        self.index.add(keys.conversation_index(conversation_id), self.ttl, key)

    def records(self, conversation_id: str, path: str) -> list[dict[str, Any]]:
        raw: list[str] = self.redis.lrange(keys.backend_record(conversation_id, path), 0, -1)  # type: ignore[assignment]
        return [json.loads(item) for item in raw]
