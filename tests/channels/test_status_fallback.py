"""Signed status callbacks in every order, with duplicates, and the fallback they trigger.

The OTP service is built on another branch: these tests use
``tests.support.otp_double_channels.OtpServiceDouble`` (a clearly named stand-in for the
FallbackTarget protocol) with real Redis, the real webhook and the fake Twilio API.
"""

from __future__ import annotations

import itertools
import logging
import re
from typing import Any

from werkzeug.datastructures import MultiDict

from app import create_app
from app.channels.tracking import RANKS
from app.services import Services
from tests.channels.conftest import (
    CUSTOMER,
    STATUS_PATH,
    WHATSAPP_FROM,
    deliver,
    post_status,
)
from tests.support.fake_twilio import AUTH_TOKEN, FakeTwilio, message_callback
from tests.support.otp_double_channels import OtpServiceDouble
from tests.support.twilio_webhooks import Twilio

WA_CUSTOMER = f"whatsapp:{CUSTOMER}"


def wa_status(sid: str, status: str, error: str | None = None) -> dict[str, str]:
    return message_callback(
        sid, status, to=WA_CUSTOMER, sender=f"whatsapp:{WHATSAPP_FROM}", error_code=error
    )


def sms_code(fake: FakeTwilio) -> str:
    (sms,) = [
        m for m in fake.created("Messages") if not (m.get("To") or "").startswith("whatsapp:")
    ]
    match = re.search(r"\b(\d{6})\b", sms.get("Body") or "")
    assert match, sms.get("Body")
    return match.group(1)


def test_undelivered_whatsapp_otp_is_resent_by_sms_once_then_approved_with_the_sms_code(
    live: Services, fake_twilio: FakeTwilio, otp: OtpServiceDouble, poster: Twilio
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
    live: Services, otp: OtpServiceDouble, poster: Twilio
) -> None:
    statuses = ["sending", "sent", "delivered", "read"]
    for order in itertools.permutations(statuses):
        _, receipt = otp.start(CUSTOMER, "whatsapp")
        sid = receipt.message_id
        for status in [*order, *reversed(order)]:
            assert post_status(poster, wa_status(sid, status)).status_code == 204
        assert live.channels.log.get(sid)["status"] == "read"
        seen = [s for _, m, s, _ in otp.statuses if m == sid]
        assert seen == sorted(set(seen), key=RANKS.__getitem__), order
        assert seen[-1] == "read"
    assert otp.redeliveries == []


def test_a_failure_in_any_order_falls_back_exactly_once(
    live: Services, fake_twilio: FakeTwilio, otp: OtpServiceDouble, poster: Twilio
) -> None:
    statuses = ["queued", "sending", "sent", "undelivered"]
    for order in itertools.permutations(statuses):
        verification_id, receipt = otp.start(CUSTOMER, "whatsapp")
        for status in [*order, *order]:
            error = "30003" if status == "undelivered" else None
            post_status(poster, wa_status(receipt.message_id, status, error))
        assert live.channels.log.get(receipt.message_id)["status"] == "undelivered"
        assert [r for r in otp.redeliveries if r[0] == verification_id] == [
            (verification_id, "sms")
        ]
    assert len(otp.redeliveries) == 24


def test_delivered_or_read_never_turns_into_a_failure(
    live: Services, otp: OtpServiceDouble, poster: Twilio
) -> None:
    _, receipt = otp.start(CUSTOMER, "whatsapp")
    for status in ["delivered", "undelivered", "read", "failed", "sent"]:
        post_status(poster, wa_status(receipt.message_id, status, "63016"))
    assert live.channels.log.get(receipt.message_id)["status"] == "read"
    assert otp.redeliveries == []


def test_the_chain_is_walked_one_step_at_a_time_and_stops_at_its_end(
    live: Services, fake_twilio: FakeTwilio, otp: OtpServiceDouble, poster: Twilio
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
    live: Services, fake_twilio: FakeTwilio, otp: OtpServiceDouble, poster: Twilio
) -> None:
    live.channels.opt_outs.add(CUSTOMER, "sms")
    fake_twilio.undeliver(WA_CUSTOMER)
    verification_id, _ = otp.start(CUSTOMER, "whatsapp")
    deliver(poster, fake_twilio.take_callbacks())
    assert otp.redeliveries == [(verification_id, "call")]


def test_fallback_moves_on_when_the_next_channel_refuses(
    live: Services, fake_twilio: FakeTwilio, otp: OtpServiceDouble, poster: Twilio
) -> None:
    fake_twilio.undeliver(WA_CUSTOMER)
    fake_twilio.reject(CUSTOMER, 21614, resource="Messages")  # a landline: no SMS
    verification_id, _ = otp.start(CUSTOMER, "whatsapp")
    deliver(poster, fake_twilio.take_callbacks())
    assert otp.redeliveries == [(verification_id, "sms"), (verification_id, "call")]
    assert len(fake_twilio.created("Calls")) == 1


def test_the_204_goes_out_before_the_fallback_is_sent(
    live: Services, fake_twilio: FakeTwilio, otp: OtpServiceDouble, poster: Twilio
) -> None:
    fake_twilio.undeliver(WA_CUSTOMER)
    otp.start(CUSTOMER, "whatsapp")
    failure = fake_twilio.take_callbacks()[-1]
    response = poster.post(MultiDict(failure.form), path=STATUS_PATH)
    assert response.status_code == 204 and response.get_data() == b""
    assert len(fake_twilio.created()) == 1  # the SMS is not sent yet ...
    response.close()  # ... the WSGI server closes the response once it has gone out
    assert len(fake_twilio.created()) == 2


def test_no_fallback_when_disabled(
    live_config: dict, redis_client: Any, fake_twilio: FakeTwilio, live_client: Any
) -> None:
    live_config["SANDI_FALLBACK"] = "none"
    app = create_app(live_config)
    services = app.extensions["sandi"]
    double = OtpServiceDouble(services.channels)
    services.delivery_status.target = double
    fake_twilio.undeliver(WA_CUSTOMER)
    double.start(CUSTOMER, "whatsapp")
    deliver(Twilio(app.test_client(), token=AUTH_TOKEN), fake_twilio.take_callbacks())
    assert double.redeliveries == [] and double.statuses[-1][2] == "undelivered"


def test_without_an_otp_service_statuses_are_kept_and_fallback_is_logged(
    live: Services, fake_twilio: FakeTwilio, poster: Twilio, caplog: Any
) -> None:
    fake_twilio.undeliver(WA_CUSTOMER)
    receipt = live.channels.deliver(
        __import__("app.otp.ports", fromlist=["CodeMessage"]).CodeMessage(
            "VE7", CUSTOMER, "whatsapp", "111111", "id", "login", 300
        )
    )
    with caplog.at_level(logging.WARNING, logger="app.channels"):
        deliver(poster, fake_twilio.take_callbacks())
    assert live.channels.log.get(receipt.message_id)["status"] == "undelivered"
    assert "no OTP service wired" in caplog.text


def test_a_callback_for_an_unknown_message_is_recorded_and_answered(
    live: Services, otp: OtpServiceDouble, poster: Twilio
) -> None:
    sid = "SM" + "e" * 32
    assert post_status(poster, wa_status(sid, "failed", "63016")).status_code == 204
    assert live.channels.log.get(sid)["status"] == "failed"
    assert otp.statuses == [] and otp.redeliveries == []


def test_21610_reported_late_marks_the_opt_out(
    live: Services, otp: OtpServiceDouble, poster: Twilio
) -> None:
    _, receipt = otp.start(CUSTOMER, "sms")
    form = message_callback(
        receipt.message_id, "failed", to=CUSTOMER, sender="+1", error_code="21610"
    )
    post_status(poster, form)
    assert live.channels.opt_outs.has(CUSTOMER, "sms")


def test_call_statuses_mean_different_things_for_voice_and_flash_calls(
    live: Services, fake_twilio: FakeTwilio, otp: OtpServiceDouble, poster: Twilio
) -> None:
    fake_twilio.call_ends(CUSTOMER, "no-answer")
    _, voice = otp.start(CUSTOMER, "call")
    _, flash = otp.start(CUSTOMER, "flashcall")
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
