"""Staff accounts and their signed-in sessions, in Redis.

A password is never stored: only its scrypt hash (OWASP's parameters,
N=2^17, r=8, p=1, a 16-byte random salt), written with its parameters so
they can be raised later without breaking old hashes. A session is a random
token in the browser's cookie; Redis keeps only its SHA-256 with the user and
the session's CSRF token, and forgets it after ``keys.STAFF_SESSION_TTL``
without use. Changing a password or removing a user ends every session of
that user at once.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from app.store import keys
from app.store.connection import RedisClient

NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
MIN_PASSWORD = 12
MAX_PASSWORD = 1024
_N, _R, _P = 2**17, 8, 1
_MAXMEM = 256 * 1024 * 1024


class StaffError(ValueError):
    """A name or password that cannot be used; the message says why."""


@dataclass(frozen=True, slots=True)
class StaffUser:
    name: str
    created_at: str
    changed_at: str


@dataclass(frozen=True, slots=True)
class StaffSession:
    user: str
    csrf: str


def hash_password(password: str, salt: bytes | None = None) -> str:
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(
        password.encode(), salt=salt, n=_N, r=_R, p=_P, maxmem=_MAXMEM, dklen=32
    )
    b64 = base64.b64encode
    return f"scrypt${_N}${_R}${_P}${b64(salt).decode()}${b64(digest).decode()}"


def password_matches(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        given = hashlib.scrypt(
            password.encode(),
            salt=base64.b64decode(salt),
            n=int(n),
            r=int(r),
            p=int(p),
            maxmem=_MAXMEM,
            dklen=32,
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(given, base64.b64decode(digest))


#: Compared against when the user does not exist, so a wrong name costs the same time.
_DUMMY_HASH = hash_password(secrets.token_urlsafe(16))


def check_name(name: str) -> str:
    if not NAME.match(name):
        raise StaffError(
            "a user name is 1-64 lowercase letters, digits, '.', '_' or '-', starting with a "
            "letter or digit"
        )
    return name


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise StaffError(f"a password needs at least {MIN_PASSWORD} characters")
    if len(password) > MAX_PASSWORD:
        raise StaffError(f"a password has at most {MAX_PASSWORD} characters")
    return password


class StaffUsers:
    """``sandi users add|list|remove|passwd`` and the login page's password check."""

    def __init__(self, redis: RedisClient) -> None:
        self.redis = redis

    def add(self, name: str, password: str, now: datetime) -> StaffUser:
        check_name(name)
        check_password(password)
        record = {"hash": hash_password(password), "created": now.isoformat()}
        record["changed"] = record["created"]
        if not self.redis.hsetnx(keys.staff_users(), name, json.dumps(record)):
            raise StaffError(f"user {name} exists already (use `sandi users passwd {name}`)")
        return StaffUser(name, record["created"], record["changed"])

    def list(self) -> list[StaffUser]:
        stored: Any = self.redis.hgetall(keys.staff_users())
        users = []
        for name, raw in sorted(stored.items()):
            record = json.loads(raw)
            users.append(StaffUser(_text(name), record["created"], record["changed"]))
        return users

    def set_password(self, name: str, password: str, now: datetime) -> None:
        check_password(password)
        raw: Any = self.redis.hget(keys.staff_users(), name)
        if raw is None:
            raise StaffError(f"no user {name}")
        record = {**json.loads(raw), "hash": hash_password(password), "changed": now.isoformat()}
        self.redis.hset(keys.staff_users(), name, json.dumps(record))
        self.end_sessions(name)

    def remove(self, name: str) -> bool:
        removed = bool(self.redis.hdel(keys.staff_users(), name))
        self.end_sessions(name)
        return removed

    def verify(self, name: str, password: str) -> bool:
        """True when ``password`` is ``name``'s; as slow for unknown names as for known ones."""
        raw: Any = self.redis.hget(keys.staff_users(), name) if NAME.match(name) else None
        stored = json.loads(raw)["hash"] if raw else _DUMMY_HASH
        ok = password_matches(password[:MAX_PASSWORD], stored)
        return ok and raw is not None

    def exists(self, name: str) -> bool:
        return bool(self.redis.hexists(keys.staff_users(), name))

    # -- sessions -------------------------------------------------------------

    def start_session(self, name: str, now: datetime) -> str:
        """A new session for ``name``; returns the cookie's token (stored only hashed)."""
        token = secrets.token_urlsafe(32)
        digest = _digest(token)
        pipe = self.redis.pipeline(transaction=True)
        pipe.hset(
            keys.staff_session(digest),
            mapping={"user": name, "csrf": secrets.token_urlsafe(32), "at": now.isoformat()},
        )
        pipe.expire(keys.staff_session(digest), keys.STAFF_SESSION_TTL)
        pipe.sadd(keys.staff_user_sessions(name), digest)
        pipe.expire(keys.staff_user_sessions(name), keys.STAFF_SESSION_TTL)
        pipe.execute()
        return token

    def session(self, token: str) -> StaffSession | None:
        """The live session of a cookie token (its idle timer restarts), or None."""
        if not token or len(token) > 128:
            return None
        key = keys.staff_session(_digest(token))
        pipe = self.redis.pipeline(transaction=False)
        pipe.hgetall(key)
        pipe.expire(key, keys.STAFF_SESSION_TTL)  # a missing key stays missing (no XX: Redis 6.2)
        found: Any = pipe.execute()[0]
        if not found:
            return None
        values = {_text(k): _text(v) for k, v in found.items()}
        user = values.get("user", "")
        if not self.exists(user):
            return None
        self.redis.expire(keys.staff_user_sessions(user), keys.STAFF_SESSION_TTL)
        return StaffSession(user=user, csrf=values.get("csrf", ""))

    def end_session(self, token: str) -> None:
        digest = _digest(token)
        found: Any = self.redis.hget(keys.staff_session(digest), "user")
        pipe = self.redis.pipeline(transaction=True)
        pipe.delete(keys.staff_session(digest))
        if found:
            pipe.srem(keys.staff_user_sessions(_text(found)), digest)
        pipe.execute()

    def end_sessions(self, name: str) -> None:
        digests: Any = self.redis.smembers(keys.staff_user_sessions(name))
        pipe = self.redis.pipeline(transaction=True)
        for digest in digests:
            pipe.delete(keys.staff_session(_text(digest)))
        pipe.delete(keys.staff_user_sessions(name))
        pipe.execute()


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
