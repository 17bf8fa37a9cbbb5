"""One conversation is handled one message at a time, in order of arrival."""

from __future__ import annotations

import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from app.store import keys
from app.web.current import EXTENSION
from tests.support.polling import wait_for
from tests.support.twilio_webhooks import CUSTOMER, Twilio, inbound_form

CONVERSATION = f"wa:{CUSTOMER}"


def history(redis_client) -> list[str]:
    raw = redis_client.get(keys.session(CONVERSATION))
    return [entry["in"] for entry in json.loads(raw)["history"]] if raw else []


@pytest.mark.slow
def test_twenty_queued_messages_run_in_arrival_order(app, redis_client) -> None:
    """Messages that arrive while a turn runs wait, then run first-come first-served."""
    store = app.extensions[EXTENSION].turns.store
    lock_keys = [keys.lock_queue(CONVERSATION), keys.lock_leases(CONVERSATION)]
    store.acquire(lock_keys, "test-holder")  # a long turn in progress
    responses: list = [None] * 20

    def post(i: int) -> None:
        responses[i] = Twilio(app.test_client()).post(inbound_form(f"pesan {i}"))

    threads = []
    for i in range(20):
        thread = threading.Thread(target=post, args=(i,))
        thread.start()
        threads.append(thread)
        # Arrival order is the order tokens join the queue; wait for each to join.
        wait_for(lambda n=i: redis_client.llen(lock_keys[0]) == n + 2)
    redis_client.lrem(lock_keys[0], 1, "test-holder")
    redis_client.zrem(lock_keys[1], "test-holder")
    for thread in threads:
        thread.join(timeout=30)

    assert all(r is not None and r.status_code == 200 for r in responses)
    assert history(redis_client) == [f"pesan {i}" for i in range(20)]
    assert redis_client.llen(lock_keys[0]) == 0


@pytest.mark.slow
def test_concurrent_messages_lose_no_update(app, redis_client) -> None:
    def post(i: int):
        return Twilio(app.test_client()).post(inbound_form(f"m{i}"))

    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(post, range(20)))
    assert [r.status_code for r in results] == [200] * 20
    assert sorted(history(redis_client)) == sorted(f"m{i}" for i in range(20))


def test_a_dead_holder_delays_the_conversation_but_never_wedges_it(
    app_config, redis_client, clock
) -> None:
    """Leases run on the app's injected clock (as every other script's time does)."""
    from app import create_app

    app_config["SANDI_LOCK_TIMEOUT_MS"] = "300"
    app = create_app(app_config)
    store = app.extensions[EXTENSION].turns.store
    lock_keys = [keys.lock_queue(CONVERSATION), keys.lock_leases(CONVERSATION)]
    store.acquire(lock_keys, "crashed-worker")  # never released: its lease runs out
    # Inside the lease the conversation waits, and a webhook that waited too long is retried.
    assert Twilio(app.test_client()).send("halo").status_code == 503
    assert history(redis_client) == []
    clock.advance(milliseconds=301)
    response = Twilio(app.test_client()).send("halo")
    assert response.status_code == 200
    assert history(redis_client) == ["halo"]


def test_other_customers_are_not_blocked_by_a_busy_conversation(app, redis_client) -> None:
    store = app.extensions[EXTENSION].turns.store
    store.acquire([keys.lock_queue(CONVERSATION), keys.lock_leases(CONVERSATION)], "busy")
    started = time.monotonic()
    response = Twilio(app.test_client()).send("halo", sender="+6281111111111")
    assert response.status_code == 200
    assert time.monotonic() - started < 2
