"""A start's send asked ahead (app.channels.ahead): used by its delivery, dropped when unused.

The opt-out read and the attempt's claim of a new verification's first send
ride the start's first round trip; a start that does not send under that id
(a resend, a cooldown, an opted-out customer) must leave no live claim behind.
"""

from __future__ import annotations

import time
from typing import Any

import pytest

from app.channels import ahead
from app.otp.errors import OtpError
from app.otp.ports import CodeMessage
from app.store import keys
from app.wiring.services import Services
from tests.channels.conftest import CUSTOMER
from tests.support.fake_twilio import FakeTwilio


def attempts(redis_client: Any) -> dict[str, dict[str, str]]:
    found = redis_client.scan_iter(match=keys.send_attempt("*"))
    return {key: redis_client.hgetall(key) for key in found}


def test_the_first_send_uses_the_claim_asked_ahead(live: Services, redis_client: Any) -> None:
    vid = live.otp.start(CUSTOMER, "sms", "login").verification.id
    assert attempts(redis_client).keys() == {keys.send_attempt(f"{vid}:1:sms")}
    assert attempts(redis_client)[keys.send_attempt(f"{vid}:1:sms")]["state"] == "sent"


def test_the_first_send_delivers_the_message_it_was_asked_ahead_with(
    live: Services, monkeypatch: pytest.MonkeyPatch, fake_twilio: FakeTwilio
) -> None:
    """One message for the first send (built once): the code and send key asked ahead."""
    prepared: list[CodeMessage] = []
    delivered: list[CodeMessage] = []
    prepare, deliver = live.channels.prepare, live.channels.deliver

    def recording_prepare(message: CodeMessage) -> Any:
        prepared.append(message)
        return prepare(message)

    def recording_deliver(message: CodeMessage) -> Any:
        delivered.append(message)
        return deliver(message)

    monkeypatch.setattr(live.channels, "prepare", recording_prepare)
    monkeypatch.setattr(live.channels, "deliver", recording_deliver)
    vid = live.otp.start(CUSTOMER, "sms", "login", "en").verification.id
    (message,) = prepared
    assert delivered == [message] and delivered[0] is message
    assert (message.verification_id, message.send_key, message.locale) == (vid, f"{vid}:1", "en")
    (sms,) = fake_twilio.created("Messages")
    assert message.code in (sms.get("Body") or "")


def test_a_start_that_does_not_send_a_new_code_leaves_no_claim(
    live: Services, redis_client: Any
) -> None:
    vid = live.otp.start(CUSTOMER, "sms", "login").verification.id
    for _ in range(3):  # a resend or its cooldown: never under the id asked ahead
        try:
            again = live.otp.start(CUSTOMER, "sms", "login").verification.id
        except OtpError:
            continue
        assert again == vid
    assert all(f":{vid}:" in key for key in attempts(redis_client))
    assert {s["state"] for s in attempts(redis_client).values()} == {"sent"}


def test_an_opted_out_customer_gets_nothing_and_the_claim_is_given_back(
    live: Services, redis_client: Any
) -> None:
    live.channels.opt_outs.add(CUSTOMER, "sms")
    with pytest.raises(OtpError) as refused:
        live.otp.start(CUSTOMER, "sms", "login")
    assert refused.value.code == "delivery_failed"
    assert {s["state"] for s in attempts(redis_client).values()} == {"unreached"}


def test_a_send_asked_ahead_does_not_ask_for_its_flags_again(live: Services) -> None:
    """The opt-out flags were read with the answer asked ahead: only a send that was
    not asked ahead builds them, to read them then."""
    channels, vid = live.channels, "VE" + "4" * 32
    asked: list[str] = []

    def flags(key: str) -> Any:
        asked.append(key)
        return channels.opt_outs.flags(CUSTOMER, "sms")

    first, second = f"{vid}:1:sms", f"{vid}:2:sms"
    release = ahead.ask(channels.attempts, first, CUSTOMER, time.time(), flags("ahead"))
    verdict, flagged = ahead.begin(
        channels.attempts, first, CUSTOMER, time.time(), lambda: flags(first)
    )
    assert (verdict.state, flagged, asked) == ("go", False, ["ahead"])
    verdict, flagged = ahead.begin(
        channels.attempts, second, CUSTOMER, time.time(), lambda: flags(second)
    )
    assert (verdict.state, flagged, asked) == ("go", False, ["ahead", second])
    release()
