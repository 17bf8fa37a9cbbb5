"""Twilio's errors and timeouts become DeliveryError with a stable code, never a crash."""

from __future__ import annotations

import logging
import time
from dataclasses import replace
from typing import Any

import pytest

from app import create_app
from app.channels.http_client import CONNECT_RETRIES
from app.otp.ports import CodeMessage, DeliveryError
from app.wiring.services import Services
from tests.channels.conftest import CUSTOMER
from tests.support.fake_twilio import FakeTwilio
from tests.support.redis_servers import free_port


def message(channel: str = "sms", to: str = CUSTOMER) -> CodeMessage:
    return CodeMessage("VE" + "3" * 32, to, channel, "120394", "id", "login", 300)


def refused(services: Services, msg: CodeMessage) -> DeliveryError:
    with pytest.raises(DeliveryError) as caught:
        services.channels.deliver(msg)
    assert "120394" not in str(caught.value)  # a code never appears in an error
    return caught.value


def test_invalid_number_is_invalid_destination_and_not_retried(
    live: Services, fake_twilio: FakeTwilio
) -> None:
    fake_twilio.reject(CUSTOMER, 21211)
    err = refused(live, message())
    assert err.code == "invalid_destination" and not err.retryable and "21211" in str(err)
    assert len(fake_twilio.requests) == 1


def test_a_malformed_address_never_reaches_twilio(live: Services, fake_twilio: FakeTwilio) -> None:
    assert refused(live, message(to="0812-not-e164")).code == "invalid_destination"
    assert refused(live, message("email", to="not an address")).code == "invalid_destination"
    assert fake_twilio.requests == []


def test_opt_out_21610_is_stored_reported_and_not_retried(
    live: Services, fake_twilio: FakeTwilio
) -> None:
    fake_twilio.reject(CUSTOMER, 21610)
    err = refused(live, message())
    assert err.code == "opted_out" and not err.retryable
    assert len(fake_twilio.requests) == 1
    assert live.channels.opt_outs.has(CUSTOMER, "sms")
    assert not live.channels.opt_outs.has(CUSTOMER, "whatsapp")  # per channel
    # Known now: answered at once, without asking Twilio again.
    assert refused(live, message()).code == "opted_out"
    assert len(fake_twilio.requests) == 1
    # Other channels still work.
    live.channels.deliver(message("whatsapp"))
    live.channels.opt_outs.clear(CUSTOMER, "sms")  # START
    fake_twilio.clear_rejects()
    live.channels.deliver(message())
    assert len(fake_twilio.created()) == 2


def test_a_known_opt_out_is_refused_with_its_channel_keyed_or_not(live: Services) -> None:
    live.channels.opt_outs.add(CUSTOMER, "sms")
    for msg in (message(), replace(message(), send_key="VE" + "3" * 32 + ":1")):
        err = refused(live, msg)
        assert (err.code, str(err), err.retryable) == (
            "opted_out", "the recipient opted out of sms messages", False
        )  # fmt: skip
    live.channels.deliver(message("whatsapp"))  # another channel still goes


def test_opted_out_whatsapp_makes_auto_choose_sms(
    live_config: dict, redis_client: Any, fake_twilio: FakeTwilio
) -> None:
    live_config["SANDI_AUTO_WHATSAPP_PREFIXES"] = "+62"
    services = create_app(live_config).extensions["sandi"]
    assert services.channels.deliver(message("auto")).channel == "whatsapp"
    services.channels.opt_outs.add(CUSTOMER, "whatsapp")
    assert services.channels.deliver(message("auto")).channel == "sms"


def test_a_500_is_not_retried_because_twilio_may_have_taken_the_message(
    live: Services, fake_twilio: FakeTwilio
) -> None:
    fake_twilio.fail_next(1)
    err = refused(live, message())
    assert err.code == "provider_error" and err.retryable
    assert [r.status for r in fake_twilio.requests] == [500]


def test_a_connection_dropped_after_the_request_is_not_retried(
    live: Services, fake_twilio: FakeTwilio
) -> None:
    fake_twilio.drop_every(1)
    err = refused(live, message())
    assert err.code == "provider_error" and err.retryable and "broke" in str(err)
    assert len(fake_twilio.requests) == 1 and fake_twilio.requests[0].dropped


def test_a_hung_request_times_out_and_is_not_repeated(
    live: Services, fake_twilio: FakeTwilio
) -> None:
    fake_twilio.hang_next(1)
    started = time.monotonic()
    err = refused(live, message())
    assert err.code == "provider_timeout" and err.retryable
    assert time.monotonic() - started < 2  # SANDI_TWILIO_TIMEOUT=0.5 in these tests
    assert len(fake_twilio.requests) == 1  # Twilio may have accepted it: no second send


def test_an_unreachable_api_is_retried_on_connect_then_reported(
    live_config: dict, redis_client: Any, caplog: Any
) -> None:
    live_config["TWILIO_API_BASE_URL"] = f"http://127.0.0.1:{free_port()}"  # nothing listens
    services = create_app(live_config).extensions["sandi"]
    with caplog.at_level(logging.WARNING, logger="urllib3.connectionpool"):
        err = refused(services, message())
    assert err.code == "provider_unreachable" and err.retryable
    retries = [r for r in caplog.records if "NewConnectionError" in r.getMessage()]
    assert len(retries) == CONNECT_RETRIES  # each connect retried, as nothing was sent


def test_an_unreachable_send_may_go_again_but_an_in_doubt_one_never(
    live_config: dict, redis_client: Any, fake_twilio: FakeTwilio
) -> None:
    """The attempt record: a send that never reached Twilio is sent by the next
    try with the same key; one that may have reached it is not."""
    port = free_port()
    live_config["TWILIO_API_BASE_URL"] = f"http://127.0.0.1:{port}"
    unreachable = create_app(live_config).extensions["sandi"]
    keyed = replace(message(), send_key="VE" + "3" * 32 + ":1")
    assert refused(unreachable, keyed).code == "provider_unreachable"
    live = create_app({**live_config, "TWILIO_API_BASE_URL": fake_twilio.base_url})
    services = live.extensions["sandi"]
    first = services.channels.deliver(keyed)  # never reached Twilio: sent now
    again = services.channels.deliver(keyed)  # a rerun of the same send: not repeated
    assert again.message_id == first.message_id and len(fake_twilio.created()) == 1
    fake_twilio.drop_every(1)
    dropped = replace(keyed, send_key="VE" + "3" * 32 + ":2")
    assert refused(services, dropped).code == "provider_error"
    assert refused(services, dropped).code == "in_doubt"
    assert len(fake_twilio.requests) == 2  # the in-doubt one was not sent a second time


def test_wrong_credentials_are_a_provider_error(
    live_config: dict, redis_client: Any, fake_twilio: FakeTwilio
) -> None:
    live_config["TWILIO_AUTH_TOKEN"] = "not-the-token"
    services = create_app(live_config).extensions["sandi"]
    err = refused(services, message())
    assert err.code == "provider_error" and "20003" in str(err)
    assert fake_twilio.requests[0].status == 401


def test_unconfigured_channels_are_unavailable_not_errors(
    live_config: dict, redis_client: Any, fake_twilio: FakeTwilio
) -> None:
    for name in ("TWILIO_SMS_FROM", "TWILIO_VOICE_FROM", "SANDI_FLASHCALL_RANGE"):
        del live_config[name]
    services = create_app(live_config).extensions["sandi"]
    for channel, setting in [
        ("sms", "TWILIO_SMS_FROM"), ("call", "TWILIO_VOICE_FROM"),
        ("flashcall", "SANDI_FLASHCALL_NUMBERS"), ("email", "SMTP_URL"),
    ]:  # fmt: skip
        to = "a@example.com" if channel == "email" else CUSTOMER
        err = refused(services, CodeMessage("VE1", to, channel, "120394", "id", "signup", 60))
        assert err.code == "channel_unavailable" and setting in str(err)
        assert not services.channels.available(channel)
    assert refused(services, message("pigeon")).code == "channel_unavailable"
    assert fake_twilio.requests == []
