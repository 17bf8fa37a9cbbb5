"""Fixtures: a real Redis database per test run, apps, clients and signed webhooks.

Redis: ``SANDI_TEST_REDIS_URL`` (or ``REDIS_URL``) when set — it must name a
dedicated database number, which each test flushes (that database only, never
FLUSHALL) — else an embedded redis-server started for the run.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from flask import Flask
from flask.testing import FlaskClient

from app import create_app
from app.store import carried
from tests.support.clock import FakeClock
from tests.support.redis_servers import RedisProcess
from tests.support.shop import demo_shop, serving
from tests.support.twilio_webhooks import Twilio

pytest_plugins = ["tests.support.log_hygiene"]


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    url = os.environ.get("SANDI_TEST_REDIS_URL") or os.environ.get("REDIS_URL")
    if url:
        db = redis.Redis.from_url(url).connection_pool.connection_kwargs.get("db", 0)
        if int(db) == 0:
            pytest.exit(
                f"refusing to flush database 0 of {url}: point SANDI_TEST_REDIS_URL at a "
                "dedicated database, e.g. redis://127.0.0.1:6379/13",
                returncode=2,
            )
        yield url
        return
    with tempfile.TemporaryDirectory(prefix="sandi-test-redis-") as tmp:
        server = RedisProcess(Path(tmp)).start()
        try:
            yield server.url
        finally:
            server.stop()


@pytest.fixture
def redis_client(redis_url: str) -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    client.flushdb()
    yield client
    client.close()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def app_config(redis_url: str, tmp_path: Path, clock: FakeClock) -> dict[str, Any]:
    """Overrides for :func:`make_app`; tests may edit this before asking for ``app``."""
    return {
        "TESTING": True,
        "REDIS_URL": redis_url,
        "SANDI_SANDBOX": "1",
        "SANDI_INSTANCE_DIR": str(tmp_path / "instance"),
        "SANDI_LOG_LEVEL": "DEBUG",
        # History is off by default (docs/privacy.md); many tests read it to see
        # which turns ran, so the suite turns it on. Tests of the default drop it.
        "SANDI_HISTORY_TTL": "1800",
        # An approval's statistics are carried (app.store.carried): they land ahead of
        # the next start's questions or when a report reads them, never at a moment set
        # by the writer thread's clock (tests/store/test_carried.py runs that one).
        "SANDI_STATS_DELAY_MS": "5000",
        "clock": clock,
    }


@pytest.fixture(autouse=True)
def _carried_statistics_stay_in_their_test() -> Iterator[None]:
    """What a test's approvals still carry is forgotten when it ends, not written into
    the next test's database."""
    yield
    carried.drop()


@pytest.fixture
def app(app_config: dict[str, Any], redis_client: redis.Redis) -> Flask:
    return create_app(app_config)


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    """A copy of the demo's flows and templates that the test may edit (tests/support/shop.py)."""
    return demo_shop(tmp_path)


@pytest.fixture
def shop_config(app_config: dict[str, Any], shop: Path) -> dict[str, Any]:
    return serving(app_config, shop)


@pytest.fixture
def shop_app(shop_config: dict[str, Any], redis_client: redis.Redis) -> Flask:
    """An app serving the copy in ``shop``: edits there are what it reloads."""
    return create_app(shop_config)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def twilio(client: FlaskClient) -> Twilio:
    return Twilio(client)


@pytest.fixture
def redis_process(tmp_path: Path) -> Iterator[RedisProcess]:
    """A private redis-server the test may stop and start."""
    server = RedisProcess(tmp_path / "redis").start()
    yield server
    server.stop()
