"""Issue 13.9, the chat side: hostile names and digits never break a conversation."""

from __future__ import annotations

import logging
import xml.etree.ElementTree as ET
from typing import Any

import pytest

from app import create_app
from app.conversation.ports import OtpCheck, OtpStart
from tests.support.chat import Chat
from tests.support.sent_codes import SentCodes
from tests.support.twilio_webhooks import CUSTOMER, Twilio, inbound_form


@pytest.mark.parametrize("name", ["Bu\x01di\x07", "Budi\ufffe", "Bu\x1bdi\uffff", "Bu\u0085di"])
def test_control_characters_in_the_profile_name_still_give_valid_twiml(
    twilio: Twilio, name: str
) -> None:
    response = twilio.post(inbound_form("halo", profile_name=name))
    assert response.status_code == 200
    root = ET.fromstring(response.get_data())  # raised ParseError on the old main
    (reply,) = [m.text or "" for m in root.iter("Message")]
    assert reply.startswith("Halo Bu")


def test_a_code_typed_in_full_width_digits_is_the_code(chat: Chat, otp: SentCodes) -> None:
    chat.say("verifikasi")
    chat.say("sms")
    code = otp.last().code
    wide = "".join(chr(ord(c) - ord("0") + ord("０")) for c in code)
    assert "terverifikasi" in chat.say(wide)


def test_a_code_in_arabic_indic_digits_is_the_code_too(chat: Chat, otp: SentCodes) -> None:
    chat.say("verifikasi")
    chat.say("sms")
    code = otp.last().code
    assert "terverifikasi" in chat.say("".join(chr(0x0660 + int(c)) for c in code))


class _Broken:
    """An OTP service that fails in an unexpected way (a bug, not a refusal)."""

    def start(
        self, *, to: str, channel: str, purpose: str, locale: str, sender: str = ""
    ) -> OtpStart:
        raise RuntimeError("boom")

    def check(self, *, to: str, purpose: str, code: str) -> OtpCheck:
        raise RuntimeError("boom")


def test_the_turn_failed_log_line_masks_the_number(
    app_config: dict[str, Any], redis_client: Any, caplog: pytest.LogCaptureFixture
) -> None:
    app_config["otp"] = _Broken()
    chat = Chat(Twilio(create_app(app_config).test_client()))
    chat.say("verifikasi")
    with caplog.at_level(logging.ERROR, logger="app.conversation.engine"):
        chat.say("sms")
    (line,) = [r.getMessage() for r in caplog.records if "turn failed" in r.getMessage()]
    assert "wa:+62812****7890" in line
    assert CUSTOMER not in line
