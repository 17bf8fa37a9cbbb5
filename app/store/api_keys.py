"""API keys for the REST API: created by ``sandi api-keys``, or listed in
``SANDI_API_KEYS`` for simple setups.

Only a SHA-256 of each secret is stored (a 256-bit random secret needs no slow
hash). A key has a public SID (``SK`` + 32 hex) and a secret: Bearer auth
sends the secret alone and is looked up by its hash; a Twilio-style Basic
auth layer sends SID and secret, and :meth:`ApiKeyStore.authenticate`
checks that pair.

A key may carry scopes: ``admin`` lets it read and erase customer data
(``/v1/customers``). Keys made before scopes existed, and keys listed in
``SANDI_API_KEYS``, have none: they keep doing exactly what they did.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from app.store import keys
from app.store.connection import RedisClient

SECRET_PREFIX = "sandi_"  # noqa: S105 - a prefix secret scanners recognise, not a secret
MAX_SECRET = 256
#: The scopes a key may be given (``sandi api-keys create --scope admin``).
SCOPES = frozenset({"admin"})


@dataclass(frozen=True, slots=True)
class ApiKey:
    sid: str
    name: str
    source: str  # "redis" | "env"
    created_at: str | None = None
    revoked_at: str | None = None
    scopes: tuple[str, ...] = ()

    def allows(self, scope: str) -> bool:
        return scope in self.scopes


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class ApiKeyStore:
    def __init__(self, redis: RedisClient, env_keys: Iterable[str] = ()) -> None:
        self.redis = redis
        self._env: dict[str, ApiKey] = {}
        for i, secret in enumerate(k.strip() for k in env_keys):
            if secret:
                sid = "SK" + hashlib.sha256(b"sandi-env-key:" + secret.encode()).hexdigest()[:32]
                self._env[_digest(secret)] = ApiKey(sid=sid, name=f"env:{i + 1}", source="env")

    def create(self, name: str, now: datetime, scopes: Iterable[str] = ()) -> tuple[ApiKey, str]:
        """A new key; the secret is returned once and never stored."""
        wanted = tuple(sorted(set(scopes)))
        unknown = set(wanted) - SCOPES
        if unknown:
            raise ValueError(f"unknown scope {sorted(unknown)[0]!r}: use {', '.join(SCOPES)}")
        secret = SECRET_PREFIX + secrets.token_urlsafe(32)
        sid = "SK" + secrets.token_hex(16)
        key = ApiKey(sid=sid, name=name, source="redis", created_at=now.isoformat(), scopes=wanted)
        digest = _digest(secret)
        record = {**asdict(key), "hash": digest}
        pipe = self.redis.pipeline(transaction=True)
        pipe.hset(keys.api_keys(), sid, json.dumps(record))
        pipe.hset(keys.api_key_index(), digest, json.dumps(asdict(key)))
        pipe.execute()
        return key, secret

    def list(self) -> list[ApiKey]:
        stored: Any = self.redis.hgetall(keys.api_keys())
        found = [_key(json.loads(raw)) for raw in stored.values()]
        return sorted([*found, *self._env.values()], key=lambda k: (k.created_at or "", k.sid))

    def revoke(self, sid: str, now: datetime) -> bool:
        raw: Any = self.redis.hget(keys.api_keys(), sid)
        if not raw:
            return False
        record = json.loads(raw)
        if record.get("revoked_at"):
            return False
        record["revoked_at"] = now.isoformat()
        pipe = self.redis.pipeline(transaction=True)
        pipe.hset(keys.api_keys(), sid, json.dumps(record))
        pipe.hdel(keys.api_key_index(), record["hash"])
        pipe.execute()
        return True

    def authenticate(self, secret: str, sid: str | None = None) -> ApiKey | None:
        """The live key with this secret (and this SID, when given), or None."""
        if not secret or len(secret) > MAX_SECRET:
            return None
        digest = _digest(secret)
        env = self._env.get(digest)
        if env is not None:
            return env if sid is None or hmac.compare_digest(sid, env.sid) else None
        if sid is not None:
            raw: Any = self.redis.hget(keys.api_keys(), sid)
            if not raw:
                return None
            record = json.loads(raw)
            if record.get("revoked_at") or not hmac.compare_digest(record["hash"], digest):
                return None
            return _key(record)
        found: Any = self.redis.hget(keys.api_key_index(), digest)
        return _key(json.loads(found)) if found else None


def _key(record: dict[str, Any]) -> ApiKey:
    return ApiKey(
        sid=record["sid"],
        name=record["name"],
        source=record.get("source", "redis"),
        created_at=record.get("created_at"),
        revoked_at=record.get("revoked_at"),
        scopes=tuple(str(s) for s in record.get("scopes") or ()),
    )
