"""Send limits on Redis with the ``limits`` library.

Per destination (default 10 an hour and 20 a day) a *moving window*: exact,
and cheap for the handful of entries one number collects. Per API key and per
client IP a *sliding window counter*: O(1) whatever the volume, at the price
of a small approximation at window edges. Both are atomic Lua scripts inside
``limits``. The window runs on ``limits``' own clock (real time), not on the
service's injected clock.

Limits are taken in order client IP, API key, destination, stopping at the
first full one; a send refused by a later limit has used up one unit of the
earlier ones — errs on the side of sending less, never more.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import redis
from limits import RateLimitItem, parse_many
from limits.storage import RedisClusterStorage, RedisStorage
from limits.strategies import MovingWindowRateLimiter, RateLimiter, SlidingWindowCounterRateLimiter

from app.otp.store import LimitRefusal
from app.store import keys
from app.store.connection import RedisClient


@dataclass(frozen=True, slots=True)
class _Rule:
    scope: str
    items: tuple[RateLimitItem, ...]
    limiter: RateLimiter


class RedisSendLimiter:
    def __init__(
        self,
        client: RedisClient,
        *,
        destination: str,
        api_key: str,
        client_ip: str,
        cluster_url: str | None = None,
    ) -> None:
        storage: RedisStorage | RedisClusterStorage
        if isinstance(client, redis.Redis):
            # Share the app's connection pool: no second set of sockets.
            storage = RedisStorage(
                "redis://",
                connection_pool=client.connection_pool,
                key_prefix=keys.RATE_LIMIT_PREFIX,
            )
        else:  # pragma: no cover - exercised against a cluster only
            storage = RedisClusterStorage(cluster_url or "", key_prefix=keys.RATE_LIMIT_PREFIX)
        exact = MovingWindowRateLimiter(storage)
        cheap = SlidingWindowCounterRateLimiter(storage)
        self._rules = {
            "client_ip": _Rule("client_ip", _items(client_ip), cheap),
            "api_key": _Rule("api_key", _items(api_key), cheap),
            "destination": _Rule("destination", _items(destination), exact),
        }

    def acquire(
        self, destination: str, api_key: str | None, client_ip: str | None
    ) -> LimitRefusal | None:
        for scope, identity in (
            ("client_ip", client_ip),
            ("api_key", api_key),
            ("destination", destination),
        ):
            if not identity:
                continue
            rule = self._rules[scope]
            for item in rule.items:
                if not rule.limiter.hit(item, "otp", scope, identity):
                    stats = rule.limiter.get_window_stats(item, "otp", scope, identity)
                    wait = max(1, math.ceil(stats.reset_time - time.time()))
                    return LimitRefusal(scope=scope, retry_after=wait)
        return None

    def reset(self, destination: str) -> None:
        """Forget a destination's sends (an operator unblocking a customer)."""
        rule = self._rules["destination"]
        for item in rule.items:
            rule.limiter.clear(item, "otp", "destination", destination)


def _items(spec: str) -> tuple[RateLimitItem, ...]:
    return tuple(parse_many(spec)) if spec else ()
