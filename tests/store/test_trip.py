"""One round trip (app.store.trip): calls queued with soon() share the first trip
anyone asks for, a script Redis forgot is loaded and run again, error replies
come back in their place, and unasked questions never ride a later trip."""

from __future__ import annotations

import gc
import os
import threading
from pathlib import Path
from typing import Any

import pytest
import redis
from redis.connection import Connection
from redis.exceptions import ResponseError

from app.store import trip
from app.store.connection import connect
from tests.support.socket_writes import count_trips

_ECHO = "return {KEYS[1], ARGV[1]}"


def test_questions_asked_soon_share_one_round_trip(
    redis_client: redis.Redis, monkeypatch: pytest.MonkeyPatch
) -> None:
    echo = redis_client.register_script(_ECHO)
    redis_client.script_load(_ECHO)
    redis_client.set("sandi:test:trip:a", "1", ex=60)
    trip.run(redis_client, [trip.command("PING")])  # the pool's connection, connected
    trips = count_trips(monkeypatch)
    first = trip.soon(redis_client, [trip.script(echo, ["k"], ["v"])], lambda r: r[0])
    second = trip.soon(
        redis_client,
        [trip.command("GET", "sandi:test:trip:a"), trip.command("HGET", "sandi:test:trip:a", "f")],
        lambda r: r,
    )
    assert trips == []  # nothing sent until an answer is asked for
    assert second()[0] == "1" and isinstance(second()[1], ResponseError)  # WRONGTYPE, in place
    assert first() == ["k", "v"]
    assert trips == [1]  # the script and both commands: one trip


def test_a_script_redis_forgot_is_loaded_and_run_once(
    redis_process: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = redis.Redis.from_url(redis_process.url, decode_responses=True)
    incr = client.register_script("return redis.call('INCR', KEYS[1])")
    key = "sandi:test:trip:n"
    client.script_flush()
    assert trip.run(client, [trip.script(incr, [key], []), trip.command("EXPIRE", key, 60)])[0] == 1
    client.script_flush()
    assert trip.call(client, incr, [key], []) == 2  # counted once, not twice


def test_error_replies_are_raised_unless_asked_for(redis_client: redis.Redis) -> None:
    redis_client.set("sandi:test:trip:s", "x", ex=60)
    calls = [trip.command("INCR", "sandi:test:trip:s"), trip.command("GET", "sandi:test:trip:s")]
    with pytest.raises(ResponseError):
        trip.run(redis_client, calls)
    replies = trip.run(redis_client, calls, errors=True)
    assert isinstance(replies[0], ResponseError) and replies[1] == "x"


def test_questions_nobody_asked_never_ride_a_later_trip(redis_client: redis.Redis) -> None:
    key = "sandi:test:trip:dropped"
    trip.soon(redis_client, [trip.command("SET", key, "1", "EX", 60)], lambda r: r)
    trip.drop_pending()  # the step raised before asking (app.store.later.batch does this)
    assert trip.call(redis_client, redis_client.register_script(_ECHO), ["k"], ["v"])
    assert redis_client.get(key) is None


@pytest.mark.parametrize("protocol", [2, 3])
def test_replies_are_read_by_hiredis_in_resp2_and_resp3(
    redis_url: str, redis_client: redis.Redis, protocol: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same replies as redis-py's own reading, without its per-reply layers (redis-py 8
    speaks RESP3 by default); replies larger than one socket read come whole."""
    client = redis.Redis.from_url(redis_url, decode_responses=True, protocol=protocol)
    big = "x" * 200_000
    client.hset("sandi:test:trip:h", mapping={"a": "1", "b": big})
    client.expire("sandi:test:trip:h", 60)
    calls = [
        trip.command("HGETALL", "sandi:test:trip:h"),
        trip.command("HMGET", "sandi:test:trip:h", "a", "nope"),
        trip.command("INCR", "sandi:test:trip:h"),  # WRONGTYPE, in its place
        trip.command("EVAL", "return {1, 'two', {3}}", 0),
    ]
    slow: list[int] = []
    original = Connection.read_response

    def counted(conn: Connection, *args: Any, **kwargs: Any) -> Any:
        slow.append(1)
        return original(conn, *args, **kwargs)

    replies = trip.run(client, calls, errors=True)
    monkeypatch.setattr(Connection, "read_response", counted)
    assert trip.run(client, calls, errors=True)[:2] == replies[:2]
    assert slow == []  # hiredis's reader straight
    monkeypatch.undo()
    hgetall = (
        replies[0] if protocol == 3 else dict(zip(replies[0][::2], replies[0][1::2], strict=True))
    )
    assert hgetall == {"a": "1", "b": big}
    assert replies[1] == ["1", None] and isinstance(replies[2], ResponseError)
    assert replies[3] == [1, "two", [3]]
    client.close()


def test_a_resp3_push_between_replies_goes_to_its_handler(
    redis_url: str, redis_client: redis.Redis
) -> None:
    """Client-side caching's invalidation arrives as a push on the connection itself."""
    client = redis.Redis.from_url(redis_url, decode_responses=True, protocol=3)
    key = "sandi:test:trip:tracked"
    redis_client.set(key, "1", ex=60)
    assert trip.run(client, [trip.command("CLIENT", "TRACKING", "ON")]) == ["OK"]
    assert trip.run(client, [trip.command("GET", key)]) == ["1"]
    redis_client.set(key, "2", ex=60)  # Redis pushes "invalidate" to the tracking connection
    assert trip.run(client, [trip.command("GET", key), trip.command("PING")]) == ["2", "PONG"]
    client.close()


@pytest.mark.parametrize("protocol", [2, 3])
def test_a_connection_the_server_dropped_is_retried_as_redis_py_would(
    redis_url: str, redis_client: redis.Redis, protocol: int
) -> None:
    """A reset or closed socket while reading is redis-py's ConnectionError (which its Retry
    retries on a fresh connection), never a bare OSError out of the request."""
    client = redis.Redis.from_url(redis_url, decode_responses=True, protocol=protocol)
    for _ in range(3):
        (mine,) = trip.run(client, [trip.command("CLIENT", "ID")])
        redis_client.client_kill_filter(_id=mine)
        assert trip.run(client, [trip.command("PING"), trip.command("ECHO", "x")]) == [
            "PONG",
            "x",
        ]
    client.close()


def _sandis_client(redis_url: str) -> redis.Redis:
    """A client as Sandi connects (app.store.connection: with a Retry policy)."""
    client = connect(redis_url, Path("/nonexistent"))
    assert isinstance(client, redis.Redis) and client.get_retry() is not None
    return client


@pytest.mark.parametrize("protocol", [2, 3])
def test_a_pinned_connection_the_server_dropped_is_retried_on_a_fresh_one(
    redis_url: str, redis_client: redis.Redis, protocol: int
) -> None:
    client = redis.Redis.from_url(
        redis_url,
        decode_responses=True,
        protocol=protocol,
        retry=_sandis_client(redis_url).get_retry(),
    )
    for _ in range(3):
        (mine,) = trip.run(client, [trip.command("CLIENT", "ID")])
        redis_client.client_kill_filter(_id=mine)
        assert trip.run(client, [trip.command("PING"), trip.command("ECHO", "x")]) == ["PONG", "x"]
    client.close()


def test_a_thread_keeps_one_connection_and_gives_it_back_when_it_ends(redis_url: str) -> None:
    """Trips of one thread share its pinned connection; a thread per request (a dev
    server's) leaks none: each ended thread's connection goes back to the pool."""
    client = _sandis_client(redis_url)
    pool = client.connection_pool
    ids: list[set[int]] = []

    held: list[int] = []

    def requests() -> None:
        ids.append({trip.run(client, [trip.command("CLIENT", "ID")])[0] for _ in range(5)})
        held.append(len(pool._in_use_connections))  # type: ignore[attr-defined]  # kept between trips

    for _ in range(20):
        worker = threading.Thread(target=requests)
        worker.start()
        worker.join()
    gc.collect()
    assert [len(seen) for seen in ids] == [1] * 20  # one connection per thread's trips
    assert held == [1] * 20
    assert pool._created_connections == 1  # type: ignore[attr-defined]  # and given back each time
    assert not pool._in_use_connections  # type: ignore[attr-defined]
    client.close()


def test_a_forked_child_uses_a_connection_of_its_own(redis_url: str) -> None:
    client = _sandis_client(redis_url)
    mine = trip.run(client, [trip.command("CLIENT", "ID")])[0]
    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - runs in the child
        code = 1
        try:
            os.write(write, str(trip.run(client, [trip.command("CLIENT", "ID")])[0]).encode())
            code = 0
        finally:
            os._exit(code)
    os.close(write)
    theirs = int(os.read(read, 64) or b"0")
    os.close(read)
    assert os.waitpid(child, 0)[1] == 0
    assert theirs and theirs != mine
    assert trip.run(client, [trip.command("CLIENT", "ID")])[0] == mine  # the parent's, untouched
    client.close()


def test_calls_are_the_named_tuples_their_fields_say(redis_client: redis.Redis) -> None:
    """script() and command() build a Call without its own __new__: the same value."""
    echo = redis_client.register_script(_ECHO)
    made = trip.script(echo, ["k"], ["a", 1])
    assert type(made) is trip.Call
    assert made == trip.Call(("EVALSHA", echo.sha, 1, "k", "a", 1), echo, 1)
    assert (made.words, made.script, made.nkeys) == (("EVALSHA", echo.sha, 1, "k", "a", 1), echo, 1)
    plain = trip.command("GET", "k")
    assert type(plain) is trip.Call and plain == trip.Call(("GET", "k")) and plain.nkeys == 0


@pytest.mark.parametrize(
    "wire",
    [b"-LOADING Redis is loading the dataset in memory\r\n", b"*1\r\n-LOADING loading\r\n"],
    ids=["reply", "first-of-a-list"],
)
def test_a_connection_error_reply_is_raised_as_redis_py_would(wire: bytes) -> None:
    """A reply hiredis makes a ConnectionError (LOADING, a replica's MASTERDOWN) ends the
    trip, alone or first in a list; other replies, plain or not, come in their place."""
    from hiredis import Reader
    from redis._parsers import _HiredisParser
    from redis.exceptions import BusyLoadingError

    parser = _HiredisParser(65536)
    reader = Reader(replyError=parser.parse_error, notEnoughData=trip._NOT_ENOUGH)
    reader.feed(b"+OK\r\n:1\r\n*2\r\n$1\r\na\r\n-ERR nope\r\n%1\r\n+k\r\n:2\r\n-ERR x\r\n")
    first = trip._read(parser, reader, 5)
    assert first[:2] == [b"OK", 1] and first[2][0] == b"a" and first[3] == {b"k": 2}
    assert isinstance(first[2][1], ResponseError)
    assert isinstance(first[4], ResponseError) and not isinstance(first[4], BusyLoadingError)
    reader.feed(b"+OK\r\n" + wire)
    with pytest.raises(BusyLoadingError):
        trip._read(parser, reader, 2)


def test_a_client_without_a_retry_policy_checks_out_a_connection_per_trip(
    redis_url: str,
) -> None:
    """No Retry: one attempt, on a connection the pool lends for the trip and takes back."""
    client = redis.Redis.from_url(redis_url, decode_responses=True, retry=None)
    assert client.get_retry() is None
    pool = client.connection_pool
    assert trip.run(client, [trip.command("PING"), trip.command("ECHO", "x")]) == ["PONG", "x"]
    assert pool._in_use_connections == set() and len(pool._available_connections) == 1  # type: ignore[attr-defined]
    assert "_sandi_pins" not in pool.__dict__  # nothing pinned to the thread
    client.close()
