"""Payments in flows (issue 16): ``otp_issue`` binds the code to an amount and a payee.

Through the real webhook, the real OTP service and the sandbox channels: the
code's messages show what it approves, ``otp_confirm`` approves only that, a
WhatsApp code is preceded by the chat's notice, and a refused binding is logged.
"""

from __future__ import annotations

import logging
import shutil
import textwrap
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from app import create_app
from app.config import ROOT
from app.web.current import services as current_services
from app.wiring.otp_glue import ChatOtp
from app.wiring.services import Services
from tests.support.chat import Chat
from tests.support.sent_codes import SentCodes
from tests.support.twilio_webhooks import CUSTOMER, Twilio

PAY_FLOW = """\
    flow: pay_here
    triggers: {id: [bayar di sini], en: [trial checkout]}
    steps:
      - set: {total: 150000, shop: Toko Kenari}
      - otp_issue: payment
        channel: CHANNEL
        amount: "{{ total }}"
        payee: "{{ shop }}"
      - otp_confirm: payment
      - end: pay_here/done
"""


def _app(app_config: dict[str, Any], tmp_path: Path, channel: str) -> Flask:
    flows, templates = tmp_path / "flows", tmp_path / "templates"
    shutil.copytree(ROOT / "flows", flows, ignore=shutil.ignore_patterns("tests"))
    shutil.copytree(ROOT / "templates", templates)
    text = textwrap.dedent(PAY_FLOW).replace("CHANNEL", channel)
    (flows / "pay_here.yml").write_text(text, encoding="utf-8")
    for locale, done in (("id", "Pembayaran disetujui."), ("en", "Payment approved.")):
        (templates / locale / "pay_here").mkdir()
        (templates / locale / "pay_here" / "done.j2").write_text(done, encoding="utf-8")
    app_config.update(SANDI_FLOWS_DIR=str(flows), SANDI_TEMPLATES_DIR=str(templates))
    return create_app(app_config)


def _services(app: Flask) -> Services:
    with app.app_context():
        return current_services()


@pytest.fixture
def whatsapp_app(app_config: dict[str, Any], tmp_path: Path, redis_client: Any) -> Flask:
    return _app(app_config, tmp_path, "whatsapp")


def test_a_whatsapp_payment_code_is_preceded_by_the_notice_and_approves(
    whatsapp_app: Flask,
) -> None:
    otp = SentCodes(_services(whatsapp_app))
    chat = Chat(Twilio(whatsapp_app.test_client()))
    reply = chat.say("bayar di sini")
    notice = (
        "Pesan kode dari WhatsApp tidak bisa menampilkan jumlah dan penerima pembayaran. "
        "Kode itu hanya menyetujui pembayaran Rp150.000 ke Toko Kenari; jangan berikan "
        "kepada siapa pun."
    )
    assert reply.startswith(notice)  # said first, then that the code is on its way
    assert reply.index("Kode verifikasi sudah dikirim lewat WhatsApp") > len(notice)
    code = otp.last().code
    assert otp.last().channel == "whatsapp"
    assert chat.say(code) == "Pembayaran disetujui."


def test_the_notice_is_in_the_conversations_language(whatsapp_app: Flask) -> None:
    chat = Chat(Twilio(whatsapp_app.test_client()))
    chat.say("english")  # the customer's language: English from now on
    assert chat.say("trial checkout").startswith(
        "WhatsApp's code message cannot show the amount and the payee. That code approves "
        "only the payment of Rp150.000 to Toko Kenari"
    )


def test_the_sms_shows_the_amount_and_a_code_approves_only_its_own_payment(
    app_config: dict[str, Any], tmp_path: Path, redis_client: Any
) -> None:
    app = _app(app_config, tmp_path, "sms")
    services = _services(app)
    otp = SentCodes(services)
    chat = Chat(Twilio(app.test_client()))
    reply = chat.say("bayar di sini")
    assert "WhatsApp" not in reply  # no notice: the SMS itself says what the code approves
    (entry,) = services.outbox.read(CUSTOMER)
    assert "untuk bayar Rp150.000 ke Toko Kenari" in entry["body"]
    code = otp.last().code
    # The same code for another amount (or no amount at all) approves nothing.
    other = services.otp.check(
        code=code, to=CUSTOMER, purpose="payment", amount="Rp1.500.000", payee="Toko Kenari"
    )
    assert not other.valid
    assert chat.say(code) == "Pembayaran disetujui."


def test_a_refused_binding_is_logged_not_silent(
    app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    port = ChatOtp(_services(app).otp)
    with caplog.at_level(logging.ERROR, logger="app.wiring.otp_glue"):
        result = port.start(
            to=CUSTOMER, channel="sms", purpose="payment", locale="id", flow="pay_here"
        )
    assert result.status == "refused" and result.reason == "payment_binding_required"
    (line,) = [r.getMessage() for r in caplog.records if r.name == "app.wiring.otp_glue"]
    assert "otp payment from flow pay_here refused: payment_binding_required" in line


def test_the_call_says_the_amount_and_payee(app: Flask, otp: SentCodes) -> None:
    services = _services(app)
    services.otp.start(CUSTOMER, "call", "payment", "id", amount="Rp150.000", payee="Toko Kenari")
    (entry,) = services.outbox.read(CUSTOMER)
    assert "Kode untuk membayar Rp150.000 kepada Toko Kenari adalah" in entry["body"]


def test_the_email_shows_the_amount_and_payee(
    app_config: dict[str, Any], redis_client: Any
) -> None:
    app_config["SANDI_EMAIL_OTP_PURPOSES"] = "payment,change_email"
    services = _services(create_app(app_config))
    services.otp.start(
        "budi@contoh.com", "email", "payment", "en", amount="Rp150.000", payee="Toko Kenari"
    )
    (entry,) = services.outbox.read("budi@contoh.com")
    assert entry["extra"]["subject"].endswith("to pay Rp150.000 to Toko Kenari")
    assert "<strong>Rp150.000</strong> to <strong>Toko Kenari</strong>" in entry["extra"]["html"]
    assert "verification code to pay Rp150.000 to Toko Kenari:" in entry["body"]


def test_auto_that_picks_whatsapp_gives_the_notice_too(
    app_config: dict[str, Any], tmp_path: Path, redis_client: Any
) -> None:
    app = _app(app_config, tmp_path, "auto")
    otp = SentCodes(_services(app))
    reply = Chat(Twilio(app.test_client())).say("bayar di sini")
    assert otp.last().channel == "whatsapp"  # the customer writes from WhatsApp
    assert reply.startswith("Pesan kode dari WhatsApp tidak bisa menampilkan jumlah")
    assert "Kode verifikasi sudah dikirim lewat WhatsApp" in reply
