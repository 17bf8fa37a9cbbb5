"""Issue 18: the events webhook, received by a real loopback server that checks the signature."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask

from app import create_app
from tests.support.backend_server import BackendServer
from tests.support.chat import Chat
from tests.support.clock import FakeClock
from tests.support.jobs import run_jobs, run_scheduled
from tests.support.staff import services_of
from tests.support.twilio_webhooks import CUSTOMER, Twilio

SECRET = "events-secret-for-the-helpdesk"
CID = f"wa:{CUSTOMER}"


@pytest.fixture
def receiver() -> Iterator[BackendServer]:
    server = BackendServer(SECRET).start()
    yield server
    server.stop()


@pytest.fixture
def events_app(app_config: dict[str, Any], redis_client: Any, receiver: BackendServer) -> Flask:
    app_config.update(SANDI_EVENTS_URL=receiver.url + "/sandi/events", SANDI_EVENTS_SECRET=SECRET)
    return create_app(app_config)


def _events(receiver: BackendServer) -> list[dict[str, Any]]:
    assert all(c.signature_ok for c in receiver.calls), "an event was not signed right"
    assert all(c.path == "/sandi/events" for c in receiver.calls)
    return [c.json for c in receiver.calls]


def test_handoff_reply_and_release_are_sent_as_signed_events(
    events_app: Flask, receiver: BackendServer
) -> None:
    svc = services_of(events_app)
    chat = Chat(Twilio(events_app.test_client()))
    chat.say("halo")
    chat.say("cs")
    assert receiver.calls == []  # never in the request: a job sends it
    assert run_jobs(svc) == 1
    [started] = _events(receiver)
    assert started["type"] == "handoff.started" and started["id"].startswith("evt_")
    assert started["data"]["conversation"] == CID and started["data"]["name"] == "Budi"
    call = receiver.calls[0]
    assert call.headers["X-Sandi-Event"] == "handoff.started"
    assert call.headers["X-Sandi-Event-Id"] == started["id"]
    sent, _ = svc.inbox.reply(CID, "sari", "Halo, saya Sari")
    assert sent.sent
    svc.inbox.release(CUSTOMER, None, "sari")
    run_jobs(svc)
    kinds = [(e["type"], e["data"].get("reason")) for e in _events(receiver)]
    assert kinds == [
        ("handoff.started", None),
        ("handoff.staff_reply", None),
        ("handoff.ended", "released"),
    ]
    reply = _events(receiver)[1]["data"]
    assert (reply["by"], reply["text"], reply["via"]) == ("sari", "Halo, saya Sari", "text")
    assert _events(receiver)[2]["data"]["customer_told"] is True


def test_an_event_the_receiver_refuses_is_retried_by_rq_until_it_is_taken(
    events_app: Flask, receiver: BackendServer
) -> None:
    svc = services_of(events_app)
    receiver.reply = (503, b"{}")
    Chat(Twilio(events_app.test_client())).say("cs")
    run_jobs(svc)
    assert len(receiver.calls) == 1
    receiver.reply = (204, b"")
    assert run_scheduled(svc, "event-") == 1  # rq's retry, made due now
    assert len(receiver.calls) == 2
    first, second = _events(receiver)
    assert first["id"] == second["id"]  # the same event: a receiver dedupes on the id


def test_verification_approved_and_failed_are_events(
    events_app: Flask, receiver: BackendServer
) -> None:
    svc = services_of(events_app)
    chat = Chat(Twilio(events_app.test_client()))
    chat.say("halo")
    chat.say("1")
    chat.say("sms")
    code = next(m["code"] for m in reversed(svc.outbox.read(CUSTOMER)) if m.get("code"))
    chat.say(code)
    run_jobs(svc)
    [approved] = [e for e in _events(receiver) if e["type"].startswith("verification.")]
    assert approved["type"] == "verification.approved"
    assert approved["data"]["to"] == CUSTOMER and approved["data"]["status"] == "approved"


def test_nobody_replies_in_time_the_flows_on_timeout_answers(
    events_app: Flask, receiver: BackendServer, clock: FakeClock
) -> None:
    svc = services_of(events_app)
    chat = Chat(Twilio(events_app.test_client()))
    chat.say("halo")
    chat.say("cs")
    clock.advance(minutes=10)
    assert run_scheduled(svc, "handoff-noreply-") >= 1
    told = [m["body"] for m in svc.outbox.read(CUSTOMER)]
    assert told[-1].startswith("Maaf, semua petugas kami sedang sibuk.")
    assert svc.inbox.waiting() == []
    run_jobs(svc)
    ended = [e for e in _events(receiver) if e["type"] == "handoff.ended"]
    assert [e["data"]["reason"] for e in ended] == ["no_reply"]
    # The bot is back: the next message is answered.
    assert "1." in chat.say("menu")


def test_stop_during_a_handoff_ends_it_with_an_event(
    events_app: Flask, receiver: BackendServer
) -> None:
    svc = services_of(events_app)
    chat = Chat(Twilio(events_app.test_client()))
    chat.say("cs")
    chat.say("stop")
    run_jobs(svc)
    ended = [e["data"] for e in _events(receiver) if e["type"] == "handoff.ended"]
    assert ended == [
        {"conversation": CID, "channel": "whatsapp", "number": CUSTOMER, "reason": "bot"}
    ]
    assert svc.inbox.waiting() == []


@pytest.mark.slow
def test_a_real_sandi_worker_delivers_the_events(
    app_config: dict[str, Any], redis_client: Any, receiver: BackendServer, tmp_path: Any
) -> None:
    """The request only stores and enqueues; a separate ``sandi worker`` process posts."""
    from tests.support.polling import wait_for
    from tests.support.worker_process import worker_env, workers

    app_config.pop("clock", None)  # the worker runs on real time
    app_config.update(SANDI_EVENTS_URL=receiver.url + "/sandi/events", SANDI_EVENTS_SECRET=SECRET)
    app = create_app(app_config)
    Chat(Twilio(app.test_client())).say("cs")
    assert receiver.calls == []
    with workers(worker_env(app_config), tmp_path) as pool:
        pool.start()
        wait_for(lambda: receiver.calls, 60, 0.05, what="the event")
    [started] = _events(receiver)
    assert started["type"] == "handoff.started" and started["data"]["conversation"] == CID
    assert services_of(app).redis.get(f"sandi:{{event:{started['id']}}}:payload") is None
