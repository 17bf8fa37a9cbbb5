"""Each store protocol of the cores, as two implementations: Redis and in memory.

Every contract test takes one of these fixtures and runs twice, once on the
Redis store the product runs on (the test database, flushed per test) and
once on the in-memory fake the core unit tests use. A behaviour the cores
rely on is written down once and holds for both, so the fakes stay honest.

A new protocol method: one method in the fake, one test here, both ids run it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from app.conversation.memory import MemoryHandoffIndex, MemoryRecordStore, MemoryTurnStore
from app.otp.memory import MemorySendLimiter, MemoryVerificationStore
from app.store.handoffs import RedisHandoffIndex
from app.store.otp import RedisVerificationStore
from app.store.ratelimits import RedisSendLimiter
from app.store.records import RedisRecordStore
from app.store.turns import RedisTurnStore, TurnSettings
from tests.support.clock import FakeClock

IMPLEMENTATIONS = ["redis", "memory"]


@pytest.fixture(params=IMPLEMENTATIONS)
def kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def redis_or_none(kind: str, request: pytest.FixtureRequest) -> Any:
    """The flushed test database for the Redis run; None for the in-memory one."""
    return request.getfixturevalue("redis_client") if kind == "redis" else None


@pytest.fixture
def verifications(redis_or_none: Any) -> Any:
    if redis_or_none is not None:
        return RedisVerificationStore(redis_or_none)
    return MemoryVerificationStore()


#: Builds a send limiter from the three rule strings.
LimiterFactory = Callable[..., Any]


@pytest.fixture
def make_limiter(redis_or_none: Any, clock: FakeClock) -> LimiterFactory:
    def make(
        destination: str = "",
        api_key: str = "",
        client_ip: str = "",
        sender: str = "",
        server: str = "",
    ) -> Any:
        rules = dict(
            destination=destination,
            api_key=api_key,
            client_ip=client_ip,
            sender=sender,
            server=server,
        )
        if redis_or_none is not None:
            return RedisSendLimiter(redis_or_none, **rules)
        return MemorySendLimiter(**rules, clock=lambda: clock().timestamp())

    return make


#: Builds a turn store: lease (ms) and real-time wait (s) for a busy conversation.
TurnStoreFactory = Callable[..., Any]


@pytest.fixture
def make_turns(redis_or_none: Any, clock: FakeClock) -> TurnStoreFactory:
    def make(lease_ms: int = 5_000, wait_s: float = 5.0) -> Any:
        seconds = lambda: clock().timestamp()  # noqa: E731 - the stores' clock is epoch seconds
        if redis_or_none is not None:
            settings = TurnSettings(lease_ms=lease_ms, wait_s=wait_s)
            return RedisTurnStore(redis_or_none, settings, clock=seconds)
        return MemoryTurnStore(seconds, lease_ms=lease_ms, wait_s=wait_s)

    return make


@pytest.fixture
def handoff_index(redis_or_none: Any) -> Any:
    return MemoryHandoffIndex() if redis_or_none is None else RedisHandoffIndex(redis_or_none)


@pytest.fixture
def record_store(redis_or_none: Any) -> Any:
    return MemoryRecordStore() if redis_or_none is None else RedisRecordStore(redis_or_none)
