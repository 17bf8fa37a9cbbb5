"""Conversation tests: the real app, its real OTP service, codes read off the outbox."""

from __future__ import annotations

import pytest
from flask import Flask

from tests.support.chat import Chat
from tests.support.sent_codes import SentCodes
from tests.support.twilio_webhooks import Twilio


@pytest.fixture
def otp(app: Flask) -> SentCodes:
    return SentCodes(app.extensions["sandi"])


@pytest.fixture
def chat(twilio: Twilio, otp: SentCodes) -> Chat:
    return Chat(twilio)
