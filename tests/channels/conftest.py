"""Fixtures for the channel tests: a live app (Twilio mode) pointed at the fake API."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.datastructures import MultiDict

from app import create_app
from app.wiring.services import Services
from tests.support.fake_twilio import ACCOUNT_SID, AUTH_TOKEN, Callback, FakeTwilio
from tests.support.jobs import run_jobs
from tests.support.otp_recording import RecordingOtp
from tests.support.twilio_webhooks import Twilio

SMS_FROM = "+14155550100"
WHATSAPP_FROM = "+14155238886"
VOICE_FROM = "+14155550199"
OTP_CONTENT_SID = "HX" + "a" * 32
WINDOW_CONTENT_SID = "HX" + "b" * 32
#: The number range the business owns: the last four digits are the code (issue 13: a
#: pool of 100 numbers made a code guessable 1 time in 20 with 5 tries).
FLASH_RANGE = "+6221500XXXX"
FLASH_POOL = tuple(f"+6221500{n:04d}" for n in range(10_000))
CUSTOMER = "+6281234567890"
STATUS_PATH = "/webhooks/twilio/status"


@pytest.fixture
def fake_twilio() -> Iterator[FakeTwilio]:
    fake = FakeTwilio().start()
    yield fake
    fake.stop()


@pytest.fixture
def live_config(app_config: dict[str, Any], fake_twilio: FakeTwilio) -> dict[str, Any]:
    """Twilio mode, every channel configured, the real twilio client sent to the fake
    through ``TWILIO_API_BASE_URL`` (Sandi's own HTTP session and retry rules)."""
    app_config.update(
        {
            "SANDI_SANDBOX": "0",
            "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
            "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
            "SANDI_PUBLIC_URL": "http://localhost",
            "SANDI_BRAND": "TokoKu",
            "TWILIO_SMS_FROM": SMS_FROM,
            "TWILIO_WHATSAPP_FROM": WHATSAPP_FROM,
            "TWILIO_WHATSAPP_OTP_CONTENT_SID": OTP_CONTENT_SID,
            "TWILIO_VOICE_FROM": VOICE_FROM,
            "SANDI_FLASHCALL_RANGE": FLASH_RANGE,
            "SANDI_TWILIO_TIMEOUT": "0.5",
            "SANDI_AUTO_WHATSAPP_PREFIXES": "",
            "TWILIO_API_BASE_URL": fake_twilio.base_url,
            # The channel tests send hundreds of unapproved codes to one number
            # range: pumping, to the fraud guard (tested in tests/otp/test_fraud*).
            "SANDI_FRAUD_GUARD": "off",
        }
    )
    return app_config


@pytest.fixture
def live_app(live_config: dict[str, Any], redis_client: Any) -> Flask:
    return create_app(live_config)


@pytest.fixture
def live(live_app: Flask) -> Services:
    return live_app.extensions["sandi"]  # type: ignore[no-any-return]


@pytest.fixture
def live_client(live_app: Flask) -> FlaskClient:
    return live_app.test_client()


@pytest.fixture
def otp(live: Services) -> RecordingOtp:
    """The app's real OTP service, with its calls from the channels recorded."""
    return RecordingOtp(live)


@pytest.fixture
def poster(live_client: FlaskClient) -> Twilio:
    """Posts webhooks signed with the live auth token, as Twilio does."""
    return Twilio(live_client, token=AUTH_TOKEN)


def post_status(
    poster: Twilio, form: dict[str, str], path: str = STATUS_PATH, *, work: bool = True
) -> Any:
    """Post one signed callback, then let a real rq worker (in this process) run the
    jobs it enqueued, as the `sandi worker` beside the server would."""
    response = poster.post(MultiDict(form), path=path)
    response.close()
    if work:
        run_jobs(poster.client.application.extensions["sandi"])
    return response


def deliver(poster: Twilio, callbacks: list[Callback]) -> list[Any]:
    return [post_status(poster, cb.form, urlsplit(cb.url).path) for cb in callbacks]
