"""Opening the Redis connection Sandi runs on."""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeAlias

import redis
from redis.backoff import ExponentialBackoff
from redis.cluster import RedisCluster
from redis.retry import Retry

from app.store.embedded import ensure_embedded

#: Either client; Sandi only uses commands both support with one hash tag.
RedisClient: TypeAlias = "redis.Redis | RedisCluster"

_CLUSTER_SCHEMES = ("redis+cluster://", "rediss+cluster://")


def connect(url: str | None, instance: Path) -> RedisClient:
    """Connect to ``url``, or to the embedded server when no URL is given.

    Timeouts are short on purpose: when Redis is gone, the webhook should say
    503 quickly (Twilio waits 15 s at most) instead of hanging, and recover by
    itself once Redis answers again.
    """
    if not url:
        url = ensure_embedded(instance)
    options: dict[str, Any] = {
        "decode_responses": True,
        "socket_timeout": 2.0,
        "socket_connect_timeout": 1.0,
        "retry": Retry(ExponentialBackoff(cap=0.2, base=0.02), 1),
        "health_check_interval": 15,
    }
    for scheme in _CLUSTER_SCHEMES:
        if url.startswith(scheme):
            real = url.replace("+cluster", "", 1)
            return RedisCluster.from_url(real, **options)
    return redis.Redis.from_url(url, **options)
