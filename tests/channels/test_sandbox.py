"""Sandbox mode: every channel renders what it would send into the outbox, in the right language."""

from __future__ import annotations

import json
import logging
import xml.etree.ElementTree as ET

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.otp.ports import CodeMessage, DeliveryReceipt
from tests.channels.conftest import CUSTOMER


def send(app: Flask, channel: str, locale: str, to: str = CUSTOMER, **kw) -> DeliveryReceipt:
    message = CodeMessage("VE" + "1" * 32, to, channel, "483920", locale, "signup", 300, **kw)
    return app.extensions["sandi"].channels.deliver(message)


def outbox(client: FlaskClient, to: str) -> list[dict]:
    response = client.get("/sandbox/outbox", query_string={"to": to})
    assert response.status_code == 200
    return response.get_json()["messages"]


@pytest.mark.parametrize(
    ("locale", "words"),
    [("id", "adalah kode verifikasi Anda"), ("en", "is your verification code")],
)
def test_sms_lands_in_the_outbox_branded_in_the_customers_language(
    app: Flask, client: FlaskClient, locale: str, words: str
) -> None:
    receipt = send(app, "sms", locale)
    (entry,) = outbox(client, CUSTOMER)
    assert entry["sid"] == receipt.message_id and receipt.channel == "sms"
    assert entry["channel"] == "sms" and entry["code"] == "483920"
    assert entry["body"].startswith("Toko Kenari: 483920 ") and words in entry["body"]
    twilio = entry["extra"]["twilio"]
    assert twilio["resource"] == "Messages"
    assert twilio["Body"] == entry["body"] and twilio["ValidityPeriod"] == 300
    assert twilio["StatusCallback"] == "http://localhost/webhooks/twilio/status"


@pytest.mark.parametrize(("locale", "words"), [("id", "adalah kode"), ("en", "is your")])
def test_whatsapp_outbox_shows_the_template_variables_and_a_preview(
    app: Flask, client: FlaskClient, locale: str, words: str
) -> None:
    send(app, "whatsapp", locale)
    (entry,) = outbox(client, f"whatsapp:{CUSTOMER}")
    twilio = entry["extra"]["twilio"]
    assert twilio["To"] == f"whatsapp:{CUSTOMER}" and twilio["From"].startswith("whatsapp:+")
    assert json.loads(twilio["ContentVariables"]) == {"1": "483920"}
    assert twilio["ContentSid"].startswith("HX") and "Body" not in twilio
    assert "483920" in entry["body"] and words in entry["body"]


@pytest.mark.parametrize(("locale", "language"), [("id", "id-ID"), ("en", "en-US")])
def test_call_outbox_holds_the_twiml_that_reads_the_code(
    app: Flask, client: FlaskClient, locale: str, language: str
) -> None:
    send(app, "call", locale)
    (entry,) = outbox(client, CUSTOMER)
    root = ET.fromstring(entry["extra"]["twilio"]["Twiml"])
    says = root.iter("Say")
    assert {s.get("language") for s in says} == {language}
    assert "4, 8, 3, 9, 2, 0." in entry["body"] and entry["code"] == "483920"


@pytest.mark.parametrize(
    ("locale", "words"), [("id", "Kode verifikasi"), ("en", "verification code")]
)
def test_email_outbox_holds_both_parts(
    app: Flask, client: FlaskClient, locale: str, words: str
) -> None:
    send(app, "email", locale, to="Budi@Example.co.id")
    (entry,) = outbox(client, "budi@example.co.id")
    assert entry["channel"] == "email" and "483920" in entry["body"] and words in entry["body"]
    assert "483920" in entry["extra"]["subject"] and "483920" in entry["extra"]["html"]
    assert f'lang="{locale}"' in entry["extra"]["html"] and entry["extra"]["language"] == locale


def test_flashcall_outbox_shows_the_caller_number_whose_ending_is_the_code(
    app: Flask, client: FlaskClient
) -> None:
    receipt = send(app, "flashcall", "id")
    (entry,) = outbox(client, CUSTOMER)
    caller = entry["extra"]["caller"]
    assert receipt.code == caller[-4:] == entry["code"] and entry["extra"]["code_length"] == 4
    assert entry["extra"]["twilio"]["From"] == caller and caller in entry["body"]
    assert ET.fromstring(entry["extra"]["twilio"]["Twiml"])[0].tag == "Hangup"


def test_auto_prefers_whatsapp_for_a_number_that_wrote_on_whatsapp(
    app: Flask, client: FlaskClient, twilio
) -> None:
    assert send(app, "auto", "id", to="+6591234567").channel == "sms"
    twilio.send("halo", sender="+6591234567")  # the customer writes on WhatsApp
    assert send(app, "auto", "id", to="+6591234567").channel == "whatsapp"


def test_auto_uses_whatsapp_for_configured_country_prefixes(app: Flask) -> None:
    assert send(app, "auto", "id").channel == "whatsapp"  # +62 is in the default prefixes


def test_form_names_as_twilio_spells_them_asked_once_or_again() -> None:
    from app.channels.twilio_api import form_name

    names = {
        "to": "To", "from_": "From", "body": "Body", "status_callback": "StatusCallback",
        "validity_period": "ValidityPeriod", "messaging_service_sid": "MessagingServiceSid",
        "content_sid": "ContentSid", "content_variables": "ContentVariables", "twiml": "Twiml",
        "send_as_mms": "SendAsMms",
    }  # fmt: skip
    for _ in range(3):
        assert {k: form_name(k) for k in names} == names
    assert form_name.__wrapped__("status_callback") == "StatusCallback"  # the rule itself


def test_an_outbox_entry_is_stored_as_json_dumps_writes_it_unescaped(
    app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    """Non-ASCII kept as is (``ensure_ascii=False``), byte for byte; and the
    dispatcher's debug line, when asked for, masks the number."""
    from app.store import keys

    services = app.extensions["sandi"]
    entry = {"body": "Kode Anda: 483920 — é 😀", "extra": {"twilio": {"To": CUSTOMER}}, "n": 1}
    services.outbox.append("+6281200000001", entry)
    raw = services.redis.lindex(keys.outbox("+6281200000001"), -1)
    assert raw == json.dumps(entry, ensure_ascii=False)
    caplog.set_level(logging.DEBUG, logger="app.channels.dispatch")
    receipt = send(app, "sms", "en")
    lines = [r.getMessage() for r in caplog.records if r.name == "app.channels.dispatch"]
    assert f"sent sms code to +62812****7890 for VE{'1' * 32} sid={receipt.message_id}" in lines


@pytest.mark.parametrize(
    ("rendered", "sent", "warned"),
    [
        ("483920  adalah\n kode Anda ", "Toko: 483920 adalah kode Anda", False),
        ("Toko: 483920 \u2013 \u201ckode\u201d   Anda", 'Toko: 483920 - "kode" Anda', True),
        ("Toko: 483920 é", "Toko: 483920 e", True),  # accents folded too
    ],
)
def test_the_sms_text_is_spaced_folded_and_branded_with_one_warning_when_folded(
    rendered: str, sent: str, warned: bool, caplog: pytest.LogCaptureFixture
) -> None:
    from types import SimpleNamespace

    from app.channels.sms import SmsChannel

    class Rendered:
        def render(self, name: str, locale: str, context: object) -> str:
            return rendered

    sms = SmsChannel(SimpleNamespace(brand="Toko"), Rendered(), None)  # type: ignore[arg-type]
    message = CodeMessage("VE" + "1" * 32, CUSTOMER, "sms", "483920", "id", "verify", 300)
    caplog.set_level(logging.WARNING, logger="app.channels.sms")
    assert sms.text(message) == sent
    folded = [r for r in caplog.records if "non-GSM" in r.getMessage()]
    assert len(folded) == (1 if warned else 0)
