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
command one command); a write is never read back inside its own batch. A
script whose reply the caller does need, but not before the batch goes (a
start's delivery tracking: did a status callback race ahead of it?), is
queued with :func:`ask`: its :class:`Answer` is known once the batch is
sent, and :func:`after` runs what depends on it then. :func:`flush` sends
what the batch holds so far, at once, so a step can read those answers before
it ends: still one round trip for everything queued before it. On
a Redis Cluster, whose pipelines refuse scripts, the writes run one by one,
in order. A batched write marked ``quiet`` (statistics) is logged when it
fails, as :class:`app.otp.insights.Insights` always did; any other failure
is raised once every write has been tried. Outside a batch every failure is
raised to the caller, whose own handling applies.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from contextvars import ContextVar, Token
from dataclasses import dataclass, field
from typing import Any

import redis
from redis.commands.core import Script

from app.store import carried, trip
from app.store.carried import Carrier
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
    answer: Answer | None = None  # set by ask(): the reply goes there, errors too


class Answer:
    """The reply of a script queued by :func:`ask`, known once its batch is sent."""

    __slots__ = ("_error", "_value", "ready")

    def __init__(self) -> None:
        self.ready = False
        self._value: Any = None
        self._error: Exception | None = None

    def _set(self, value: Any) -> None:
        self._value, self._error = (None, value) if isinstance(value, Exception) else (value, None)
        self.ready = True

    def get(self) -> Any:
        """The reply (an error reply, or the trip's failure, is raised); sends the open
        batch first if it has not gone yet."""
        if not self.ready:
            flush()
        if not self.ready:
            raise RuntimeError("later: asked for the reply of a batch that was dropped")
        if self._error is not None:
            raise self._error
        return self._value


@dataclass(slots=True)
class _Batch:
    writes: list[_Write] = field(default_factory=list)
    afters: list[Callable[[], None]] = field(default_factory=list)

    def take(self) -> tuple[list[_Write], list[Callable[[], None]]]:
        writes, afters = self.writes, self.afters
        self.writes, self.afters = [], []
        return writes, afters


_QUEUE: ContextVar[_Batch | None] = ContextVar("sandi_write_behind", default=None)


def command(client: RedisClient, name: str, *args: Any, quiet: str = "", **kwargs: Any) -> None:
    """Run ``client.<name>(*args, **kwargs)`` now, or at the end of the open batch."""
    _queue_or_run([_Write(client, name, args, kwargs, quiet=quiet)])


def script(
    client: RedisClient, script_: Script, keys: Sequence[str], args: Sequence[Any], quiet: str = ""
) -> None:
    """Run a registered script now, or at the end of the open batch."""
    _queue_or_run([_Write(client, "", (list(keys), list(args)), script=script_, quiet=quiet)])


def scripts(
    client: RedisClient,
    calls: Sequence[tuple[Script, Sequence[str], Sequence[Any]]],
    quiet: str = "",
) -> None:
    """Several registered scripts: now (one round trip), or at the end of the open batch."""
    _queue_or_run(
        [_Write(client, "", (list(k), list(a)), script=s, quiet=quiet) for s, k, a in calls]
    )


def ask(client: RedisClient, script_: Script, keys: Sequence[str], args: Sequence[Any]) -> Answer:
    """A script whose reply the caller needs after the batch is sent (at once outside one).

    It rides the batch's round trip like any write; its reply, or its error
    (never raised by the batch: the asker decides), is in the :class:`Answer`.
    """
    answer = Answer()
    _queue_or_run([_Write(client, "", (list(keys), list(args)), script=script_, answer=answer)])
    return answer


def after(then: Callable[[], None]) -> None:
    """Run ``then`` once the writes queued so far are sent: at the next :func:`flush` or at
    the batch's end (even one ended by an exception); outside a batch, at once. For work
    that needs an :class:`Answer` and must happen whether or not the step reads it."""
    queue = _QUEUE.get()
    if queue is None:
        then()
    else:
        queue.afters.append(then)


def flush() -> None:
    """Send what the open batch holds now (one round trip), then run its :func:`after`
    callbacks; the batch stays open for what follows. Outside a batch: nothing queued.

    Raises as the batch's end would (the first loud failure, once all was tried).
    """
    queue = _QUEUE.get()
    if queue is not None:
        _send_and_run(*queue.take(), log_quiet=True)


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
        queue.writes.extend(writes)
    else:  # at once: every failure is the caller's, as without this module
        _send(writes, log_quiet=False)


def batch(carry: Carrier[_Write] | None = None) -> AbstractContextManager[None]:
    """Queue the writes of the step inside; send them when it ends (even by an exception:
    what happened before it, a send that went out, must still be recorded).

    ``carry``: the statistics among them (``quiet`` writes nobody asked the
    reply of) go to that :class:`app.store.carried.Carrier` instead, sent a
    moment later with other requests' (see there for the price). Inside an open
    batch it is no batch of its own: the outer one sends.
    """
    return _Scope(carry)


class _Scope:
    """:func:`batch`'s context: a class, not a generator under ``contextmanager`` (whose
    wrapper adds four calls a batch; an OTP pair opens four)."""

    __slots__ = ("carry", "queue", "token")

    def __init__(self, carry: Carrier[_Write] | None) -> None:
        self.carry = carry
        self.queue: _Batch | None = None
        self.token: Token[_Batch | None] | None = None

    def __enter__(self) -> None:
        if _QUEUE.get() is None:  # nested: the outer batch sends
            self.queue = _Batch()
            self.token = _QUEUE.set(self.queue)

    def __exit__(self, *_: object) -> None:
        queue, token = self.queue, self.token
        if queue is None or token is None:
            return
        self.queue = self.token = None
        _QUEUE.reset(token)
        trip.drop_pending()  # questions of the step never asked (it raised): not sent later
        writes, afters = queue.take()
        if self.carry is not None and writes:
            carried = [w for w in writes if w.quiet and w.answer is None]
            if carried:
                self.carry.add(carried)
                writes = [w for w in writes if not w.quiet or w.answer is not None]
        _send_and_run(writes, afters, log_quiet=True)


def carrier(delay: float) -> Carrier[_Write]:
    """A carrier for :func:`batch` whose writes are sent ``delay`` seconds later at most."""
    return Carrier(send_carried, delay)


def send_carried(writes: list[_Write]) -> None:
    """Carried writes, one round trip per client; a failure is logged, as in a batch."""
    by_client: dict[int, list[_Write]] = {}
    for w in writes:
        by_client.setdefault(id(w.client), []).append(w)
    for group in by_client.values():
        _send(group, log_quiet=True)


def _send_and_run(
    writes: list[_Write], afters: list[Callable[[], None]], *, log_quiet: bool
) -> None:
    """The writes, then every callback waiting for them (even when a write failed: what
    went out is known); the first failure is raised once all of it has run."""
    failure: Exception | None = None
    try:
        _send(writes, log_quiet=log_quiet)
    except Exception as err:
        failure = err
    for then in afters:
        try:
            then()
        except Exception as err:
            failure = failure or err
    if failure is not None:
        raise failure


def _send(writes: list[_Write], *, log_quiet: bool) -> None:
    if not writes:
        return
    client = writes[0].client
    if not isinstance(client, redis.Redis) or any(w.client is not client for w in writes):
        replies = [_run_one(w) for w in writes]
    else:
        replies = _pipelined(client, writes)
    _landed(writes, replies, log_quiet=log_quiet)


def _riders(client: RedisClient) -> trip.Riders | None:
    """The carried statistics waiting for ``client``, to ride its next trip of questions
    (:data:`app.store.trip.riders`): a start's fraud screening reads the credits this
    process's last approvals gave, at no round trip of their own."""
    writes: list[_Write] = carried.take(lambda w: w.client is client)
    if not writes:
        return None
    return trip.Riders(
        [_as_call(w) for w in writes],
        lambda replies: _landed(writes, replies, log_quiet=True),
    )


def _landed(writes: list[_Write], replies: list[Any], *, log_quiet: bool) -> None:
    """Hand each reply to its asker, log the quiet failures, raise the first loud one."""
    loud: Exception | None = None  # the first failure not only logged: raised once all ran
    for reply, w in zip(replies, writes, strict=True):
        if w.answer is not None:  # the asker reads it, error or not
            w.answer._set(reply)
        elif isinstance(reply, Exception):
            if w.quiet and log_quiet:
                log.error("cannot %s (%s)", w.quiet, type(reply).__name__)
            elif loud is None:
                loud = reply
    if loud is not None:
        raise loud


def _run_one(write: _Write) -> Any:
    """One write on its own (a cluster client: each on its own slot): its reply or error."""
    try:
        if write.script is not None:
            keys, args = write.args
            return write.script(keys=keys, args=args, client=write.client)
        return getattr(write.client, write.command)(*write.args, **write.kwargs)
    except redis.RedisError as err:
        return err


def _pipelined(client: redis.Redis, writes: list[_Write]) -> list[Any]:
    """One round trip (:mod:`app.store.trip`: a script Redis forgot is loaded and run
    again): the replies, an error reply in its place."""
    calls = [_as_call(w) for w in writes]
    try:
        return trip.run(client, calls, errors=True)
    except redis.RedisError as err:  # the connection itself failed: nothing is known
        return [err] * len(writes)


def _as_call(write: _Write) -> trip.Call:
    return trip.script(write.script, *write.args) if write.script is not None else _call(write)


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


trip.riders = _riders
