"""Redis Sentinel: Sandi asks the sentinel for the master and follows a failover."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import redis

from app import create_app
from tests.support.redis_servers import RedisProcess, SentinelProcess
from tests.support.twilio_webhooks import Twilio

pytestmark = pytest.mark.slow


def test_webhook_runs_through_a_sentinel_and_follows_a_failover(app_config, tmp_path: Path) -> None:
    master = RedisProcess(tmp_path / "master").start()
    replica = RedisProcess(
        tmp_path / "replica", None, "--replicaof", "127.0.0.1", str(master.port)
    ).start()
    sentinel = SentinelProcess(tmp_path / "sentinel", master.port).start()
    try:
        app_config["REDIS_URL"] = ""
        app_config["REDIS_SENTINELS"] = f"127.0.0.1:{sentinel.port}"
        app_config["REDIS_SENTINEL_MASTER"] = "sandi"
        twilio = Twilio(create_app(app_config).test_client())
        assert twilio.send("halo").status_code == 200
        assert redis.Redis(port=master.port).dbsize() > 0

        master.stop()  # the sentinel promotes the replica
        deadline = time.monotonic() + 20
        while (status := twilio.send("masih di sini?").status_code) != 200:
            assert status == 503  # during the failover: unavailable, never a 500
            assert time.monotonic() < deadline, "no failover within 20 s"
            time.sleep(0.2)
        assert redis.Redis(port=replica.port).info("replication")["role"] == "master"
    finally:
        sentinel.stop()
        replica.stop()
        master.stop()
