"""The audit trail: who did what, kept in Redis and written to the log.

Staff actions on the pages and the command line (logins, reloads, handoff
releases, user changes) and customer-data requests (export, erasure) land
here. One list, newest first, capped at ``keys.AUDIT_MAX`` entries and kept
``ttl`` seconds after its last entry (``SANDI_AUDIT_TTL``, docs/privacy.md).
Entries name the staff user, the action, a short detail (numbers already
masked by the caller) and the masked address the request came from; a
customer is named only by the keyed digest of their number, never in clear,
so the record of an erasure does not undo it.
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
    #: The keyed digest of the customer concerned (customer-data requests), else "".
    customer: str = ""


class AuditTrail:
    def __init__(self, redis: RedisClient, ttl: int = keys.AUDIT_TTL) -> None:
        self.redis = redis
        self.ttl = ttl

    def record(
        self,
        now: datetime,
        user: str,
        action: str,
        detail: str,
        source: str,
        *,
        customer: str = "",
    ) -> None:
        entry = AuditEntry(now.isoformat(), user or "-", action, detail, source, customer)
        log.info("audit: %s %s %s (from %s)", entry.user, action, detail or "-", source)
        key = keys.audit_trail()
        pipe = self.redis.pipeline(transaction=True)
        pipe.lpush(key, json.dumps(asdict(entry), ensure_ascii=False, sort_keys=True))
        pipe.ltrim(key, 0, keys.AUDIT_MAX - 1)
        pipe.expire(key, self.ttl)
        pipe.execute()

    def recent(self, count: int = 200) -> list[AuditEntry]:
        raw: Any = self.redis.lrange(keys.audit_trail(), 0, max(0, count - 1))
        return [AuditEntry(**json.loads(item)) for item in raw]
