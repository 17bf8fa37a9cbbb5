"""One Redis round trip with as little Python as possible between Sandi and the socket.

redis-py spends more of an OTP pair's CPU than Sandi's own code: per command
its packer, retry wrapper, response callbacks and observability hooks, per
round trip a connection pool checkout with its bookkeeping. :func:`run` sends
a list of commands and scripts (:func:`script`, :func:`command`) as one
pipeline on one connection checked out of the client's own pool (so
Sentinel, TLS and the pool's limits hold), packed by hiredis (a
dependency), read with hiredis's reader (RESP2 or RESP3, redis-py 8's default:
a push notification between replies goes to the parser's handler, as redis-py
would), and returns the raw replies: no response callbacks (``HEXISTS``
answers 0 or 1, not a bool). A script Redis forgot (a restart, a failover) is loaded and run
again, with the others that missed, in one more trip; a dropped connection is
retried under the client's own ``Retry`` policy, as redis-py would.

Each script stays atomic and keeps its keys under one hash tag; a pipeline of
scripts of different tags is fine on one server. On a Redis Cluster, whose
pipelines refuse scripts, :func:`run` goes one by one through the cluster
client, each call on its own slot.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Callable, Sequence
from contextvars import ContextVar
from operator import itemgetter
from typing import Any, Generic, NamedTuple, TypeVar

import redis
from hiredis import pack_command
from redis._parsers import _HiredisParser
from redis._parsers import hiredis as _hiredis_parser
from redis.commands.core import Script
from redis.exceptions import ConnectionError, NoScriptError, ResponseError
from redis.exceptions import TimeoutError as RedisTimeout
from redis.retry import Retry

from app.store.connection import RedisClient

#: What hiredis's reader answers while a reply is incomplete, as redis-py sets it up
#: (its own sentinel object since redis-py 8; ``False`` before).
_NOT_ENOUGH = getattr(_hiredis_parser, "NOT_ENOUGH_DATA", False)


class Call(NamedTuple):
    """A command's words; for a script, the script and how many of the words are keys."""

    words: tuple[Any, ...]
    script: Script | None = None
    nkeys: int = 0


#: ``Call``'s fields as a tuple, made without the named tuple's own ``__new__`` (a Python
#: function: a frame per call, and a pair makes ~30 of them).
_new_call: Callable[[type[Call], tuple[Any, Script | None, int]], Call] = tuple.__new__


#: A call's words (``Call.words``), read in C.
_words: Callable[[Call], tuple[Any, ...]] = itemgetter(0)


def script(script_: Script, keys: Sequence[str], args: Sequence[Any]) -> Call:
    """``EVALSHA`` of a registered script (loaded on demand)."""
    n = len(keys)
    return _new_call(Call, (("EVALSHA", script_.sha, n, *keys, *args), script_, n))


def command(*words: Any) -> Call:
    """A plain command, e.g. ``command("HMGET", key, "a", "b")``."""
    return _new_call(Call, (words, None, 0))


def call(client: RedisClient, script_: Script, keys: Sequence[str], args: Sequence[Any]) -> Any:
    """One script, one round trip: its reply (an error reply is raised)."""
    return run(client, [script(script_, keys, args)])[0]


def run(client: RedisClient, calls: Sequence[Call], *, errors: bool = False) -> list[Any]:
    """The replies of ``calls``, sent in one round trip (one by one on a cluster).

    An error reply is raised (the first one, once every call has run), or
    with ``errors=True`` returned in its place.
    """
    if not calls:
        return []
    if not isinstance(client, redis.Redis):
        replies = [_one(client, c) for c in calls]
    else:
        replies = _pipelined(client, calls)
    if not errors and any(map(_is_error, replies)):  # the scan in C, as _pipelined's
        raise next(r for r in replies if isinstance(r, Exception))
    return replies


#: ``isinstance(reply, Exception)`` as a C function of the reply alone.
_is_error: Callable[[Any], bool] = Exception.__instancecheck__


def _one(client: RedisClient, c: Call) -> Any:
    try:
        if c.script is not None:
            n = c.nkeys
            return c.script(
                keys=list(c.words[3 : 3 + n]), args=list(c.words[3 + n :]), client=client
            )
        return client.execute_command(*c.words)  # type: ignore[no-untyped-call]
    except ResponseError as err:
        return err


def _pipelined(client: redis.Redis, calls: Sequence[Call]) -> list[Any]:
    replies = _send(client, calls)
    # Nearly every trip has no NOSCRIPT reply: the scan for one runs in C (no frame, no
    # bytecode per reply); only a trip with one lists which.
    if any(map(_is_noscript, replies)):
        _rerun_missed(client, calls, replies)
    return replies


#: ``isinstance(reply, NoScriptError)`` as a C function of the reply alone.
_is_noscript: Callable[[Any], bool] = NoScriptError.__instancecheck__


def _rerun_missed(client: redis.Redis, calls: Sequence[Call], replies: list[Any]) -> None:
    """Load the scripts Redis forgot (none of those calls ran) and run those again."""
    missed = [i for i, r in enumerate(replies) if isinstance(r, NoScriptError)]
    if missed:  # Redis forgot scripts (none of those ran): load them, run those again
        for script_ in {calls[i].script for i in missed}:
            if script_ is not None:
                client.script_load(script_.script)
        again = _send(client, [calls[i] for i in missed])
        for i, reply in zip(missed, again, strict=True):
            replies[i] = reply


def _reply(conn: Any) -> Any:
    try:
        return conn.read_response()
    except ResponseError as err:
        return err


def _send(client: redis.Redis, calls: Sequence[Call]) -> list[Any]:
    pool = client.connection_pool
    retry = client.get_retry()  # asked once a trip: redis-py's getter is a Python call
    if retry is not None:
        return _on(_pinned(pool), retry, calls)
    # Without a Retry policy a socket the server closed while idle would fail the trip:
    # the pool's checkout peeks at it first (Sandi's own clients always have one).
    conn = pool.get_connection()
    try:
        return _on(conn, None, calls)
    finally:
        pool.release(conn)


def _pinned(pool: redis.ConnectionPool) -> Any:
    """This thread's own connection of ``pool``: checked out on the thread's first trip
    and kept until the thread ends (then released to the pool).

    A checkout and release costs ~30 µs of CPU in the request path (the pool's
    lock and bookkeeping, and three system calls to peek at the socket), about a
    tenth of an OTP pair; a trip never leaves its connection half-read (it is
    disconnected on any error and reconnects on its next use), and a socket the
    server closed while idle fails one attempt, which the client's Retry
    repeats on a fresh connection (redis-py's health check also pings one idle
    for longer than ``health_check_interval``). gunicorn's threads live as long
    as their worker, so this holds one connection per thread, as the pool
    would at full load; a server that starts a thread per request gives each
    pin back when the thread ends. A forked child checks out its own: the
    parent's sockets are not its to use.
    """
    local: threading.local | None = pool.__dict__.get("_sandi_pins")
    if local is None:
        local = pool.__dict__.setdefault("_sandi_pins", threading.local())
    pin: _Pin | None = getattr(local, "pin", None)
    if pin is None or pin.pid != os.getpid():
        if pin is not None:
            pin.conn = None  # the parent's: neither used nor released here
        pin = local.pin = _Pin(pool, pool.get_connection())  # may raise: nothing pinned
    return pin.conn


class _Pin:
    """A connection held by one thread; released when the thread's locals go."""

    __slots__ = ("conn", "pid", "pool")

    def __init__(self, pool: redis.ConnectionPool, conn: Any) -> None:
        self.pool, self.pid, self.conn = pool, os.getpid(), conn

    def __del__(self) -> None:
        if self.conn is not None and self.pid == os.getpid():
            # At interpreter exit the pool may be half torn down: nothing left to give back to.
            with contextlib.suppress(Exception):
                self.pool.release(self.conn)


def _on(conn: Any, retry: Retry | None, calls: Sequence[Call]) -> list[Any]:
    """``calls`` on ``conn`` under the client's ``retry`` (None: one attempt)."""
    packed = b"".join(map(pack_command, map(_words, calls)))  # packed in C, call by call

    def attempt() -> list[Any]:
        if conn._sock is None:  # connect() as the pool would: a Sentinel's finds the master
            conn.connect()
        conn.send_packed_command([packed])
        parser = conn._parser
        reader = getattr(parser, "_reader", None)
        if (
            not isinstance(parser, _HiredisParser)
            or reader is None
            or conn.protocol not in (2, "2", 3, "3")
        ):
            return [_reply(conn) for _ in calls]  # pragma: no cover - hiredis is a dependency
        try:
            replies = _read(parser, reader, len(calls))
        except TimeoutError:  # socket.timeout; as redis-py's read_response: errors its Retry knows
            raise RedisTimeout(f"Timeout reading from {conn._host_error()}") from None
        except OSError as err:
            where = conn._host_error()
            raise ConnectionError(f"Error while reading from {where}: {err.args}") from err
        if conn.health_check_interval:
            conn.next_health_check = time.monotonic() + conn.health_check_interval
        return replies

    def failed(_: Exception) -> None:
        conn.disconnect()

    try:
        result: list[Any] = attempt() if retry is None else retry.call_with_retry(attempt, failed)
    except BaseException:
        conn.disconnect()  # replies may be left unread: never reuse it half-read
        raise
    return result


#: Replies whose type needs no look inside: most of a trip's.
_PLAIN = frozenset({str, bytes, int, type(None)})


def _read(parser: Any, reader: Any, count: int) -> list[Any]:
    """``count`` replies with hiredis's reader straight (redis-py's layers cost more than
    it); a push between replies (RESP3) goes to the parser's handler, as redis-py does.

    A plain reply (a string, a number, nil) is taken as it is; anything else (a list,
    more data needed, a push, an error, RESP3's other types) goes through :func:`_odd`,
    which checks it as redis-py's ``read_response`` would.
    """
    gets = reader.gets
    replies: list[Any] = []
    for _ in range(count):
        reply = gets()
        if type(reply) not in _PLAIN:
            reply = _odd(parser, reader, reply)
        replies.append(reply)  # an error reply is a ResponseError instance
    return replies


def _odd(parser: Any, reader: Any, reply: Any) -> Any:
    """The whole reply ``reply`` began (reading the socket and handing pushes over while
    it is not there yet); a connection error (``LOADING``, ...) is raised, as redis-py."""
    push = getattr(parser, "_hiredis_PushNotificationType", None)  # RESP3 only
    while reply is _NOT_ENOUGH or (push is not None and isinstance(reply, push)):
        if reply is _NOT_ENOUGH:
            parser.read_from_socket()
        else:
            parser.handle_push_response(reply)
        reply = reader.gets()
    if isinstance(reply, ConnectionError):
        raise reply
    if isinstance(reply, list) and reply and isinstance(reply[0], ConnectionError):
        raise reply[0]
    return reply


# -- Calls whose answer can wait for the next round trip -------------------------------------

T = TypeVar("T")

_QUEUE: ContextVar[list[_Soon[Any]] | None] = ContextVar("sandi_trip_soon", default=None)


class _Soon(Generic[T]):
    """Queued calls and how to read their replies; resolved by :func:`_flush`."""

    __slots__ = ("calls", "client", "decode", "done", "error", "value")

    def __init__(
        self, client: RedisClient, calls: Sequence[Call], decode: Callable[[list[Any]], T]
    ) -> None:
        self.client, self.calls, self.decode = client, calls, decode
        self.done = False
        self.error: BaseException | None = None
        self.value: Any = None

    def result(self) -> T:
        if not self.done:
            _flush()
        if self.error is not None:
            raise self.error
        value: T = self.value
        return value


def soon(
    client: RedisClient, calls: Sequence[Call], decode: Callable[[list[Any]], T]
) -> Callable[[], T]:
    """Queue ``calls``; the returned function gives ``decode(replies)``.

    The first such function called sends every call queued so far (in this
    thread or task) in one round trip, so independent questions share it:
    ``a = soon(...); b = soon(...); a(); b()`` is one trip. Error replies come
    to ``decode`` as exceptions; a failed trip raises from every function.
    """
    queue = _QUEUE.get()
    if queue is None:
        queue = []
        _QUEUE.set(queue)
    entry: _Soon[T] = _Soon(client, calls, decode)
    queue.append(entry)
    return entry.result


def drop_pending() -> None:
    """Forget calls queued by :func:`soon` whose answer nobody asked for (a step that
    raised between queueing and asking): they must not ride a later request's trip."""
    queue = _QUEUE.get()
    if queue:
        queue.clear()


class Riders(NamedTuple):
    """Writes that ride a trip ahead of its own calls, and who is given their replies."""

    calls: list[Call]
    landed: Callable[[list[Any]], None]


#: Gives the writes waiting to ride ``client``'s next trip of queued calls (the carried
#: statistics of :mod:`app.store.later`), or None; set by that module.
riders: Callable[[RedisClient], Riders | None] | None = None


def _flush() -> None:
    queue = _QUEUE.get() or []
    entries = list(queue)
    queue.clear()
    by_client: dict[int, list[_Soon[Any]]] = {}
    for entry in entries:
        by_client.setdefault(id(entry.client), []).append(entry)
    for group in by_client.values():
        calls = [c for entry in group for c in entry.calls]
        ahead = riders(group[0].client) if riders is not None else None
        if ahead is not None:  # sent first: the questions behind them read what they wrote
            calls = ahead.calls + calls
        try:
            replies = run(group[0].client, calls, errors=True)
        except Exception as err:  # the trip itself failed: every answer is that failure
            if ahead is not None:
                ahead.landed([err] * len(ahead.calls))
            for entry in group:
                entry.error, entry.done = err, True
            continue
        if ahead is not None:
            ahead.landed(replies[: len(ahead.calls)])
            replies = replies[len(ahead.calls) :]
        at = 0
        for entry in group:
            mine, at = replies[at : at + len(entry.calls)], at + len(entry.calls)
            try:
                entry.value = entry.decode(mine)
            except Exception as err:
                entry.error = err
            entry.done = True
