"""A chat turn that sends a code finishes inside its conversation lock, even
when Twilio hangs: the provider timeouts are cut to fit the lease."""

from __future__ import annotations

import json
import time
from typing import Any

from app import create_app
from app.channels.settings import ChannelSettings
from app.config import Settings
from app.store import keys
from tests.support.fake_twilio import AUTH_TOKEN, FakeTwilio
from tests.support.twilio_webhooks import CUSTOMER, Twilio, inbound_form


def test_provider_timeouts_fit_the_lease(live_config: dict[str, Any]) -> None:
    live_config.update(SANDI_LOCK_TIMEOUT_MS="12000", SANDI_TWILIO_TIMEOUT="30")
    settings = Settings.from_mapping(live_config)
    fitted = ChannelSettings.from_settings(settings).within(10.0)
    assert fitted.twilio_timeout == 5.0 and fitted.smtp_timeout == 5.0
    live_config["SANDI_TWILIO_TIMEOUT"] = "2"
    short = ChannelSettings.from_settings(Settings.from_mapping(live_config)).within(10.0)
    assert short.twilio_timeout == 2.0  # what the operator asked, when it fits


def test_a_hanging_twilio_ends_the_turn_in_time_with_the_flows_apology(
    live_config: dict[str, Any], fake_twilio: FakeTwilio, redis_client: Any
) -> None:
    # Lease 3 s -> 1 s for provider calls -> 0.5 s per Twilio try; asked: 30 s.
    live_config.update(SANDI_LOCK_TIMEOUT_MS="3000", SANDI_TWILIO_TIMEOUT="30")
    twilio = Twilio(create_app(live_config).test_client(), token=AUTH_TOKEN)
    assert twilio.post(inbound_form("verifikasi")).status_code == 200
    before = len(fake_twilio.requests)  # the channel question went out by REST (buttons)
    fake_twilio.hang_next(1)
    started = time.monotonic()
    reply = twilio.post(inbound_form("1"))  # SMS
    assert time.monotonic() - started < 3.0
    assert reply.status_code == 200
    assert "tidak bisa mengirim kode" in reply.get_data(as_text=True)
    # A read timeout is not retried: no second code.
    assert len(fake_twilio.requests) == before + 1
    session = json.loads(redis_client.get(keys.session(f"wa:{CUSTOMER}")))
    assert [h["in"] for h in session["history"]][-2:] == ["verifikasi", "1"]
