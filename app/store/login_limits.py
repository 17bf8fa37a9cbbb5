"""Failed-login throttling: per account, per client address, and for the whole server.

Every login attempt is counted before its password is hashed (the windows are
``limits``' atomic moving windows, on Redis), so a guesser gets a few tries,
then a lockout that grows: ``5/minute;10/hour;20/day`` for one account,
``20/minute;100/hour`` for one address, ``120/minute`` for everybody. A
successful login clears the account's windows, so a staff member who
mistypes twice is not locked out later. The figures are settings
(``SANDI_LOGIN_ACCOUNT_LIMITS``, ``SANDI_LOGIN_IP_LIMITS``,
``SANDI_LOGIN_GLOBAL_LIMITS``).
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping

import redis
from limits import RateLimitItem, parse_many
from limits.storage import RedisClusterStorage, RedisStorage
from limits.strategies import MovingWindowRateLimiter

from app.config import ConfigError
from app.store import keys
from app.store.connection import RedisClient

ACCOUNT_LIMITS = "5/minute;10/hour;20/day"
IP_LIMITS = "20/minute;100/hour"
GLOBAL_LIMITS = "120/minute"


def _items(raw: Mapping[str, str], name: str, default: str) -> tuple[RateLimitItem, ...]:
    value = (raw.get(name) or default).strip()
    try:
        return tuple(parse_many(value))
    except ValueError:
        raise ConfigError(f"{name} must look like '5/minute;20/day', not {value!r}") from None


class LoginLimiter:
    def __init__(
        self, client: RedisClient, raw: Mapping[str, str], cluster_url: str | None = None
    ) -> None:
        storage: RedisStorage | RedisClusterStorage
        if isinstance(client, redis.Redis):
            storage = RedisStorage(
                "redis://",
                connection_pool=client.connection_pool,
                key_prefix=keys.LOGIN_LIMIT_PREFIX,
            )
        else:  # pragma: no cover - exercised against a cluster only
            storage = RedisClusterStorage(cluster_url or "", key_prefix=keys.LOGIN_LIMIT_PREFIX)
        self._limiter = MovingWindowRateLimiter(storage)
        self._rules = {
            "account": _items(raw, "SANDI_LOGIN_ACCOUNT_LIMITS", ACCOUNT_LIMITS),
            "ip": _items(raw, "SANDI_LOGIN_IP_LIMITS", IP_LIMITS),
            "all": _items(raw, "SANDI_LOGIN_GLOBAL_LIMITS", GLOBAL_LIMITS),
        }

    def attempt(self, account: str, ip: str) -> tuple[str, int] | None:
        """Count one attempt; ``(scope, seconds to wait)`` when a window is full."""
        for scope, identity in (("all", "*"), ("ip", ip), ("account", account)):
            for item in self._rules[scope]:
                if not self._limiter.hit(item, "login", scope, identity):
                    stats = self._limiter.get_window_stats(item, "login", scope, identity)
                    return scope, max(1, math.ceil(stats.reset_time - time.time()))
        return None

    def succeeded(self, account: str) -> None:
        for item in self._rules["account"]:
            self._limiter.clear(item, "login", "account", account)
