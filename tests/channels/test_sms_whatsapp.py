"""SMS and WhatsApp through the real twilio client and the fake Twilio API."""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path
from typing import Any

import pytest

from app import create_app
from app.config import ROOT, ConfigError
from app.content.gsm7 import septets, to_ascii_gsm
from app.otp.ports import CodeMessage, DeliveryError
from app.wiring.services import Services
from tests.channels.conftest import (
    CUSTOMER,
    OTP_CONTENT_SID,
    SMS_FROM,
    WHATSAPP_FROM,
    WINDOW_CONTENT_SID,
)
from tests.support.fake_twilio import ACCOUNT_SID, AUTH_TOKEN, FakeTwilio


def code_message(channel: str, locale: str = "id", **kw: Any) -> CodeMessage:
    fields: dict[str, Any] = {
        "verification_id": "VE" + "2" * 32, "to": CUSTOMER, "channel": channel,
        "code": "583021", "locale": locale, "purpose": "login", "expires_in": 300,
    }  # fmt: skip
    fields.update(kw)
    return CodeMessage(**fields)


def test_sms_otp_is_branded_gsm7_one_segment_and_expires_with_the_code(
    live: Services, fake_twilio: FakeTwilio
) -> None:
    receipt = live.channels.deliver(code_message("sms", expires_in=240))
    (sent,) = fake_twilio.created("Messages")
    assert sent.auth == (ACCOUNT_SID, AUTH_TOKEN) and sent.sid == receipt.message_id
    body = sent.get("Body") or ""
    assert body.startswith("TokoKu: 583021 adalah kode verifikasi Anda.")
    assert "Berlaku 4 menit" in body
    assert body.isascii() and (septets(body) or 999) <= 160
    assert sent.get("From") == SMS_FROM and sent.get("To") == CUSTOMER
    assert sent.get("ValidityPeriod") == "240"
    assert sent.get("StatusCallback") == "http://localhost/webhooks/twilio/status"
    record = live.channels.log.get(receipt.message_id)
    assert record["verification_id"] == "VE" + "2" * 32 and record["channel"] == "sms"


def test_payment_sms_names_amount_and_payee_in_english(
    live: Services, fake_twilio: FakeTwilio
) -> None:
    live.channels.deliver(
        code_message("sms", "en", purpose="payment", amount="Rp 150.000", payee="Toko Buku")
    )
    body = fake_twilio.created()[0].get("Body") or ""
    assert body == (
        "TokoKu: 583021 is your verification code to pay Rp 150.000 to Toko Buku. "
        "Valid for 5 min. Never share this code."
    )


def test_messaging_service_replaces_the_from_number(
    live_config: dict, redis_client: Any, fake_twilio: FakeTwilio
) -> None:
    live_config["TWILIO_MESSAGING_SERVICE_SID"] = "MG" + "c" * 32
    del live_config["TWILIO_SMS_FROM"]
    create_app(live_config).extensions["sandi"].channels.deliver(code_message("sms"))
    (sent,) = fake_twilio.created()
    assert sent.get("MessagingServiceSid") == "MG" + "c" * 32 and sent.get("From") is None


def copy_templates(tmp_path: Path) -> Path:
    target = tmp_path / "templates"
    shutil.copytree(ROOT / "templates", target)
    return target


def test_a_template_without_the_brand_or_with_curly_quotes_is_fixed_on_the_way_out(
    live_config: dict, redis_client: Any, fake_twilio: FakeTwilio, tmp_path: Path
) -> None:
    templates = copy_templates(tmp_path)
    (templates / "id" / "otp_sms.j2").write_text("Kode Anda {{ code }} – jangan “bagikan” é\n")
    live_config["SANDI_TEMPLATES_DIR"] = str(templates)
    with pytest.raises(ConfigError, match="GSM-7"):
        create_app(live_config)  # start-up refuses a template that is not GSM-7 ...
    (templates / "id" / "otp_sms.j2").write_text("Kode Anda {{ code }}\n")
    services = create_app(live_config).extensions["sandi"]
    services.channels.deliver(code_message("sms"))
    assert fake_twilio.created()[0].get("Body") == "TokoKu: Kode Anda 583021"  # ... brand added


def test_gsm_folding_keeps_text_plain_ascii() -> None:
    assert to_ascii_gsm("Kode “123” – café…") == 'Kode "123" - cafe...'
    assert to_ascii_gsm("emoji 🙂") == "emoji ?"
    assert septets("a{b}") == 6 and septets("ü") == 1 and septets("🙂") is None


def test_a_template_longer_than_one_segment_stops_the_server(
    live_config: dict, redis_client: Any, tmp_path: Path
) -> None:
    templates = copy_templates(tmp_path)
    (templates / "en" / "otp_sms.j2").write_text("{{ brand }} {{ code }} " + "x" * 150 + "\n")
    live_config["SANDI_TEMPLATES_DIR"] = str(templates)
    with pytest.raises(ConfigError, match="one segment"):
        create_app(live_config)


def test_whatsapp_otp_goes_as_the_authentication_template(
    live: Services, fake_twilio: FakeTwilio
) -> None:
    receipt = live.channels.deliver(code_message("whatsapp"))
    (sent,) = fake_twilio.created()
    assert receipt.channel == "whatsapp" and sent.sid == receipt.message_id
    assert (
        sent.get("To") == f"whatsapp:{CUSTOMER}" and sent.get("From") == f"whatsapp:{WHATSAPP_FROM}"
    )
    assert sent.get("ContentSid") == OTP_CONTENT_SID and sent.get("Body") is None
    variables = sent.get("ContentVariables") or ""
    assert json.loads(variables) == {"1": "583021"}


def test_whatsapp_otp_goes_as_a_template_even_inside_the_window(
    live: Services, fake_twilio: FakeTwilio, poster: Any
) -> None:
    poster.send("halo")  # opens the 24-hour window
    live.channels.deliver(code_message("whatsapp"))
    assert fake_twilio.created()[-1].get("ContentSid") == OTP_CONTENT_SID


def test_free_text_inside_the_24_hour_window(
    live: Services, fake_twilio: FakeTwilio, poster: Any, clock: Any
) -> None:
    poster.send("halo")  # the menu goes out by REST (a list picker)
    clock.advance(hours=23, minutes=59)
    before = len(fake_twilio.created())
    sid = live.channels.send_whatsapp_text(CUSTOMER, "Pesanan Anda sudah dikirim.")
    (sent,) = fake_twilio.created()[before:]
    assert sid == sent.sid and sent.get("Body") == "Pesanan Anda sudah dikirim."


def test_outside_the_window_without_a_template_nothing_is_sent_and_the_log_says_why(
    live: Services, fake_twilio: FakeTwilio, poster: Any, clock: Any, caplog: Any
) -> None:
    poster.send("halo")
    clock.advance(hours=24, seconds=1)
    before = len(fake_twilio.created())
    with caplog.at_level(logging.WARNING, logger="app.channels"):
        assert live.channels.send_whatsapp_text(CUSTOMER, "Pesanan Anda sudah dikirim.") is None
    assert fake_twilio.created()[before:] == []
    (line,) = [r.getMessage() for r in caplog.records if "NOT sent" in r.getMessage()]
    assert "24-hour window" in line and "TWILIO_WHATSAPP_WINDOW_CONTENT_SID" in line
    assert CUSTOMER not in line  # masked
    assert live.channels.send_whatsapp_text("+6289999999999", "hi") is None  # never wrote


def test_outside_the_window_the_configured_template_goes_instead(
    live_config: dict, redis_client: Any, fake_twilio: FakeTwilio, clock: Any
) -> None:
    live_config["TWILIO_WHATSAPP_WINDOW_CONTENT_SID"] = WINDOW_CONTENT_SID
    services = create_app(live_config).extensions["sandi"]
    assert services.channels.send_whatsapp_text(CUSTOMER, "Pesanan dikirim") is not None
    (sent,) = fake_twilio.created()
    assert sent.get("ContentSid") == WINDOW_CONTENT_SID and sent.get("Body") is None
    assert json.loads(sent.get("ContentVariables") or "") == {"1": "Pesanan dikirim"}


def test_a_templates_folder_without_otp_templates_starts_and_refuses_cleanly(
    live_config: dict, redis_client: Any, fake_twilio: FakeTwilio, tmp_path: Path
) -> None:
    # The bundled templates (the flows need theirs) without any of the OTP ones.
    templates = tmp_path / "bare"
    shutil.copytree(ROOT / "templates", templates)
    for otp_template in templates.glob("*/otp_*.j2"):
        otp_template.unlink()
    live_config["SANDI_TEMPLATES_DIR"] = str(templates)
    services = create_app(live_config).extensions["sandi"]
    for channel in ("sms", "whatsapp", "call"):
        with pytest.raises(DeliveryError) as caught:
            services.channels.deliver(code_message(channel))
        assert caught.value.code == "channel_unavailable" and "template" in str(caught.value)
    assert fake_twilio.requests == []
