"""The sandbox outbox: what Sandi would have sent, kept per address for a day."""

from __future__ import annotations

import json
from typing import Any

from app.store import keys, trip
from app.store.connection import RedisClient

#: ``json.dumps(entry, ensure_ascii=False)``, its encoder made once rather than per entry.
_encode = json.JSONEncoder(ensure_ascii=False).encode

# KEYS[1] = the address's outbox; ARGV[1] = the entry, ARGV[2] = entries kept, ARGV[3] = ttl s
_APPEND = """
redis.call('RPUSH', KEYS[1], ARGV[1])
redis.call('LTRIM', KEYS[1], -tonumber(ARGV[2]), -1)
redis.call('EXPIRE', KEYS[1], ARGV[3])
"""


class OutboxStore:
    def __init__(self, redis: RedisClient, ttl: int = keys.OUTBOX_TTL) -> None:
        self.redis = redis
        self.ttl = ttl
        self._append = redis.register_script(_APPEND)

    def append(self, address: str, entry: dict[str, Any]) -> None:
        """One script (one key, atomic as the MULTI it replaces) through :mod:`app.store.trip`."""
        args = [_encode(entry), keys.OUTBOX_MAX, self.ttl]
        trip.call(self.redis, self._append, [keys.outbox(address)], args)

    def read(self, address: str) -> list[dict[str, Any]]:
        """Oldest first, newest last."""
        raw: list[str] = self.redis.lrange(keys.outbox(address), 0, -1)  # type: ignore[assignment]
        return [json.loads(item) for item in raw]

    def clear(self, address: str) -> None:
        self.redis.delete(keys.outbox(address))
