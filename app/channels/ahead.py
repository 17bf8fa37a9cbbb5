"""A send's first round trip asked ahead, to ride the caller's (``Channels.prepare``).

Before a code goes out the dispatcher reads the address's opt-outs and claims
the send's attempt record (:meth:`SendAttempts.begin_unless`), a round trip of
its own after the OTP core's. When the core knows the send before its own
trip (a new verification's first send: its id and generation are chosen
before the claim), the same questions are queued with
:func:`app.store.trip.soon` and go in that trip; the delivery then takes the
answer instead of asking again. A send asked ahead that never happens (the
start was refused, blocked, or found a code pending) has its claim dropped by
the release function: nothing went out under it, and its id was never given.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextvars import ContextVar

from app.store.attempts import SendAttempts, Verdict


class _Ahead:
    __slots__ = ("answer", "key", "to", "used")

    def __init__(self, key: str, to: str, answer: Callable[[], tuple[Verdict, bool]]) -> None:
        self.key, self.to, self.answer = key, to, answer
        self.used = False


#: The send asked ahead in this thread (or task), until its delivery takes it or it is released.
_AHEAD: ContextVar[_Ahead | None] = ContextVar("sandi_send_ahead", default=None)


def nothing() -> None:
    """Nothing was asked ahead: nothing to release."""


def ask(
    attempts: SendAttempts, key: str, to: str, now: float, flags: Sequence[tuple[str, str]]
) -> Callable[[], None]:
    """Queue attempt ``key``'s claim and ``flags``' read; returns the release function."""
    ahead = _Ahead(key, to, attempts.begin_unless_soon(key, now, flags))
    _AHEAD.set(ahead)

    def release() -> None:
        if _AHEAD.get() is ahead:
            _AHEAD.set(None)
        if ahead.used:
            return
        ahead.used = True
        try:
            verdict, _ = ahead.answer()
        except Exception:  # the trip failed: nothing is known to have been claimed
            return
        if verdict.state == "go":
            attempts.forget(key)

    return release


def begin(
    attempts: SendAttempts,
    key: str,
    to: str,
    now: float,
    flags: Callable[[], Sequence[tuple[str, str]]],
) -> tuple[Verdict, bool]:
    """:meth:`SendAttempts.begin_unless` for attempt ``key`` to ``to``: the answer asked
    ahead when there is one (taken once), else in a round trip of its own. ``flags``
    gives the opt-out flags to read, asked only then (the answer ahead read them)."""
    ahead = _AHEAD.get()
    if ahead is None or ahead.used or ahead.key != key or ahead.to != to:
        return attempts.begin_unless(key, now, flags())
    ahead.used = True
    _AHEAD.set(None)
    verdict, flagged = ahead.answer()
    if flagged and verdict.state == "go":  # as begin_unless: nothing goes out
        attempts.mark(key, "unreached", now)
    return verdict, flagged
