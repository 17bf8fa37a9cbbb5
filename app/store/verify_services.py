"""Twilio Verify "services" for the ``/v2`` API: named settings for verifications.

A service is configuration, not state a request leaves behind, so it is kept
like an API key: one Redis hash, no TTL, until ``DELETE /v2/Services/<sid>``.
It names the OTP purpose its verifications use (``verify`` unless told), the
code length (None: the purpose's policy) and the friendly name the messages
show. The number of services is capped so that a caller cannot grow the hash
without bound.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import asdict, dataclass, replace
from datetime import datetime
from typing import Any

from app.store import keys
from app.store.connection import RedisClient

MAX_SERVICES = 1000


class TooManyServices(Exception):
    pass


@dataclass(frozen=True, slots=True)
class VerifyService:
    sid: str  # "VA" + 32 hex
    friendly_name: str
    code_length: int | None
    purpose: str
    created_at: str  # ISO 8601, UTC
    updated_at: str


class VerifyServiceStore:
    def __init__(self, redis: RedisClient) -> None:
        self.redis = redis

    def create(
        self, friendly_name: str, code_length: int | None, purpose: str, now: datetime
    ) -> VerifyService:
        if int(self.redis.hlen(keys.verify_services())) >= MAX_SERVICES:
            raise TooManyServices(f"at most {MAX_SERVICES} services; delete one first")
        stamp = now.isoformat()
        service = VerifyService(
            sid="VA" + secrets.token_hex(16),
            friendly_name=friendly_name,
            code_length=code_length,
            purpose=purpose,
            created_at=stamp,
            updated_at=stamp,
        )
        self._save(service)
        return service

    def get(self, sid: str) -> VerifyService | None:
        raw: Any = self.redis.hget(keys.verify_services(), sid)
        return VerifyService(**json.loads(raw)) if raw else None

    def update(self, service: VerifyService, now: datetime, **changes: Any) -> VerifyService:
        updated = replace(service, **changes, updated_at=now.isoformat())
        self._save(updated)
        return updated

    def delete(self, sid: str) -> bool:
        return bool(self.redis.hdel(keys.verify_services(), sid))

    def list(self) -> list[VerifyService]:
        """Oldest first."""
        stored: Any = self.redis.hgetall(keys.verify_services())
        found = [VerifyService(**json.loads(raw)) for raw in stored.values()]
        return sorted(found, key=lambda s: (s.created_at, s.sid))

    def _save(self, service: VerifyService) -> None:
        self.redis.hset(keys.verify_services(), service.sid, json.dumps(asdict(service)))
