"""In-memory implementations of the conversation core's ports, for tests and for reasoning.

:class:`MemoryTurnStore` is :class:`app.store.turns.RedisTurnStore` written
again as plain Python: a FIFO queue of turn tokens per conversation, leases
judged on an injected clock (a waiter drops a holder whose lease ran out),
the replies to a MessageSid kept for Twilio's retries, and a commit fenced on
the token still holding the lock (:class:`LostLock` otherwise). Data lives
until its TTL on the same clock. :class:`MemoryHandoffIndex` and
:class:`MemoryRecordStore` stand for their Redis stores.

They let a test build :class:`app.conversation.engine.FlowBot` and
:class:`app.conversation.turns.TurnRunner` with no Redis, and
``tests/contracts`` runs one suite against these and the Redis stores. The
product never runs on them: :func:`app.wiring.services.build` wires Redis,
and nothing here is shared between processes or bounded in size.
"""

from __future__ import annotations

import copy
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from app.content.messages import Conversation, HeldConversation, LockTimeout, LostLock, Reply


@dataclass(slots=True)
class _Lock:
    queue: deque[str] = field(default_factory=deque)
    leases: dict[str, float] = field(default_factory=dict)  # token -> deadline, epoch s


class MemoryTurnStore:
    """:class:`app.conversation.ports.TurnStore` in memory (tests only, never the product).

    ``clock`` gives epoch seconds (leases and TTLs are judged on it, as the
    Redis store's are); ``wait_s`` is how long, in real time, a turn waits for
    a busy conversation before :class:`LockTimeout`.
    """

    def __init__(
        self,
        clock: Callable[[], float],
        *,
        lease_ms: int = 12_000,
        wait_s: float = 14.0,
        session_ttl: int = 30 * 60,
        profile_ttl: int = 400 * 86400,
        seen_ttl: int = 6 * 3600,
    ) -> None:
        self.clock = clock
        self.lease_s = lease_ms / 1000
        self.wait_s = wait_s
        self.ttls = {"session": session_ttl, "profile": profile_ttl, "seen": seen_ttl}
        self._cond = threading.Condition()
        self._locks: dict[str, _Lock] = {}
        self._data: dict[tuple[str, str], tuple[float, Any]] = {}  # key -> (deadline, value)

    @contextmanager
    def hold(self, conversation_id: str, message_sid: str) -> Iterator[HeldConversation]:
        token = secrets.token_hex(8)
        self._acquire(conversation_id, token)
        committed = False
        try:
            with self._cond:
                held = HeldConversation(
                    Conversation(
                        id=conversation_id,
                        session=self._read("session", conversation_id) or {},
                        profile=self._read("profile", conversation_id) or {},
                    ),
                    self._read("seen", f"{conversation_id}:{message_sid}"),
                )
            yield held
            if held.pending is not None:
                self._commit(conversation_id, message_sid, token, held)
                committed = True
        finally:
            if not committed:
                self._release(conversation_id, token)

    def queued(self, conversation_id: str) -> int:
        """How many turns hold or wait for a conversation (tests watch arrivals)."""
        with self._cond:
            return len(self._locks.get(conversation_id, _Lock()).queue)

    def answered(self, conversation_id: str, message_sid: str) -> tuple[Reply, ...] | None:
        """The replies recorded for a MessageSid (what Twilio's retries get)."""
        with self._cond:
            found: tuple[Reply, ...] | None = self._read("seen", f"{conversation_id}:{message_sid}")
            return found

    def peek(self, conversation_id: str) -> Conversation:
        """The stored session and profile, read without the lock."""
        with self._cond:
            return Conversation(
                id=conversation_id,
                session=self._read("session", conversation_id) or {},
                profile=self._read("profile", conversation_id) or {},
            )

    def profiles(self, conversation_ids: list[str]) -> list[dict[str, Any]]:
        with self._cond:
            return [self._read("profile", cid) or {} for cid in conversation_ids]

    # -- the lock ----------------------------------------------------------------

    def _acquire(self, conversation_id: str, token: str) -> None:
        """Queue, then wait (real time, ``wait_s``) to be at the head; expired heads drop."""
        deadline = time.monotonic() + self.wait_s
        with self._cond:
            lock = self._locks.setdefault(conversation_id, _Lock())
            lock.queue.append(token)
            while True:
                if token not in lock.queue:  # dropped by a waiter behind it
                    lock.leases.pop(token, None)
                    raise LockTimeout("conversation busy")
                now = self.clock()
                lock.leases[token] = now + self.lease_s  # renewed while waiting, as on Redis
                while lock.queue[0] != token:
                    head = lock.queue[0]
                    if lock.leases.get(head, now - 1) >= now:
                        break
                    lock.queue.popleft()  # a dead holder: its lease ran out
                    lock.leases.pop(head, None)
                if lock.queue[0] == token:
                    return
                left = deadline - time.monotonic()
                if left <= 0:
                    self._drop(lock, token)
                    raise LockTimeout("conversation busy")
                self._cond.wait(min(left, 0.05))

    def _commit(
        self, conversation_id: str, message_sid: str, token: str, held: HeldConversation
    ) -> None:
        with self._cond:
            lock = self._locks.setdefault(conversation_id, _Lock())
            if not lock.queue or lock.queue[0] != token:
                self._drop(lock, token)
                raise LostLock("turn outlived its lease; state not saved")
            conv = held.conversation
            if conv.session:
                self._write("session", conversation_id, conv.session)
            else:
                self._data.pop(("session", conversation_id), None)
            self._write("profile", conversation_id, conv.profile)
            self._write("seen", f"{conversation_id}:{message_sid}", tuple(held.pending or ()))
            self._drop(lock, token)

    def _release(self, conversation_id: str, token: str) -> None:
        with self._cond:
            self._drop(self._locks.setdefault(conversation_id, _Lock()), token)

    def _drop(self, lock: _Lock, token: str) -> None:
        if token in lock.queue:
            lock.queue.remove(token)
        lock.leases.pop(token, None)
        self._cond.notify_all()

    # -- data with TTLs ------------------------------------------------------------

    def _read(self, kind: str, key: str) -> Any:
        found = self._data.get((kind, key))
        if found is None:
            return None
        if found[0] <= self.clock():
            del self._data[(kind, key)]
            return None
        return copy.deepcopy(found[1])  # as JSON would: the turn's edits are its own

    def _write(self, kind: str, key: str, value: Any) -> None:
        self._data[(kind, key)] = (self.clock() + self.ttls[kind], copy.deepcopy(value))


class MemoryHandoffIndex:
    """:class:`app.conversation.ports.HandoffIndex` in memory; past entries stay until removed."""

    def __init__(self) -> None:
        self._until: dict[str, float] = {}

    def add(
        self, conversation_id: str, until: float, handoff: Mapping[str, Any] | None = None
    ) -> None:
        self._until[conversation_id] = until

    def remove(self, conversation_id: str) -> None:
        self._until.pop(conversation_id, None)

    def active(self, now: float) -> list[tuple[str, float]]:
        found = {cid: until for cid, until in self._until.items() if until > now}
        return sorted(found.items(), key=lambda item: (item[1], item[0]))


class MemoryRecordStore:
    """:class:`app.conversation.ports.RecordStore` in memory: newest last, capped at ``limit``."""

    def __init__(self, limit: int = 20) -> None:
        self.limit = limit
        self._records: dict[tuple[str, str], list[dict[str, Any]]] = {}

    def record(self, conversation_id: str, path: str, payload: Mapping[str, Any]) -> None:
        kept = self._records.setdefault((conversation_id, path), [])
        kept.append(copy.deepcopy(dict(payload)))
        del kept[: -self.limit]

    def records(self, conversation_id: str, path: str) -> list[dict[str, Any]]:
        return copy.deepcopy(self._records.get((conversation_id, path), []))
