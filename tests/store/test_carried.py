"""Carried statistics (app.store.carried): an approval's bookkeeping leaves the check's
round trip and lands a moment later, with others', or ahead of the next questions."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
import redis

from app.store import carried, later, trip
from app.store.carried import Carrier
from tests.support.socket_writes import count_trips

ROOT = Path(__file__).resolve().parents[2]


def _sent_with(event: threading.Event) -> Carrier[Any]:
    """A carrier that signals each send it made (how a test waits for the writer thread)."""

    def send(writes: list[Any]) -> None:
        later.send_carried(writes)
        event.set()

    return Carrier(send, delay=0.01)


def test_a_carrying_batch_sends_its_loud_writes_and_keeps_the_statistics(
    redis_client: redis.Redis, monkeypatch: pytest.MonkeyPatch
) -> None:
    carrier = later.carrier(60.0)  # the writer thread would wait a minute: a test settles
    trips = count_trips(monkeypatch)
    with later.batch(carry=carrier):
        later.command(redis_client, "set", "sandi:test:loud", "1", ex=60)
        later.command(redis_client, "set", "sandi:test:stat", "1", ex=60, quiet="count x")
    assert len(trips) == 1 and redis_client.get("sandi:test:loud") == "1"
    assert redis_client.exists("sandi:test:stat") == 0 and carrier.waiting() == 1
    with later.batch(carry=carrier):  # statistics alone: no round trip at all
        later.command(redis_client, "hincrby", "sandi:test:hits", "n", 1, quiet="count x")
    assert len(trips) == 3  # the exists() read above, then nothing
    carrier.settle()
    assert redis_client.get("sandi:test:stat") == "1"
    assert redis_client.hget("sandi:test:hits", "n") == "1"
    assert 0 < redis_client.ttl("sandi:test:stat") <= 60 and carrier.waiting() == 0


def test_the_writer_thread_sends_one_interval_s_writes_in_one_trip(
    redis_client: redis.Redis, monkeypatch: pytest.MonkeyPatch
) -> None:
    landed = threading.Event()
    carrier = _sent_with(landed)
    trips = count_trips(monkeypatch)
    for n in range(3):
        with later.batch(carry=carrier):
            later.command(redis_client, "hincrby", "sandi:test:many", "n", n, quiet="count x")
    assert landed.wait(5), "the writer thread never sent"
    assert redis_client.hget("sandi:test:many", "n") == "3"
    assert len(trips) == 2  # the writer's one pipeline, and the read


def test_carried_writes_ride_ahead_of_the_next_questions(
    redis_client: redis.Redis, monkeypatch: pytest.MonkeyPatch
) -> None:
    carrier = later.carrier(60.0)
    with later.batch(carry=carrier):
        later.command(redis_client, "set", "sandi:test:credit", "7", ex=60, quiet="count x")
    trips = count_trips(monkeypatch)
    read = trip.soon(redis_client, [trip.command("GET", "sandi:test:credit")], lambda r: r[0])
    assert read() == "7"  # the question, behind the carried write, reads what it wrote
    assert len(trips) == 1 and carrier.waiting() == 0


def test_only_the_trip_s_own_client_takes_its_writes(redis_url: str) -> None:
    first = redis.Redis.from_url(redis_url, decode_responses=True)
    other = redis.Redis.from_url(redis_url, decode_responses=True)
    carrier = later.carrier(60.0)
    with later.batch(carry=carrier):
        later.command(first, "set", "sandi:test:mine", "1", ex=60, quiet="count x")
    trip.soon(other, [trip.command("PING")], lambda r: r[0])()
    assert carrier.waiting() == 1 and other.exists("sandi:test:mine") == 0
    carrier.settle()
    assert other.get("sandi:test:mine") == "1"


def test_a_carried_failure_is_logged_and_the_others_land(
    redis_client: redis.Redis, caplog: pytest.LogCaptureFixture
) -> None:
    redis_client.set("sandi:test:text", "not a hash")
    carrier = later.carrier(60.0)
    with later.batch(carry=carrier):
        later.command(redis_client, "hincrby", "sandi:test:text", "n", 1, quiet="count y")
        later.command(redis_client, "set", "sandi:test:fine", "1", ex=60, quiet="count z")
    with caplog.at_level(logging.ERROR, logger="app.store.later"):
        trip.soon(redis_client, [trip.command("PING")], lambda r: r[0])()
    assert "cannot count y (ResponseError)" in caplog.text
    assert redis_client.get("sandi:test:fine") == "1"


def test_a_full_carrier_is_sent_by_the_request_that_fills_it(
    redis_client: redis.Redis, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(carried, "MAX_WAITING", 3)
    carrier = later.carrier(60.0)
    for _ in range(3):
        with later.batch(carry=carrier):
            later.command(redis_client, "incr", "sandi:test:full", quiet="count x")
    assert redis_client.get("sandi:test:full") == "3" and carrier.waiting() == 0
    redis_client.delete("sandi:test:full")


def test_an_idle_writer_thread_ends(
    redis_client: redis.Redis, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(carried, "IDLE_INTERVALS", 2)
    landed = threading.Event()
    carrier = _sent_with(landed)
    with later.batch(carry=carrier):
        later.command(redis_client, "incr", "sandi:test:idle", quiet="count x")
    assert landed.wait(5)
    writer = carrier._writer
    if writer is not None:  # it may have ended already
        writer.join(5)
        assert not writer.is_alive()
    assert carrier._writer is None


def test_a_forked_child_does_not_send_its_parent_s_writes(redis_client: redis.Redis) -> None:
    carrier = later.carrier(60.0)
    with later.batch(carry=carrier):
        later.command(redis_client, "incr", "sandi:test:forked", quiet="count x")
    pid = os.fork()
    if pid == 0:  # the child: nothing waits here, and its exit sends nothing
        os._exit(0 if carrier.waiting() == 0 else 1)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert redis_client.exists("sandi:test:forked") == 0 and carrier.waiting() == 1
    carrier.settle()
    assert redis_client.get("sandi:test:forked") == "1"


def test_a_clean_exit_writes_what_waits(redis_client: redis.Redis, redis_url: str) -> None:
    program = (
        "import redis\n"
        "from app.store import later\n"
        f"client = redis.Redis.from_url({redis_url!r})\n"
        "carrier = later.carrier(60.0)\n"
        "with later.batch(carry=carrier):\n"
        "    later.command(client, 'set', 'sandi:test:exit', 'written', ex=60, quiet='count x')\n"
        "assert carrier.waiting() == 1\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", program], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert redis_client.get("sandi:test:exit") == "written"


def test_a_carrier_needs_a_delay() -> None:
    with pytest.raises(ValueError, match="above 0"):
        Carrier(later.send_carried, delay=0)


def test_taking_some_writes_leaves_the_others_waiting_in_order() -> None:
    """take() hands over what it selects, all of it or some; the rest keep their order."""
    sent: list[list[int]] = []
    carrier: Carrier[int] = Carrier(sent.append, delay=60.0)
    carrier.add([1, 2, 3, 4, 5])
    assert carrier.take(lambda n: n % 2 == 0) == [2, 4]
    assert carrier.take(lambda n: n > 10) == [] and carrier.waiting() == 3
    assert carrier.take(lambda n: True) == [1, 3, 5] and carrier.waiting() == 0
    carrier.add([6, 7])
    assert carrier.take(lambda n: n == 7) == [7]
    carrier.settle()
    assert sent == [[6]]


@pytest.mark.parametrize("reader", ["take", "settle"])
def test_a_reader_waits_for_the_writes_a_send_in_flight_carries(reader: str) -> None:
    """The writer thread has taken an interval's writes and is sending them: a start's
    trip (which takes its riders first) or the insights report (which settles first) in
    another thread must read after they landed, not between the take and the landing."""
    in_flight, release = threading.Event(), threading.Event()
    landed: list[int] = []

    def send(writes: list[int]) -> None:
        in_flight.set()
        release.wait(10)
        landed.extend(writes)

    carrier = Carrier(send, delay=60.0)
    carrier.add([1, 2])
    writer = threading.Thread(target=carrier.settle)  # the writer thread's own step
    writer.start()
    assert in_flight.wait(10)
    seen: list[list[int]] = []

    def read() -> None:
        carrier.take(lambda w: True) if reader == "take" else carrier.settle()
        seen.append(list(landed))  # what a read right after this step would find

    other = threading.Thread(target=read)
    other.start()
    other.join(0.2)  # a reader that does not wait is done by now, having seen nothing
    release.set()
    writer.join(10)
    other.join(10)
    assert seen == [[1, 2]]
