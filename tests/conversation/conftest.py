"""Conversation tests: apps wired to the OTP test double (see tests/support/otp_double.py)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.chat import Chat
from tests.support.clock import FakeClock
from tests.support.otp_double import OtpDouble
from tests.support.twilio_webhooks import Twilio


@pytest.fixture
def otp(clock: FakeClock) -> OtpDouble:
    return OtpDouble(clock)


@pytest.fixture
def app_config(app_config: dict[str, Any], otp: OtpDouble) -> dict[str, Any]:
    app_config["otp"] = otp
    return app_config


@pytest.fixture
def chat(twilio: Twilio) -> Chat:
    return Chat(twilio)
