"""Signed status callbacks in every order, with duplicates, and the fallback they trigger.

They run the app's real OTP service (its calls from the channels recorded by
``tests.support.otp_recording.RecordingOtp``) on real Redis, through the real
webhook, with the real twilio client talking to the fake Twilio API.
"""

from __future__ import annotations

import itertools
import logging
import re
from typing import Any

from werkzeug.datastructures import MultiDict

from app import create_app
from app.otp.ports import CodeMessage
from app.store.tracking import RANKS
from app.wiring.services import Services
from tests.channels.conftest import (
    CUSTOMER,
    STATUS_PATH,
    WHATSAPP_FROM,
    deliver,
    post_status,
)
from tests.support.fake_twilio import AUTH_TOKEN, FakeTwilio, message_callback
from tests.support.jobs import run_jobs
from tests.support.otp_recording import RecordingOtp
from tests.support.twilio_webhooks import Twilio

WA_CUSTOMER = f"whatsapp:{CUSTOMER}"


def wa_status(
    sid: str, status: str, error: str | None = None, customer: str = CUSTOMER
) -> dict[str, str]:
    return message_callback(
        sid, status, to=f"whatsapp:{customer}", sender=f"whatsapp:{WHATSAPP_FROM}", error_code=error
    )


def customers(count: int) -> list[str]:
    """Distinct customers: the real service allows one pending code per number
    and purpose, with a resend cooldown, as it should."""
    return [f"+62812555{i:05d}" for i in range(count)]


def sms_code(fake: FakeTwilio) -> str:
    (sms,) = [
        m for m in fake.created("Messages") if not (m.get("To") or "").startswith("whatsapp:")
    ]
    match = re.search(r"\b(\d{6})\b", sms.get("Body") or "")
    assert match, sms.get("Body")
    return match.group(1)


def test_undelivered_whatsapp_otp_is_resent_by_sms_once_then_approved_with_the_sms_code(
    live: Services, fake_twilio: FakeTwilio, otp: RecordingOtp, poster: Twilio
) -> None:
    fake_twilio.undeliver(WA_CUSTOMER, "63016")
    verification_id, receipt = otp.start(CUSTOMER, "whatsapp")
    callbacks = fake_twilio.take_callbacks()
    assert [c.form["MessageStatus"] for c in callbacks] == ["sent", "undelivered"]
    # Twilio may repeat itself: the failure arrives three times.
    responses = deliver(poster, [*callbacks, callbacks[1], callbacks[1]])
    assert {r.status_code for r in responses} == {204}
    assert otp.redeliveries == [(verification_id, "sms")]
    assert len(fake_twilio.created("Messages")) == 2
    assert otp.check(verification_id, sms_code(fake_twilio)) == "approved"
    assert otp.statuses == [
        (verification_id, receipt.message_id, "sent", None),
        (verification_id, receipt.message_id, "undelivered", "63016"),
    ]
    assert live.channels.log.get(receipt.message_id)["error_code"] == "63016"


def test_status_moves_only_forward_whatever_the_order_and_the_duplicates(
    live: Services, otp: RecordingOtp, poster: Twilio
) -> None:
    statuses = ["sending", "sent", "delivered", "read"]
    orders = list(itertools.permutations(statuses))
    for order, customer in zip(orders, customers(len(orders)), strict=True):
        _, receipt = otp.start(customer, "whatsapp")
        sid = receipt.message_id
        for status in [*order, *reversed(order)]:
            form = wa_status(sid, status, customer=customer)
            assert post_status(poster, form).status_code == 204
        assert live.channels.log.get(sid)["status"] == "read"
        seen = [s for _, m, s, _ in otp.statuses if m == sid]
        assert seen == sorted(set(seen), key=RANKS.__getitem__), order
        assert seen[-1] == "read"
    assert otp.redeliveries == []


def test_a_failure_in_any_order_falls_back_exactly_once(
    live: Services, fake_twilio: FakeTwilio, otp: RecordingOtp, poster: Twilio
) -> None:
    statuses = ["queued", "sending", "sent", "undelivered"]
    orders = list(itertools.permutations(statuses))
    for order, customer in zip(orders, customers(len(orders)), strict=True):
        verification_id, receipt = otp.start(customer, "whatsapp")
        for status in [*order, *order]:
            error = "30003" if status == "undelivered" else None
            post_status(poster, wa_status(receipt.message_id, status, error, customer))
        assert live.channels.log.get(receipt.message_id)["status"] == "undelivered"
        assert [r for r in otp.redeliveries if r[0] == verification_id] == [
            (verification_id, "sms")
        ]
    assert len(otp.redeliveries) == 24


def test_delivered_or_read_never_turns_into_a_failure(
    live: Services, otp: RecordingOtp, poster: Twilio
) -> None:
    _, receipt = otp.start(CUSTOMER, "whatsapp")
    for status in ["delivered", "undelivered", "read", "failed", "sent"]:
        post_status(poster, wa_status(receipt.message_id, status, "63016"))
    assert live.channels.log.get(receipt.message_id)["status"] == "read"
    assert otp.redeliveries == []


def test_the_chain_is_walked_one_step_at_a_time_and_stops_at_its_end(
    live: Services, fake_twilio: FakeTwilio, otp: RecordingOtp, poster: Twilio
) -> None:
    fake_twilio.undeliver(WA_CUSTOMER, "63003")
    fake_twilio.undeliver(CUSTOMER, "30005")
    fake_twilio.call_ends(CUSTOMER, "no-answer")
    verification_id, _ = otp.start(CUSTOMER, "whatsapp")
    for _ in range(4):  # WhatsApp fails -> SMS fails -> call unanswered -> nothing more
        callbacks = fake_twilio.take_callbacks()
        deliver(poster, callbacks + callbacks)
    assert otp.redeliveries == [(verification_id, "sms"), (verification_id, "call")]
    assert len(fake_twilio.created("Messages")) == 2 and len(fake_twilio.created("Calls")) == 1
    assert live.delivery_status.steps.taken(verification_id).keys() == {"sms", "call"}
    call_sid = fake_twilio.created("Calls")[0].sid
    assert (verification_id, call_sid, "undelivered", None) in otp.statuses


def test_fallback_skips_a_channel_the_customer_opted_out_of(
    live: Services, fake_twilio: FakeTwilio, otp: RecordingOtp, poster: Twilio
) -> None:
    live.channels.opt_outs.add(CUSTOMER, "sms")
    fake_twilio.undeliver(WA_CUSTOMER)
    verification_id, _ = otp.start(CUSTOMER, "whatsapp")
    deliver(poster, fake_twilio.take_callbacks())
    assert otp.redeliveries == [(verification_id, "call")]


def test_fallback_moves_on_when_the_next_channel_refuses(
    live: Services, fake_twilio: FakeTwilio, otp: RecordingOtp, poster: Twilio
) -> None:
    fake_twilio.undeliver(WA_CUSTOMER)
    fake_twilio.reject(CUSTOMER, 21614, resource="Messages")  # a landline: no SMS
    verification_id, _ = otp.start(CUSTOMER, "whatsapp")
    deliver(poster, fake_twilio.take_callbacks())
    assert otp.redeliveries == [(verification_id, "sms"), (verification_id, "call")]
    assert len(fake_twilio.created("Calls")) == 1


def test_the_callback_only_enqueues_the_fallback_and_a_worker_sends_it(
    live: Services, fake_twilio: FakeTwilio, otp: RecordingOtp, poster: Twilio
) -> None:
    fake_twilio.undeliver(WA_CUSTOMER)
    otp.start(CUSTOMER, "whatsapp")
    failure = fake_twilio.take_callbacks()[-1]
    response = post_status(poster, failure.form, work=False)
    assert response.status_code == 204 and response.get_data() == b""
    assert len(fake_twilio.created()) == 1  # nothing is sent in the request ...
    assert live.jobs is not None and len(live.jobs.queue) == 1  # ... it waits as a job
    assert run_jobs(live) == 1
    assert len(fake_twilio.created()) == 2


def test_no_fallback_when_disabled(
    live_config: dict, redis_client: Any, fake_twilio: FakeTwilio, live_client: Any
) -> None:
    live_config["SANDI_FALLBACK"] = "none"
    app = create_app(live_config)
    services = app.extensions["sandi"]
    double = RecordingOtp(services)
    fake_twilio.undeliver(WA_CUSTOMER)
    double.start(CUSTOMER, "whatsapp")
    deliver(Twilio(app.test_client(), token=AUTH_TOKEN), fake_twilio.take_callbacks())
    assert double.redeliveries == [] and double.statuses[-1][2] == "undelivered"


def test_a_failed_code_the_otp_service_does_not_know_is_kept_and_not_resent(
    live: Services, fake_twilio: FakeTwilio, poster: Twilio, caplog: Any
) -> None:
    fake_twilio.undeliver(WA_CUSTOMER)
    receipt = live.channels.deliver(
        CodeMessage("VE7", CUSTOMER, "whatsapp", "111111", "id", "login", 300)
    )
    with caplog.at_level(logging.WARNING, logger="app.channels"):
        deliver(poster, fake_twilio.take_callbacks())
    assert live.channels.log.get(receipt.message_id)["status"] == "undelivered"
    assert "fallback for VE7 to sms failed: not_found" in caplog.text
    assert len(fake_twilio.created()) == 1  # nothing was resent
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_a_callback_for_an_unknown_message_is_recorded_and_answered(
    live: Services, otp: RecordingOtp, poster: Twilio
) -> None:
    sid = "SM" + "e" * 32
    assert post_status(poster, wa_status(sid, "failed", "63016")).status_code == 204
    assert live.channels.log.get(sid)["status"] == "failed"
    assert otp.statuses == [] and otp.redeliveries == []


def test_21610_reported_late_marks_the_opt_out(
    live: Services, otp: RecordingOtp, poster: Twilio
) -> None:
    _, receipt = otp.start(CUSTOMER, "sms")
    form = message_callback(
        receipt.message_id, "failed", to=CUSTOMER, sender="+1", error_code="21610"
    )
    post_status(poster, form)
    assert live.channels.opt_outs.has(CUSTOMER, "sms")


def test_call_statuses_mean_different_things_for_voice_and_flash_calls(
    live: Services, fake_twilio: FakeTwilio, otp: RecordingOtp, poster: Twilio
) -> None:
    fake_twilio.call_ends(CUSTOMER, "no-answer")
    _, voice = otp.start(CUSTOMER, "call", purpose="login")
    _, flash = otp.start(CUSTOMER, "flashcall", purpose="signup")  # one pending code per purpose
    deliver(poster, fake_twilio.take_callbacks())
    assert live.channels.log.get(voice.message_id)["status"] == "undelivered"
    assert live.channels.log.get(flash.message_id)["status"] == "delivered"  # rang, not answered
    assert live.channels.log.get(flash.message_id)["raw_status"] == "no-answer"
    assert otp.redeliveries == []  # the call is the chain's last step


def test_callbacks_must_be_signed_and_well_formed(
    live: Services, poster: Twilio, live_client: Any, redis_client: Any
) -> None:
    form = wa_status("SM" + "f" * 32, "delivered")
    assert poster.post(MultiDict(form), path=STATUS_PATH, signature="Zm9v").status_code == 403
    signed_by_other = Twilio(live_client, token="another-token")
    assert signed_by_other.post(MultiDict(form), path=STATUS_PATH).status_code == 403
    assert post_status(poster, {"MessageStatus": "delivered"}).status_code == 400
    assert post_status(poster, {**form, "MessageSid": "SM123", "SmsSid": ""}).status_code == 400
    response = live_client.post(STATUS_PATH, json=form)
    assert response.status_code == 415
    assert redis_client.keys("*delivery*") == []
    weird = post_status(poster, wa_status("SM" + "f" * 32, "some-new-status"))
    assert weird.status_code == 204 and redis_client.keys("*delivery*") == []


def test_start_from_the_customer_lifts_the_recorded_opt_out(live: Services, poster: Twilio) -> None:
    live.channels.opt_outs.add(CUSTOMER, "sms")
    live.channels.opt_outs.add(CUSTOMER, "whatsapp")
    assert poster.send("halo", channel="sms", sender=CUSTOMER).status_code == 200
    assert live.channels.opt_outs.channels(CUSTOMER) == {"sms", "whatsapp"}  # not a keyword
    assert poster.send("start", channel="sms", sender=CUSTOMER).status_code == 200
    assert live.channels.opt_outs.channels(CUSTOMER) == {"whatsapp"}  # that channel only
    assert poster.send("MULAI", channel="whatsapp", sender=CUSTOMER).status_code == 200
    assert live.channels.opt_outs.channels(CUSTOMER) == set()


def whatsapp_code(fake: FakeTwilio, customer: str = CUSTOMER) -> str:
    (wa,) = [m for m in fake.created("Messages") if m.get("To") == f"whatsapp:{customer}"]
    match = re.search(r"\b(\d{6})\b", wa.get("ContentVariables") or wa.get("Body") or "")
    assert match, wa.form
    return match.group(1)


def test_a_fallback_resends_the_code_unsealed_from_its_verification(
    live: Services, fake_twilio: FakeTwilio, otp: RecordingOtp, poster: Twilio, redis_client: Any
) -> None:
    verification_id, receipt = otp.start(CUSTOMER, "whatsapp")
    post_status(poster, wa_status(receipt.message_id, "undelivered", "63016"))
    assert otp.redeliveries == [(verification_id, "sms")]
    code = whatsapp_code(fake_twilio)
    assert sms_code(fake_twilio) == code  # the same code: either message is right
    # One seal, in the verification's own hash; no delivery-side copy of the code.
    assert [k for k in redis_client.scan_iter("*") if str(k).endswith(":sealed")] == []
    (record_key,) = [k for k in redis_client.scan_iter("*") if f"v:{verification_id}" in str(k)]
    assert redis_client.hget(record_key, "sealed")
    assert code not in str(redis_client.hgetall(record_key))
    assert otp.check(verification_id, code) == "approved"
    assert redis_client.hget(record_key, "sealed") == ""  # wiped with the hash


def test_a_verification_that_ended_is_not_redelivered(
    live: Services, fake_twilio: FakeTwilio, otp: RecordingOtp, poster: Twilio
) -> None:
    verification_id, receipt = otp.start(CUSTOMER, "whatsapp")
    live.otp.cancel(verification_id)
    post_status(poster, wa_status(receipt.message_id, "undelivered", "63016"))
    assert otp.redeliveries == [(verification_id, "sms")]  # asked for, and refused
    assert [m.get("To") for m in fake_twilio.created("Messages")] == [WA_CUSTOMER]
    assert live.otp.get(verification_id).status == "canceled"
