"""The destination's send windows the START script counts with its claim: the limiter's
own items as (sends, seconds, ...), with the limiter's clock read anew on every ask."""

from __future__ import annotations

import time

import redis

from app.store.ratelimits import RedisSendLimiter


def _limiter(client: redis.Redis, destination: str) -> RedisSendLimiter:
    return RedisSendLimiter(
        client, destination=destination, api_key="100/minute", client_ip="100/minute"
    )


def test_the_destination_windows_are_its_items_at_the_time_asked(
    redis_client: redis.Redis,
) -> None:
    limiter = _limiter(redis_client, "10/hour;20/day;3/5 minutes")
    before = int(time.time() * 1000)
    first = limiter.destination_windows()
    assert first is not None and first[1] == (10, 3600, 20, 86400, 3, 300)
    assert before <= first[0] <= int(time.time() * 1000)
    time.sleep(0.01)
    later = limiter.destination_windows()
    assert later is not None and later[0] > first[0] and later[1] == first[1]


def test_no_destination_limit_has_no_windows(redis_client: redis.Redis) -> None:
    assert _limiter(redis_client, "").destination_windows() is None
