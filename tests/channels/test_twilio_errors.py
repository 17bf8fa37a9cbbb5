"""Twilio's errors and timeouts become DeliveryError with a stable code, never a crash."""

from __future__ import annotations

import time
from typing import Any

import pytest

from app import create_app
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


def test_opted_out_whatsapp_makes_auto_choose_sms(
    live_config: dict, redis_client: Any, fake_twilio: FakeTwilio
) -> None:
    live_config["SANDI_AUTO_WHATSAPP_PREFIXES"] = "+62"
    services = create_app(live_config).extensions["sandi"]
    assert services.channels.deliver(message("auto")).channel == "whatsapp"
    services.channels.opt_outs.add(CUSTOMER, "whatsapp")
    assert services.channels.deliver(message("auto")).channel == "sms"


def test_a_500_is_retried_once_and_succeeds(live: Services, fake_twilio: FakeTwilio) -> None:
    fake_twilio.fail_next(1)
    receipt = live.channels.deliver(message())
    assert [r.status for r in fake_twilio.requests] == [500, 201]
    assert receipt.message_id == fake_twilio.requests[1].sid


def test_two_500s_give_a_retryable_provider_error(live: Services, fake_twilio: FakeTwilio) -> None:
    fake_twilio.fail_next(2)
    err = refused(live, message())
    assert err.code == "provider_error" and err.retryable
    assert [r.status for r in fake_twilio.requests] == [500, 500]


def test_a_hung_request_times_out_and_is_not_repeated(
    live: Services, fake_twilio: FakeTwilio
) -> None:
    fake_twilio.hang_next(1)
    started = time.monotonic()
    err = refused(live, message())
    assert err.code == "provider_timeout" and err.retryable
    assert time.monotonic() - started < 2  # SANDI_TWILIO_TIMEOUT=0.5 in these tests
    assert len(fake_twilio.requests) == 1  # Twilio may have accepted it: no second send


def test_an_unreachable_api_is_retried_once_then_reported(
    live_config: dict, redis_client: Any
) -> None:
    port = free_port()  # nothing listens there
    attempts: list[str] = []

    def http_client(timeout: float):
        from tests.support.fake_twilio import LoopbackHttpClient

        class Counting(LoopbackHttpClient):
            def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
                attempts.append(url)
                return super().request(method, url, *args, **kwargs)

        return Counting(f"http://127.0.0.1:{port}", timeout)

    live_config["twilio_http_client"] = http_client
    services = create_app(live_config).extensions["sandi"]
    err = refused(services, message())
    assert err.code == "provider_error" and err.retryable and len(attempts) == 2


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
    for name in ("TWILIO_SMS_FROM", "TWILIO_VOICE_FROM", "SANDI_FLASHCALL_NUMBERS"):
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
