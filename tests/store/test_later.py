"""The write-behind batch (app.store.later): queued writes land, in one round trip, at its end."""

from __future__ import annotations

import logging
from typing import Any

import pytest
import redis
from redis.connection import Connection

from app.store import later

_SET_IF = "if redis.call('GET', KEYS[1]) == false then redis.call('SET', KEYS[1], ARGV[1]) end"


def _trips(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the writes to a Redis socket (one per command or per pipeline)."""
    sent: list[int] = []
    original = Connection.send_packed_command

    def send(conn: Connection, command: Any, check_health: bool = True) -> None:
        if check_health:
            sent.append(1)
        original(conn, command, check_health)

    monkeypatch.setattr(Connection, "send_packed_command", send)
    return sent


def test_a_batch_sends_its_writes_together_when_it_ends(
    redis_client: redis.Redis, monkeypatch: pytest.MonkeyPatch
) -> None:
    script = redis_client.register_script(_SET_IF)
    redis_client.script_load(_SET_IF)
    trips = _trips(monkeypatch)
    with later.batch():
        later.command(redis_client, "set", "sandi:test:a", "1", ex=60)
        later.script(redis_client, script, ["sandi:test:b"], ["2"])
        later.commands(redis_client, lambda p: (p.hset("sandi:test:c", "f", "3"),))
        assert later.active()
        assert redis_client.exists("sandi:test:a") == 0  # nothing sent yet (one read: a trip)
    assert not later.active()
    assert len(trips) == 2  # the read above, and the batch
    assert redis_client.get("sandi:test:a") == "1"
    assert 0 < redis_client.ttl("sandi:test:a") <= 60
    assert redis_client.get("sandi:test:b") == "2"
    assert redis_client.hget("sandi:test:c", "f") == "3"


def test_outside_a_batch_a_write_runs_at_once(redis_client: redis.Redis) -> None:
    later.command(redis_client, "set", "sandi:test:now", "1")
    assert redis_client.get("sandi:test:now") == "1"


def test_a_batch_ended_by_an_exception_still_sends(redis_client: redis.Redis) -> None:
    with pytest.raises(RuntimeError), later.batch():
        later.command(redis_client, "set", "sandi:test:sent", "yes")
        raise RuntimeError("after the send")
    assert redis_client.get("sandi:test:sent") == "yes"


def test_a_script_redis_forgot_is_loaded_and_run(redis_client: redis.Redis) -> None:
    script = redis_client.register_script(_SET_IF)
    redis_client.script_flush()
    with later.batch():
        later.script(redis_client, script, ["sandi:test:reload"], ["ok"])
    assert redis_client.get("sandi:test:reload") == "ok"


def test_a_quiet_failure_is_logged_a_loud_one_raised(
    redis_client: redis.Redis, caplog: pytest.LogCaptureFixture
) -> None:
    redis_client.set("sandi:test:text", "not a hash")
    with caplog.at_level(logging.ERROR, logger="app.store.later"), later.batch():
        later.command(redis_client, "hincrby", "sandi:test:text", "n", 1, quiet="count x")
        later.command(redis_client, "set", "sandi:test:after", "1")
    assert "cannot count x (ResponseError)" in caplog.text
    assert redis_client.get("sandi:test:after") == "1"  # the others still ran
    with pytest.raises(redis.ResponseError), later.batch():
        later.command(redis_client, "hincrby", "sandi:test:text", "n", 1)
    # Outside a batch even a quiet write's failure is the caller's to handle.
    with pytest.raises(redis.ResponseError):
        later.command(redis_client, "hincrby", "sandi:test:text", "n", 1, quiet="count x")
