"""The audit trail: who did what on the staff pages, kept in Redis and written to the log.

One list, newest first, capped at ``keys.AUDIT_MAX`` entries and kept a year
after its last entry (``keys.AUDIT_TTL``). Entries name the staff user, the
action, a short detail (numbers already masked by the caller) and the masked
address the request came from.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from app.store import keys
from app.store.connection import RedisClient

log = logging.getLogger("app.audit")


@dataclass(frozen=True, slots=True)
class AuditEntry:
    at: str
    user: str
    action: str
    detail: str
    source: str


class AuditTrail:
    def __init__(self, redis: RedisClient) -> None:
        self.redis = redis

    def record(self, now: datetime, user: str, action: str, detail: str, source: str) -> None:
        entry = AuditEntry(now.isoformat(), user or "-", action, detail, source)
        log.info("audit: %s %s %s (from %s)", entry.user, action, detail or "-", source)
        pipe = self.redis.pipeline(transaction=True)
        pipe.lpush(keys.audit_trail(), json.dumps(asdict(entry)))
        pipe.ltrim(keys.audit_trail(), 0, keys.AUDIT_MAX - 1)
        pipe.expire(keys.audit_trail(), keys.AUDIT_TTL)
        pipe.execute()

    def recent(self, count: int = 200) -> list[AuditEntry]:
        raw: Any = self.redis.lrange(keys.audit_trail(), 0, max(0, count - 1))
        return [AuditEntry(**json.loads(item)) for item in raw]
