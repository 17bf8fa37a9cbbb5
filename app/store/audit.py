"""The audit trail: who did what, newest first, capped and expiring.

Staff actions on the pages (issue 13) and customer-data requests (export,
erasure) are written here. A customer is named only by the keyed digest of
their number, never in clear, so the record of an erasure does not undo it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from app.store import keys
from app.store.connection import RedisClient


class AuditTrail:
    def __init__(self, redis: RedisClient, ttl: int = keys.AUDIT_TTL) -> None:
        self.redis = redis
        self.ttl = ttl

    def record(self, entry: Mapping[str, Any]) -> None:
        key = keys.audit_trail()
        pipe = self.redis.pipeline(transaction=True)
        pipe.lpush(key, json.dumps(dict(entry), ensure_ascii=False, sort_keys=True))
        pipe.ltrim(key, 0, keys.AUDIT_MAX - 1)
        pipe.expire(key, self.ttl)
        pipe.execute()

    def entries(self, limit: int = 100) -> list[dict[str, Any]]:
        raw: Any = self.redis.lrange(keys.audit_trail(), 0, limit - 1)
        return [json.loads(item) for item in raw]
