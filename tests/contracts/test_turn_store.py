"""The TurnStore contract, on Redis and in memory (see conftest.py).

What the turn runner and the handoff desk rely on: a held conversation is
saved whole or not at all, the replies to a MessageSid are kept for Twilio's
retries, one turn at a time per conversation in order of arrival, a dead
holder's lease runs out on the injected clock, and a turn that outlived its
lease cannot overwrite the turn that took over.
"""

from __future__ import annotations

import threading
from contextlib import ExitStack
from typing import Any

import pytest

from app.content.messages import LockTimeout, LostLock, Reply
from app.conversation.memory import MemoryTurnStore
from app.store.turns import TurnSettings
from tests.contracts.conftest import TurnStoreFactory
from tests.support.clock import FakeClock
from tests.support.polling import wait_for

CID = "wa:+6281234567890"


def save(store: Any, sid: str, replies: tuple[Reply, ...] = (), **session: Any) -> None:
    with store.hold(CID, sid) as held:
        held.conversation.session.update(session)
        held.conversation.profile["seen"] = held.conversation.profile.get("seen", 0) + 1
        held.save(replies)


def test_a_saved_turn_is_read_back_and_its_replies_kept(make_turns: TurnStoreFactory) -> None:
    store = make_turns()
    save(store, "SM1", (Reply(text="halo"),), step="ask")
    with store.hold(CID, "SM2") as held:
        assert held.answered is None
        assert held.conversation.session == {"step": "ask"}
        assert held.conversation.profile == {"seen": 1}
    with store.hold(CID, "SM1") as held:  # Twilio retrying SM1
        assert held.answered == (Reply(text="halo"),)
    assert store.answered(CID, "SM1") == (Reply(text="halo"),)


def test_a_failed_or_unsaved_turn_writes_nothing_and_frees_the_lock(
    make_turns: TurnStoreFactory,
) -> None:
    store = make_turns(wait_s=0.5)
    save(store, "SM1", step="one")
    with pytest.raises(RuntimeError), store.hold(CID, "SM2") as held:
        held.conversation.session["step"] = "half"
        raise RuntimeError("the bot failed")
    with store.hold(CID, "SM3") as held:
        held.conversation.session["step"] = "unsaved"  # no save(): nothing written
    with store.hold(CID, "SM4") as held:
        assert held.conversation.session == {"step": "one"}
    assert store.answered(CID, "SM2") is None and store.queued(CID) == 0


def test_profiles_are_read_together_in_order(make_turns: TurnStoreFactory) -> None:
    store = make_turns()
    save(store, "SM1")
    assert store.profiles([]) == []
    assert store.profiles(["sms:+621", CID]) == [{}, {"seen": 1}]


def test_an_empty_session_is_deleted_and_the_profile_kept(make_turns: TurnStoreFactory) -> None:
    store = make_turns()
    save(store, "SM1", step="one")
    with store.hold(CID, "SM2") as held:
        held.conversation.session.clear()
        held.save(())
    assert store.peek(CID).session == {} and store.peek(CID).profile == {"seen": 1}


def test_a_busy_conversation_times_out_inside_the_lease(make_turns: TurnStoreFactory) -> None:
    store = make_turns(lease_ms=60_000, wait_s=0.2)
    with ExitStack() as holding:
        holding.enter_context(store.hold(CID, "SM1"))
        with pytest.raises(LockTimeout), store.hold(CID, "SM2"):
            pass
        assert store.queued(CID) == 1  # the one that gave up left the queue
        with store.hold("wa:+6289999999999", "SM3"):  # other conversations are not blocked
            pass


def test_a_dead_holder_lapses_and_cannot_overwrite_its_successor(
    make_turns: TurnStoreFactory, clock: FakeClock
) -> None:
    store = make_turns(lease_ms=1_000, wait_s=0.2)
    dead = store.hold(CID, "SM1")
    held = dead.__enter__()  # a worker that froze mid-turn
    clock.advance(milliseconds=999)
    with pytest.raises(LockTimeout), store.hold(CID, "SM2"):
        pass
    clock.advance(milliseconds=2)
    save(store, "SM3", step="successor")
    held.conversation.session["step"] = "stale"
    held.save(())
    with pytest.raises(LostLock):
        dead.__exit__(None, None, None)
    assert store.peek(CID).session == {"step": "successor"}
    assert store.answered(CID, "SM1") is None and store.queued(CID) == 0


def test_waiting_turns_run_one_at_a_time_in_arrival_order(make_turns: TurnStoreFactory) -> None:
    store = make_turns(lease_ms=60_000, wait_s=10)
    order: list[int] = []
    inside = threading.Semaphore(1)

    def turn(i: int) -> None:
        with store.hold(CID, f"SM{i}") as held:
            assert inside.acquire(blocking=False), "two turns held one conversation"
            held.conversation.session.setdefault("seen", []).append(i)
            order.append(i)
            inside.release()
            held.save(())

    threads = []
    with ExitStack() as holding:
        holding.enter_context(store.hold(CID, "SM-first"))
        for i in range(8):
            thread = threading.Thread(target=turn, args=(i,))
            thread.start()
            threads.append(thread)
            wait_for(lambda n=i: store.queued(CID) == n + 2)
    for thread in threads:
        thread.join(timeout=20)
    assert order == list(range(8))
    assert store.peek(CID).session == {"seen": list(range(8))}


def test_the_fake_defaults_are_the_redis_stores_defaults() -> None:
    """The fake cannot import app.store (layers), so its defaults are pinned here."""
    redis_defaults, fake = TurnSettings(), MemoryTurnStore(lambda: 0.0)
    assert fake.lease_s * 1000 == redis_defaults.lease_ms and fake.wait_s == redis_defaults.wait_s
    assert fake.ttls == {
        "session": redis_defaults.session_ttl,
        "profile": redis_defaults.profile_ttl,
        "seen": redis_defaults.seen_ttl,
    }
