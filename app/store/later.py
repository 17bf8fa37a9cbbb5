"""Writes nobody waits for, sent together in one round trip at the end of a step.

An OTP start's bookkeeping after the provider took the message (the send
attempt marked sent, the delivery noted on the verification, the insights'
counters and trace) and an approval's (the insights' hour, the fraud guard's
credits) need no answer: each was a round trip of its own. Inside
:func:`batch` the stores queue them here instead, and the batch sends them
in one pipeline when the step ends, before the request answers, so they are
as durable as before: only the waiting is shared. Outside a batch (a job, a
CLI command, a test calling a store) every write runs at once, as ever.

Each queued write keeps its own atomicity (a script is one script, a plain
command one command); a write is never read back inside its own batch. On
a Redis Cluster, whose pipelines refuse scripts, the writes run one by one,
in order. A batched write marked ``quiet`` (statistics) is logged when it
fails, as :class:`app.otp.insights.Insights` always did; any other failure
is raised once every write has been tried. Outside a batch every failure is
raised to the caller, whose own handling applies.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

import redis
from redis.commands.core import Script

from app.store import trip
from app.store.connection import RedisClient

log = logging.getLogger(__name__)


@dataclass(slots=True)
class _Write:
    client: RedisClient
    command: str  # a client method name ("hincrby") or "" for a script
    args: tuple[Any, ...]
    kwargs: dict[str, Any] = field(default_factory=dict)
    script: Script | None = None
    quiet: str = ""  # what failed, for the log line ("" = raise)


_QUEUE: ContextVar[list[_Write] | None] = ContextVar("sandi_write_behind", default=None)


def command(client: RedisClient, name: str, *args: Any, quiet: str = "", **kwargs: Any) -> None:
    """Run ``client.<name>(*args, **kwargs)`` now, or at the end of the open batch."""
    _queue_or_run([_Write(client, name, args, kwargs, quiet=quiet)])


def script(
    client: RedisClient, script_: Script, keys: Sequence[str], args: Sequence[Any], quiet: str = ""
) -> None:
    """Run a registered script now, or at the end of the open batch."""
    _queue_or_run([_Write(client, "", (list(keys), list(args)), script=script_, quiet=quiet)])


def commands(client: RedisClient, build: Callable[[Any], None], quiet: str = "") -> None:
    """Several plain commands: ``build`` calls them on a recorder (a pipeline's methods)."""
    recorder = _Recorder(client, quiet)
    build(recorder)
    _queue_or_run(recorder.writes)


class _Recorder:
    """Looks like a pipeline to ``build``; remembers the commands it is given."""

    def __init__(self, client: RedisClient, quiet: str) -> None:
        self.client = client
        self.quiet = quiet
        self.writes: list[_Write] = []

    def __getattr__(self, name: str) -> Callable[..., None]:
        def record(*args: Any, **kwargs: Any) -> None:
            self.writes.append(_Write(self.client, name, args, kwargs, quiet=self.quiet))

        return record


def active() -> bool:
    """Is a batch open (a write queued now is sent at its end, its answer unknown here)?"""
    return _QUEUE.get() is not None


def _queue_or_run(writes: list[_Write]) -> None:
    queue = _QUEUE.get()
    if queue is not None:
        queue.extend(writes)
    else:  # at once: every failure is the caller's, as without this module
        _send(writes, log_quiet=False)


@contextmanager
def batch() -> Iterator[None]:
    """Queue the writes of the step inside; send them when it ends (even by an exception:
    what happened before it, a send that went out, must still be recorded)."""
    if _QUEUE.get() is not None:  # nested: the outer batch sends
        yield
        return
    queue: list[_Write] = []
    token = _QUEUE.set(queue)
    try:
        yield
    finally:
        _QUEUE.reset(token)
        trip.drop_pending()  # questions of the step never asked (it raised): not sent later
        _send(queue, log_quiet=True)


def _send(writes: list[_Write], *, log_quiet: bool) -> None:
    if not writes:
        return
    client = writes[0].client
    if not isinstance(client, redis.Redis) or any(w.client is not client for w in writes):
        errors = [_run_one(w) for w in writes]
    else:
        errors = _pipelined(client, writes)
    loud = [
        err for err, w in zip(errors, writes, strict=True) if err and not (w.quiet and log_quiet)
    ]
    for err, w in zip(errors, writes, strict=True):
        if err and w.quiet and log_quiet:
            log.error("cannot %s (%s)", w.quiet, type(err).__name__)
    if loud:
        raise loud[0]


def _run_one(write: _Write) -> Exception | None:
    try:
        if write.script is not None:
            keys, args = write.args
            write.script(keys=keys, args=args, client=write.client)
        else:
            getattr(write.client, write.command)(*write.args, **write.kwargs)
    except redis.RedisError as err:
        return err
    return None


def _pipelined(client: redis.Redis, writes: list[_Write]) -> list[Exception | None]:
    """One round trip (:mod:`app.store.trip`: a script Redis forgot is loaded and run again)."""
    calls = [trip.script(w.script, *w.args) if w.script is not None else _call(w) for w in writes]
    try:
        results = trip.run(client, calls, errors=True)
    except redis.RedisError as err:  # the connection itself failed: nothing is known
        return [err] * len(writes)
    return [result if isinstance(result, Exception) else None for result in results]


def _call(write: _Write) -> trip.Call:
    """A queued client method call as the command's words (the options Sandi uses)."""
    words: list[Any] = [write.command.upper(), *write.args]
    options = dict(write.kwargs)
    mapping = options.pop("mapping", None)
    if mapping:
        for name, value in mapping.items():
            words += [name, value]
    for option in ("ex", "px"):
        if options.get(option) is not None:
            words += [option.upper(), options.pop(option)]
    if options:
        raise TypeError(f"later: options {sorted(options)} of {write.command} are not supported")
    return trip.command(*words)
