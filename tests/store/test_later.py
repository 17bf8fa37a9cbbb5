"""The write-behind batch (app.store.later): queued writes land, in one round trip, at its end."""

from __future__ import annotations

import logging
from typing import Any

import pytest
import redis

from app.store import later
from tests.support.socket_writes import count_trips

_SET_IF = "if redis.call('GET', KEYS[1]) == false then redis.call('SET', KEYS[1], ARGV[1]) end"


def test_a_batch_sends_its_writes_together_when_it_ends(
    redis_client: redis.Redis, monkeypatch: pytest.MonkeyPatch
) -> None:
    script = redis_client.register_script(_SET_IF)
    redis_client.script_load(_SET_IF)
    trips = count_trips(monkeypatch)
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


_SET_GET = "redis.call('SET', KEYS[1], ARGV[1], 'EX', 60) return redis.call('INCR', KEYS[2])"


def test_an_asked_reply_rides_the_batch_and_flush_sends_it_mid_step(
    redis_client: redis.Redis, monkeypatch: pytest.MonkeyPatch
) -> None:
    script = redis_client.register_script(_SET_GET)
    redis_client.script_load(_SET_GET)
    redis_client.set("sandi:test:n", "41", ex=60)
    trips = count_trips(monkeypatch)
    seen: list[Any] = []
    with later.batch():
        later.command(redis_client, "set", "sandi:test:w", "1", ex=60)
        answer = later.ask(redis_client, script, ["sandi:test:x", "sandi:test:n"], ["v"])
        later.after(lambda: seen.append(answer.get()))
        assert not answer.ready and trips == []
        later.flush()  # one trip: the write and the question
        assert len(trips) == 1 and answer.ready and answer.get() == 42 and seen == [42]
        later.command(redis_client, "set", "sandi:test:y", "2", ex=60)  # the batch is still open
        assert later.active() and len(trips) == 1
        later.flush()
        later.flush()  # nothing left: no trip
    assert len(trips) == 2 and seen == [42]  # each callback once
    assert redis_client.get("sandi:test:w") == "1" and redis_client.get("sandi:test:x") == "v"
    assert redis_client.get("sandi:test:y") == "2"


def test_an_answer_read_before_the_flush_sends_the_batch(redis_client: redis.Redis) -> None:
    script = redis_client.register_script(_SET_GET)
    with later.batch():
        later.command(redis_client, "set", "sandi:test:first", "1", ex=60)
        answer = later.ask(redis_client, script, ["sandi:test:a", "sandi:test:c"], ["v"])
        assert answer.get() == 1  # sent the batch so far (the script loaded on demand)
        assert redis_client.get("sandi:test:first") == "1"


def test_outside_a_batch_an_ask_and_an_after_run_at_once(redis_client: redis.Redis) -> None:
    script = redis_client.register_script(_SET_GET)
    answer = later.ask(redis_client, script, ["sandi:test:k", "sandi:test:m"], ["v"])
    assert answer.ready and answer.get() == 1
    seen: list[int] = []
    later.after(lambda: seen.append(1))
    later.flush()  # no batch: nothing to send
    assert seen == [1]


def test_an_asked_error_is_the_askers_and_callbacks_run_after_a_raising_step(
    redis_client: redis.Redis,
) -> None:
    script = redis_client.register_script(_SET_GET)
    redis_client.set("sandi:test:text", "not a number", ex=60)
    seen: list[str] = []
    with pytest.raises(RuntimeError), later.batch():
        answer = later.ask(redis_client, script, ["sandi:test:z", "sandi:test:text"], ["v"])
        later.command(redis_client, "set", "sandi:test:also", "1", ex=60)
        later.after(lambda: seen.append("after"))
        raise RuntimeError("the step failed after its send")
    assert seen == ["after"]  # what depends on the trip still ran, the batch raised nothing
    assert redis_client.get("sandi:test:also") == "1"
    with pytest.raises(redis.ResponseError):
        answer.get()


def test_a_failing_write_still_runs_the_callbacks_then_raises(redis_client: redis.Redis) -> None:
    redis_client.set("sandi:test:text", "not a hash", ex=60)
    seen: list[str] = []
    with pytest.raises(redis.ResponseError), later.batch():
        later.command(redis_client, "hincrby", "sandi:test:text", "n", 1)
        later.after(lambda: seen.append("after"))
    assert seen == ["after"]


def test_a_nested_batch_leaves_the_sending_to_the_outer_one(redis_client: redis.Redis) -> None:
    """An inner batch (a start inside a flow's step) sends nothing at its end, even ended by
    an exception: its writes go with the outer batch's, and its questions stay asked."""
    with later.batch():
        with later.batch():
            later.command(redis_client, "set", "sandi:test:inner", "1", ex=60)
        with pytest.raises(RuntimeError), later.batch():
            later.command(redis_client, "set", "sandi:test:raised", "2", ex=60)
            raise RuntimeError("inside")
        assert later.active()
        assert redis_client.exists("sandi:test:inner", "sandi:test:raised") == 0
    assert not later.active()
    assert redis_client.mget("sandi:test:inner", "sandi:test:raised") == ["1", "2"]


def test_an_error_ending_a_batch_is_the_one_raised_after_its_writes_were_sent(
    redis_client: redis.Redis,
) -> None:
    """The step's own exception propagates unchanged (writes sent first); a batch that ended
    cleanly leaves no open batch behind, so the next write runs at once."""
    with pytest.raises(KeyError, match="mine"), later.batch(carry=later.carrier(60.0)):
        later.command(redis_client, "set", "sandi:test:before", "1", ex=60)
        raise KeyError("mine")
    assert redis_client.get("sandi:test:before") == "1" and not later.active()
    later.command(redis_client, "set", "sandi:test:after", "2", ex=60)
    assert redis_client.get("sandi:test:after") == "2"
