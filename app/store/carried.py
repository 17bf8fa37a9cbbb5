"""Statistics written a moment after the answer: many requests' in one round trip.

An approving check's bookkeeping (the insights' approval in the hour the
verification started, the fraud guard's conversion credits) is statistics
that nobody waits for, kept under other hash tags than the verification and
keyed by the trace the check itself reads, so it cannot join the check's own
script on a Redis Cluster. Sent before the check answers, it was the check's
second round trip. A :class:`Carrier` takes it instead and a writer thread of
this process sends it at most ``delay`` seconds later, with every other
request's of that interval: one trip for many checks, none on their path.

The price, chosen on purpose: a process killed outright (SIGKILL, the OOM
killer) loses the last interval's statistics (50 ms by default; never a
verification, a code, a limit or a delivery record: those are written before
the answer, as ever), and another process reads them that much later. A clean
exit (gunicorn's ``worker_exit``, ``atexit``) writes them first, and
:func:`settle` lets a reader in this process (the insights report, the fraud
guard's admin) see its own writes. A write that fails is logged by the
``send`` given, as a failed statistics write always was.
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
import time
import weakref
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")

#: Past this many waiting writes the request that adds one sends them itself, so a
#: writer thread starved of the GIL never lets memory grow without bound.
MAX_WAITING = 5_000
#: The writer thread ends after this many idle intervals (a new write starts another):
#: an idle process, or one of the many apps a test run builds, keeps no thread.
IDLE_INTERVALS = 100

_CARRIERS: weakref.WeakSet[Carrier[object]] = weakref.WeakSet()


class Carrier(Generic[T]):
    """Holds writes for at most ``delay`` seconds, then hands them to ``send`` together."""

    def __init__(self, send: Callable[[list[T]], None], delay: float) -> None:
        self.send = send
        self.delay = delay
        if delay <= 0:
            raise ValueError("a carrier needs a delay above 0 (0 means: send at once)")
        self._reset()
        _CARRIERS.add(self)  # type: ignore[arg-type]

    def _reset(self) -> None:
        self._lock = threading.Lock()
        #: Held while writes are taken and sent (always before ``_lock``): a take or a
        #: settle waits for a send in flight to land, so that what this process reads
        #: next (a start's screening, the insights report) includes its own writes.
        self._sending = threading.Lock()
        self._waiting: list[T] = []
        self._wake = threading.Condition(self._lock)
        self._writer: threading.Thread | None = None

    def add(self, writes: Sequence[T]) -> None:
        with self._lock:
            self._waiting.extend(writes)
            overfull = len(self._waiting) >= MAX_WAITING
            if not overfull and self._writer is None:
                self._writer = threading.Thread(
                    target=self._write_on, name="sandi-carried-stats", daemon=True
                )
                self._writer.start()
            self._wake.notify()
        if overfull:
            self.settle()

    def settle(self) -> None:
        """Send what waits now, in this thread (after any send in flight has landed)."""
        with self._sending:
            with self._lock:
                writes, self._waiting = self._waiting, []
            if writes:
                self._send(writes)

    def take(self, which: Callable[[T], bool]) -> list[T]:
        """Take the waiting writes ``which`` selects (they are the caller's to send now),
        once any send in flight has landed: the trip they ride reads after them."""
        with self._sending, self._lock:
            if not self._waiting:
                return []
            taken = [w for w in self._waiting if which(w)]
            if len(taken) == len(self._waiting):  # all of them (one client: the usual case)
                self._waiting = []
            elif taken:
                self._waiting = [w for w in self._waiting if not which(w)]
        return taken

    def waiting(self) -> int:
        with self._lock:
            return len(self._waiting)

    def _write_on(self) -> None:
        idle = 0
        while True:
            with self._lock:
                if not self._waiting and not self._wake.wait(self.delay):
                    idle += 1
                    if idle >= IDLE_INTERVALS:
                        self._writer = None
                        return
                    continue
            idle = 0
            time.sleep(self.delay)  # the interval's other writes join: one trip for all
            self.settle()

    def _send(self, writes: list[T]) -> None:
        try:
            self.send(writes)
        except Exception:  # the writer thread must live on; send logs what it knows
            log.exception("cannot send %d carried statistics writes", len(writes))


def settle() -> None:
    """Send every carrier's waiting writes in this process (a reader's first step)."""
    for carrier in list(_CARRIERS):
        carrier.settle()


def take(which: Callable[[T], bool]) -> list[T]:
    """Take the waiting writes ``which`` selects from every carrier in this process."""
    if not _CARRIERS:
        return []
    taken: list[T] = []
    for carrier in list(_CARRIERS):
        taken += carrier.take(which)  # type: ignore[arg-type]
    return taken


def drop() -> None:
    """Forget every waiting write in this process (a test's end: its statistics are its own)."""
    for carrier in list(_CARRIERS):
        with carrier._lock:
            carrier._waiting = []


def _forked() -> None:
    # A forked child has no writer thread, and the parent's writes are the parent's
    # to send (sent here too, they would count twice).
    for carrier in list(_CARRIERS):
        carrier._reset()


atexit.register(settle)
os.register_at_fork(after_in_child=_forked)
