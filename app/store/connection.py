"""Opening the Redis connection Sandi runs on."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeAlias

import redis
from redis.backoff import ExponentialBackoff
from redis.cluster import RedisCluster
from redis.retry import Retry
from redis.sentinel import Sentinel

from app.store.embedded import ensure_embedded

if TYPE_CHECKING:
    from app.config import Settings

#: Either client; Sandi only uses commands both support with one hash tag.
RedisClient: TypeAlias = "redis.Redis | RedisCluster"

_CLUSTER_SCHEMES = ("redis+cluster://", "rediss+cluster://")


def connect_settings(settings: Settings) -> RedisClient:
    """The connection ``settings`` describe: URL, Sentinel, or the embedded server."""
    return connect(
        settings.redis_url,
        settings.instance_dir,
        sentinels=settings.raw.get("REDIS_SENTINELS") or None,
        sentinel_master=settings.raw.get("REDIS_SENTINEL_MASTER") or "mymaster",
    )


def connect(
    url: str | None,
    instance: Path,
    *,
    sentinels: str | None = None,
    sentinel_master: str = "mymaster",
) -> RedisClient:
    """Connect to ``url``, or through Sentinel, or to the embedded server.

    ``sentinels`` is ``host:port,host:port``: the client asks them for the
    current master and follows a failover by itself; ``url`` then only
    supplies the database number and password, if any.

    Timeouts are short on purpose: when Redis is gone, the webhook should say
    503 quickly (Twilio waits 15 s at most) instead of hanging, and recover by
    itself once Redis answers again.
    """
    if not url and not sentinels:
        url = ensure_embedded(instance)
    options: dict[str, Any] = {
        "decode_responses": True,
        "socket_timeout": 2.0,
        "socket_connect_timeout": 1.0,
        "retry": Retry(ExponentialBackoff(cap=0.2, base=0.02), 1),
        "health_check_interval": 15,
    }
    if sentinels:
        return _sentinel_master(sentinels, sentinel_master, url, options)
    assert url is not None
    for scheme in _CLUSTER_SCHEMES:
        if url.startswith(scheme):
            real = url.replace("+cluster", "", 1)
            return RedisCluster.from_url(real, **options)
    return redis.Redis.from_url(url, **options)


def _sentinel_master(
    sentinels: str, master: str, url: str | None, options: dict[str, Any]
) -> redis.Redis:
    nodes = []
    for item in sentinels.split(","):
        host, _, port = item.strip().rpartition(":")
        if not host or not port.isdigit():
            raise ValueError(f"REDIS_SENTINELS entries must be host:port, not {item!r}")
        nodes.append((host, int(port)))
    extra: dict[str, Any] = {}
    if url:
        kwargs = redis.connection.parse_url(url)  # type: ignore[no-untyped-call]
        extra = {k: kwargs[k] for k in ("db", "password", "username") if kwargs.get(k)}
    sentinel = Sentinel(nodes, socket_timeout=1.0, socket_connect_timeout=1.0)  # type: ignore[no-untyped-call]
    client: redis.Redis = sentinel.master_for(master, **options, **extra)  # type: ignore[no-untyped-call]
    return client


def jobs_connection(settings: Settings) -> redis.Redis | None:
    """The Redis rq runs on: the same server as everything else (rq needs a plain,
    byte-returning client), or ``SANDI_JOBS_REDIS_URL``. None on a Redis Cluster
    without that setting: rq's keys cannot share one hash slot."""
    url = settings.raw.get("SANDI_JOBS_REDIS_URL") or settings.redis_url
    sentinels = settings.raw.get("REDIS_SENTINELS") or None
    options: dict[str, Any] = {"socket_timeout": 10.0, "socket_connect_timeout": 2.0}
    if sentinels and not settings.raw.get("SANDI_JOBS_REDIS_URL"):
        client = _sentinel_master(
            sentinels, settings.raw.get("REDIS_SENTINEL_MASTER") or "mymaster", url, options
        )
        return client
    if not url:
        url = ensure_embedded(settings.instance_dir)
    if url.startswith(_CLUSTER_SCHEMES):
        return None
    return redis.Redis.from_url(url, **options)
