"""A status callback that beats Twilio's own answer to the send, with the tracking write-behind.

The delivery tracking (which tells status callbacks whose message a SID is,
and reads a status one already left) rides a start's write-behind round trip
(:mod:`app.store.later`), so Sandi learns of a callback that raced ahead only
when that trip is back: still inside the request. The customer must not
notice: the start's answer and the verification report the early failure
(or delivery), and a failure falls back to the next channel at once, as when
the tracking had its own round trip. Only a status that does not move the
delivery forward (an early ``queued`` or ``sending``) no longer replaces
"sent".
"""

from __future__ import annotations

import json
from collections.abc import Collection
from typing import Any

import pytest
from flask.testing import FlaskClient

from app.otp.ports import CodeMessage
from app.store import later
from app.wiring.services import Services
from tests.channels.conftest import CUSTOMER, WHATSAPP_FROM, post_status
from tests.support.fake_twilio import FakeTwilio, message_callback
from tests.support.jobs import run_jobs
from tests.support.otp import API_KEY, AUTH
from tests.support.twilio_webhooks import Twilio

WA_CUSTOMER = f"whatsapp:{CUSTOMER}"


@pytest.fixture
def api_live(live_config: dict[str, Any]) -> dict[str, Any]:
    live_config["SANDI_API_KEYS"] = API_KEY
    return live_config


def race(fake: FakeTwilio, poster: Twilio, statuses: Collection[str], extra: str = "") -> None:
    """Post the fake's callbacks for ``statuses`` (and ``extra``, crafted) before it answers
    the create: Sandi has not tracked the message yet when they arrive."""

    def answer(sid: str) -> None:
        forms = [cb.form for cb in fake.take_callbacks() if cb.form["MessageStatus"] in statuses]
        if extra:
            forms.insert(0, message_callback(
                sid, extra, to=WA_CUSTOMER, sender=f"whatsapp:{WHATSAPP_FROM}"
            ))  # fmt: skip
        for form in forms:
            post_status(poster, form, work=False)
        fake.before_answer = None

    fake.before_answer = answer


def start(client: FlaskClient, to: str = CUSTOMER) -> dict[str, Any]:
    response = client.post(
        "/v1/verifications", json={"to": to, "channel": "whatsapp"}, headers=AUTH
    )
    assert response.status_code == 201, response.get_json()
    body: dict[str, Any] = response.get_json()
    return body


def test_an_early_failure_is_reported_and_falls_back_in_the_same_request(
    api_live: dict[str, Any], live: Services, fake_twilio: FakeTwilio, poster: Twilio
) -> None:
    fake_twilio.undeliver(WA_CUSTOMER, "63016")
    race(fake_twilio, poster, {"sent", "undelivered"})
    body = start(poster.client)
    # the start's own answer already knows, as the verification does
    assert body["delivery"] == {
        "channel": "whatsapp",
        "status": "undelivered",
        "error_code": "63016",
    }
    assert live.otp.get(body["id"]).delivery.status == "undelivered"
    # counted as a failure, as a callback arriving after the tracking would be (new: an
    # early failure was not counted before the tracking rode the batch)
    day = poster.client.get("/v1/insights?window=day", headers=AUTH).get_json()
    assert day["failures"] == [{"channel": "whatsapp", "error": "63016", "count": 1}]
    (wa,) = fake_twilio.created("Messages")
    assert live.channels.log.get(wa.sid or "")["verification_id"] == body["id"]
    # the fallback was enqueued by the request: a worker sends the same code by SMS
    assert [j.id for j in live.jobs.queue.get_jobs()] == [f"fallback-{body['id']}-whatsapp"]
    assert run_jobs(live) == 1
    sms = [m for m in fake_twilio.created("Messages") if m.get("To") == CUSTOMER]
    assert len(sms) == 1
    code = json.loads(wa.get("ContentVariables") or "")["1"]
    assert code in (sms[0].get("Body") or "")
    delivery = live.otp.get(body["id"]).delivery
    assert (delivery.channel, delivery.status) == ("sms", "sent")


def test_an_early_delivery_is_reported_and_needs_no_watch(
    api_live: dict[str, Any], live: Services, fake_twilio: FakeTwilio, poster: Twilio
) -> None:
    race(fake_twilio, poster, {"sent", "delivered"})
    body = start(poster.client)
    assert body["delivery"]["status"] == "delivered"
    assert live.otp.get(body["id"]).delivery.status == "delivered"
    assert live.jobs.queue.get_jobs() == []
    assert live.jobs.queue.scheduled_job_registry.get_job_ids() == []  # no silence check


def test_an_early_sending_no_longer_replaces_sent(
    api_live: dict[str, Any], live: Services, fake_twilio: FakeTwilio, poster: Twilio
) -> None:
    """Changed with the write-behind tracking: the delivery is recorded "sent" first, and
    a status is only ever taken forward (before, the start showed "sending")."""
    race(fake_twilio, poster, set(), extra="sending")
    body = start(poster.client)
    assert body["delivery"]["status"] == "sent"
    assert live.otp.get(body["id"]).delivery.status == "sent"
    (wa,) = fake_twilio.created("Messages")
    assert live.channels.log.get(wa.sid or "")["status"] == "sending"  # kept as reported
    # and the code is watched for silence, as any code still on its way
    assert live.jobs.queue.scheduled_job_registry.get_job_ids() == [f"silence-{wa.sid}"]


def test_a_batch_nobody_settles_still_falls_back_when_it_ends(
    live: Services, fake_twilio: FakeTwilio, poster: Twilio
) -> None:
    """A caller that never reads the receipt's status (or raised before it could): the
    watch still runs when the batch is sent, so a raced failure still falls back."""
    fake_twilio.undeliver(WA_CUSTOMER, "63016")
    race(fake_twilio, poster, {"undelivered"})
    message = CodeMessage(
        verification_id="VE" + "1" * 32, to=CUSTOMER, channel="whatsapp", code="123456",
        locale="id", purpose="login", expires_in=300, send_key="VE" + "1" * 32 + ":1",
    )  # fmt: skip
    with later.batch():
        receipt = live.channels.deliver(message)
        assert receipt.settle is not None and receipt.status == "sent"
        assert live.jobs.queue.get_jobs() == []  # nothing known before the trip
    assert [j.id for j in live.jobs.queue.get_jobs()] == [f"fallback-{'VE' + '1' * 32}-whatsapp"]
    settled = receipt.settle()  # asked afterwards: the same answer, nothing done twice
    assert (settled.status, settled.error_code) == ("undelivered", "63016")
    assert len(live.jobs.queue.get_jobs()) == 1


def test_outside_a_batch_the_receipt_is_settled_at_once(
    live: Services, fake_twilio: FakeTwilio, poster: Twilio
) -> None:
    """A fallback job's send (no batch): the tracking is its own trip, as before."""
    race(fake_twilio, poster, {"sent"})
    message = CodeMessage(
        verification_id="VE" + "2" * 32, to=CUSTOMER, channel="whatsapp", code="123456",
        locale="id", purpose="login", expires_in=300, send_key="VE" + "2" * 32 + ":1",
    )  # fmt: skip
    receipt = live.channels.deliver(message)
    assert receipt.settle is None and receipt.status == "sent"
    (wa,) = fake_twilio.created("Messages")
    assert live.channels.log.get(wa.sid or "")["verification_id"] == message.verification_id
