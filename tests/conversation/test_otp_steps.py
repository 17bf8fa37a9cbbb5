"""The OTP steps' contract with the OTP service, through the OtpPort.

They run against the app's real OTP service; codes are read off the sandbox
outbox (tests/support/sent_codes.py).
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from app import create_app
from app.config import ROOT
from app.conversation.ports import OtpCheck, OtpStart
from tests.support.chat import Chat
from tests.support.clock import FakeClock
from tests.support.sent_codes import SentCodes
from tests.support.twilio_webhooks import CUSTOMER, Twilio


def test_refused_send_takes_the_error_branch(twilio: Twilio, otp: SentCodes) -> None:
    chat = Chat(twilio, sender="+6591234567")  # Singapore: not in SANDI_ALLOWED_COUNTRIES
    chat.say("verifikasi")
    # The error branch, saying why (issue 17: "not supported", not "try again later").
    assert chat.say("sms").startswith(
        "Maaf, kami tidak bisa mengirim kode ke nomor dari negara ini"
    )
    assert "Selamat datang" in chat.say("menu")


def test_cooldown_at_the_first_send_keeps_the_code_already_out(chat: Chat, otp: SentCodes) -> None:
    chat.say("verifikasi")
    chat.say("sms")
    code = otp.last().code
    chat.say("menu")
    chat.say("1")
    assert "baru saja dikirim dan masih berlaku" in chat.say("sms")
    assert "terverifikasi" in chat.say(code)
    assert len(otp.sent) == 1


def test_a_resend_keeps_the_failure_count(chat: Chat, otp: SentCodes, clock: FakeClock) -> None:
    chat.say("verifikasi")
    chat.say("sms")
    chat.say("000000")
    chat.say("000001")
    clock.advance(seconds=31)
    assert "Kode verifikasi sudah dikirim" in chat.say("kirim ulang")
    assert chat.say("000002").startswith("Kode salah 3 kali")


def test_expired_code(chat: Chat, otp: SentCodes, clock: FakeClock) -> None:
    chat.say("verify my number")
    chat.say("sms")
    clock.advance(minutes=6)
    assert chat.say(otp.last().code).startswith("The code has expired.")


def test_the_service_attempt_limit_ends_the_step(
    app_config: dict[str, Any], redis_client: Any
) -> None:
    app_config["SANDI_OTP_MAX_CHECKS"] = "2"  # the service allows fewer tries than the flow
    chat = Chat(Twilio(create_app(app_config).test_client()))
    chat.say("verifikasi")
    chat.say("sms")
    assert "Sisa percobaan: 2" in chat.say("000000")
    assert chat.say("000001").startswith("Kode salah 3 kali")


class _Unavailable:
    """An OTP service that answers but never sends (a provider outage)."""

    def start(
        self, *, to: str, channel: str, purpose: str, locale: str,
        flow: str | None = None, sender: str = "",
    ) -> OtpStart:  # fmt: skip
        return OtpStart("failed")

    def check(self, *, to: str, purpose: str, code: str) -> OtpCheck:
        return OtpCheck("not_found")


def test_a_service_that_cannot_send_is_polite(
    app_config: dict[str, Any], redis_client: Any
) -> None:
    app_config["otp"] = _Unavailable()
    chat = Chat(Twilio(create_app(app_config).test_client()))
    chat.say("ganti email")
    chat.say("budi@contoh.com")
    assert chat.say("ya").startswith("Maaf, kami tidak bisa mengirim kode ke budi@contoh.com")


def test_a_real_delivery_failure_is_polite(
    app_config: dict[str, Any], redis_client: Any, tmp_path: Path
) -> None:
    """The real service, whose SMS channel cannot deliver (its template is missing)."""
    templates = tmp_path / "templates"
    shutil.copytree(ROOT / "templates", templates)
    for sms_template in templates.glob("*/otp_sms.j2"):
        sms_template.unlink()
    app_config["SANDI_TEMPLATES_DIR"] = str(templates)
    chat = Chat(Twilio(create_app(app_config).test_client()), sender="+6281111111111")
    chat.say("verifikasi")
    assert chat.say("sms").startswith("Maaf, kami tidak bisa mengirim kode")


def test_typed_codes_stay_out_of_the_stored_history(
    chat: Chat, otp: SentCodes, redis_client: Any
) -> None:
    import json

    from app.store import keys

    chat.say("verifikasi")
    chat.say("sms")
    chat.say("999 999")
    code = otp.last().code
    chat.say(code)
    stored = redis_client.get(keys.session(f"wa:{CUSTOMER}"))
    assert code not in stored and "999 999" not in stored
    history = [h["in"] for h in json.loads(stored)["history"]]
    assert history == ["verifikasi", "sms", "[code]", "[code]"]


def test_a_flow_may_send_its_code_on_channel_auto(
    app_config: dict[str, Any], redis_client: Any, tmp_path: Path
) -> None:
    """``channel: auto`` in a flow: WhatsApp for a customer reachable there (an
    Indonesian number by default), as /v1 and /v2 do; its fallback follows from there."""
    flows = tmp_path / "flows"
    shutil.copytree(ROOT / "flows", flows)
    flow = flows / "verify_number.yml"
    flow.write_text(flow.read_text().replace('channel: "{{ code_channel }}"', "channel: auto"))
    app_config["SANDI_FLOWS_DIR"] = str(flows)
    app = create_app(app_config)
    sent = SentCodes(app.extensions["sandi"])
    chat = Chat(Twilio(app.test_client()), sender="+6281234500001")
    chat.say("verifikasi")
    chat.say("sms")  # the customer's choice no longer decides: the flow says auto
    (code,) = sent.sent
    assert code.channel == "whatsapp"
    assert "terverifikasi" in chat.say(code.code)
