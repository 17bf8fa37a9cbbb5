"""Fallbacks on real ``sandi worker`` processes: killed mid-job, sends under dropped
connections, fallback on silence. Real Redis (the test database), the real twilio
client, the fake Twilio reached through TWILIO_API_BASE_URL.

The app in the test process starts verifications and enqueues jobs exactly as
the status webhook does; the workers are separate processes built from the
same settings. No sleeping for time to pass: every wait polls for a result.
"""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from app import create_app
from app.config import ROOT
from app.wiring.services import Services
from tests.channels.conftest import deliver
from tests.support.chat import Chat
from tests.support.fake_twilio import FakeTwilio
from tests.support.polling import wait_for
from tests.support.twilio_webhooks import Twilio
from tests.support.worker_process import worker_env, workers

pytestmark = pytest.mark.slow


def numbers(count: int, prefix: str = "+62813") -> list[str]:
    return [f"{prefix}{i:07d}" for i in range(count)]


@pytest.fixture
def job_config(live_config: dict[str, Any]) -> dict[str, Any]:
    """Real time (the workers share it), short leases, fast maintenance."""
    live_config.pop("clock", None)
    live_config.update(
        {
            "SANDI_JOB_TIMEOUT": "3",
            "SANDI_JOB_MAINTENANCE_INTERVAL": "1",
            "SANDI_FALLBACK": "whatsapp>sms",
            "SANDI_FALLBACK_WAIT_WHATSAPP": "0",
        }
    )
    return live_config


def build(config: dict[str, Any]) -> tuple[Flask, Services]:
    app = create_app(config)
    return app, app.extensions["sandi"]


def sms(fake: FakeTwilio) -> list[str]:
    """The To of every SMS the fake accepted (dropped connections included)."""
    return [
        r.get("To") or ""
        for r in fake.created("Messages")
        if not (r.get("To") or "").startswith("whatsapp:")
    ]


def drained(services: Services, expected: int) -> bool:
    """``expected`` distinct jobs ended, none waiting or running (a job id enqueued
    twice runs twice and ends once in the registries)."""
    assert services.jobs is not None
    q = services.jobs.queue
    done = q.finished_job_registry.count + q.failed_job_registry.count
    return done >= expected and not len(q) and not q.started_job_registry.count


def start_whatsapp(services: Services, to: list[str]) -> list[tuple[str, str]]:
    """(verification id, WhatsApp message id) for a code sent to each number."""
    started = []
    for number in to:
        v = services.otp.start(number, "whatsapp", "login").verification
        record = services.otp.store.get(v.id)
        assert record is not None
        started.append((v.id, str(record["message_id"])))
    return started


def test_fifty_fallbacks_with_the_worker_killed_mid_job_send_fifty_sms_each_once(
    job_config: dict[str, Any], redis_client: Any, fake_twilio: FakeTwilio, tmp_path: Path
) -> None:
    _, services = build(job_config)
    started = start_whatsapp(services, numbers(50))
    assert services.jobs is not None
    for vid, sid in started:
        services.jobs.fallback(vid, "whatsapp", sid)  # what an "undelivered" callback enqueues
    fake_twilio.slow(0.15)  # every SMS is in flight for a while: the kill lands mid-request
    with workers(worker_env(job_config), tmp_path) as pool:
        first = pool.start()
        wait_for(lambda: len(sms(fake_twilio)) + inflight(fake_twilio) >= 12, 60, what="sends")
        pool.kill(first)  # SIGKILL in the middle of a send the fake has received
        killed_at = len(fake_twilio.requests)
        second: Any = pool.start()
        wait_for(lambda: len(fake_twilio.requests) > killed_at + 5, 60, what="second worker")
        pool.kill(second)  # and once more, for good measure
        pool.start()
        wait_for(lambda: drained(services, 50), 90, 0.1, what="every job done")
        log = pool.output()
    sent = sms(fake_twilio)
    assert len(sent) == 50 and len(set(sent)) == 50, Counter(sent).most_common(3)
    q = services.jobs.queue
    assert q.failed_job_registry.count == 0, log
    reruns = [j for j in q.finished_job_registry.get_job_ids() if rerun(services, j)]
    assert reruns, "no job was run again after its worker died"


def inflight(fake: FakeTwilio) -> int:
    return sum(1 for r in fake.requests if r.status == 0)


def rerun(services: Services, job_id: str) -> bool:
    assert services.jobs is not None
    job = services.jobs.queue.fetch_job(job_id)
    return job is not None and (job.retries_left or 0) < services.jobs.settings.retries


def test_a_thousand_sends_with_a_tenth_of_connections_dropped_reach_the_fake_once_each(
    job_config: dict[str, Any], redis_client: Any, fake_twilio: FakeTwilio, tmp_path: Path
) -> None:
    """A dropped connection is never retried; and every 10th job runs twice (as a job
    rerun after a crash would), so reruns meet both sent and in-doubt sends: they send
    nothing. Sized to take ~40 s on a busy 2-core machine (1,000 starts, 1,100 jobs)."""
    _, services = build(job_config)
    to = numbers(1000, "+62814")
    started = start_whatsapp(services, to)
    assert services.jobs is not None
    fake_twilio.drop_every(10)
    for i, (vid, sid) in enumerate(started):
        services.jobs.fallback(vid, "whatsapp", sid)
        if i % 10 in (0, 9):  # both before and after the drops (the 10th, 20th... create)
            services.jobs.fallback(vid, "whatsapp", sid)  # the same job, enqueued again
    with workers(worker_env(job_config), tmp_path) as pool:
        pool.start()
        pool.start()
        wait_for(lambda: drained(services, 1000), 180, 0.2, what="every job")
    sent = sms(fake_twilio)
    duplicates = [n for n, c in Counter(sent).items() if c > 1]
    assert len(sent) == 1000 and set(sent) == set(to) and duplicates == []
    dropped = [r for r in fake_twilio.requests if r.dropped and r.get("To") in set(to)]
    assert 90 <= len(dropped) <= 110  # every 10th accepted create
    attempts = Counter(
        services.channels.attempts.get(f"{vid}:fallback:sms:sms").get("state") for vid, _ in started
    )
    # Every dropped send is in doubt (a few more may be: an answer lost on a reused
    # connection looks the same to the client, and is not repeated either).
    assert attempts["sent"] + attempts["in_doubt"] == 1000
    assert len(dropped) <= attempts["in_doubt"] <= len(dropped) + 20


def test_whatsapp_without_delivered_falls_back_to_sms_after_the_wait_and_not_when_delivered(
    job_config: dict[str, Any], redis_client: Any, fake_twilio: FakeTwilio, tmp_path: Path
) -> None:
    job_config["SANDI_FALLBACK_WAIT_WHATSAPP"] = "1"
    app, services = build(job_config)
    poster = Twilio(app.test_client(), token=job_config["TWILIO_AUTH_TOKEN"])
    quiet, answered = numbers(2, "+62815")
    fake_twilio.silence(f"whatsapp:{quiet}")
    (quiet_vid, quiet_sid), (_, answered_sid) = start_whatsapp(services, [quiet, answered])
    deliver(poster, fake_twilio.take_callbacks())  # "sent" for both, "delivered" for one
    assert services.channels.log.get(answered_sid)["status"] == "delivered"
    assert services.channels.log.get(quiet_sid)["status"] == "sent"
    with workers(worker_env(job_config), tmp_path) as pool:
        pool.start()
        wait_for(lambda: sms(fake_twilio), 30, 0.05, what="the SMS fallback")
        wait_for(lambda: drained(services, 1), 30, 0.05, what="the checks")
    assert sms(fake_twilio) == [quiet]  # the delivered one got nothing more
    sms_text = next(r for r in fake_twilio.created("Messages") if r.get("To") == quiet)
    wa = next(r for r in fake_twilio.created("Messages") if r.get("To") == f"whatsapp:{quiet}")
    code = (wa.get("ContentVariables") or "").split('"')[3]
    assert code in (sms_text.get("Body") or "")  # the same code, so both messages are right
    assert services.otp.check(verification_id=quiet_vid, code=code).valid


LIST_FLOW = """\
flow: code_by_list
triggers: {id: [kode daftar], en: [code by list]}
steps:
  - otp_issue: login
    channel: [whatsapp, call]
  - otp_confirm: login
  - end:
"""


def test_a_chat_flows_list_of_channels_is_that_verifications_fallback_order(
    job_config: dict[str, Any], redis_client: Any, fake_twilio: FakeTwilio, tmp_path: Path
) -> None:
    """``channel: [whatsapp, call]``: a silent WhatsApp is followed by a call, not by the
    SMS the server's own order (SANDI_FALLBACK=whatsapp>sms) would send, on a real worker."""
    flows = tmp_path / "flows"
    shutil.copytree(ROOT / "flows", flows, ignore=shutil.ignore_patterns("tests"))
    (flows / "code_by_list.yml").write_text(LIST_FLOW, encoding="utf-8")
    job_config.update(SANDI_FALLBACK_WAIT_WHATSAPP="1", SANDI_FLOWS_DIR=str(flows))
    app, services = build(job_config)
    customer = "+6281500000091"
    fake_twilio.silence(f"whatsapp:{customer}")
    chat = Chat(Twilio(app.test_client(), token=job_config["TWILIO_AUTH_TOKEN"]), sender=customer)
    assert "WhatsApp" in chat.say("kode daftar")
    deliver(
        Twilio(app.test_client(), token=job_config["TWILIO_AUTH_TOKEN"]),
        fake_twilio.take_callbacks(),
    )
    with workers(worker_env(job_config), tmp_path) as pool:
        pool.start()
        wait_for(lambda: fake_twilio.created("Calls"), 30, 0.05, what="the call fallback")
        wait_for(lambda: drained(services, 1), 30, 0.05, what="the checks")
    assert sms(fake_twilio) == []  # the server's order (whatsapp>sms) was not used
    (call,) = fake_twilio.created("Calls")
    assert call.get("To") == customer
    wa = next(r for r in fake_twilio.created("Messages") if r.get("To") == f"whatsapp:{customer}")
    code = (wa.get("ContentVariables") or "").split('"')[3]
    spoken = ", ".join(code) + "."
    assert spoken in (call.get("Twiml") or "")  # the same code, read out
