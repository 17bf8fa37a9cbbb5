"""Media both ways through the signed webhook and the fake Twilio.

In: a step with ``expect: media`` keeps Twilio's ``MediaUrl0``/``MediaContentType0``
and the size a HEAD on that URL (with the account's auth, through the fake's
redirect) says, refusing a wrong type or a file too large in the customer's
language. Out: a ``say`` step's ``media:`` file of the templates folder goes to
WhatsApp as ``MediaUrl`` at a signed URL Sandi serves; SMS gets the text and a link.
"""

from __future__ import annotations

import json
import shutil
import struct
import zlib
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask

from app import create_app
from app.config import ROOT
from app.content.messages import Channel, conversation_id
from app.store import keys
from tests.channels.conftest import CUSTOMER
from tests.support.fake_twilio import AUTH_TOKEN, FakeTwilio
from tests.support.twilio_webhooks import Twilio, inbound_form

PROOF_FLOW = """
flow: proof
description: A photo or PDF of the transfer, then a receipt picture back.
triggers:
  id: [bukti bayar]
  en: [upload receipt]
steps:
  - id: ask_proof
    ask: proof/ask
    expect: media
    accept: [image/jpeg, application/pdf]
    max_bytes: 5000000
    save_as: proof
  - id: thanks
    say: proof/thanks
    media: media/receipt.png
"""
BROCHURE_FLOW = """
flow: brochure
triggers:
  id: [brosur]
  en: [brochure]
steps:
  - say: proof/brochure
    media: media/brochure.pdf
"""
TEMPLATES = {
    "id/proof/ask.j2": "Silakan kirim foto atau PDF bukti transfer Anda.",
    "en/proof/ask.j2": "Please send a photo or PDF of your transfer.",
    "id/proof/thanks.j2": "Terima kasih, bukti ({{ proof.content_type }}) sudah kami terima.",
    "en/proof/thanks.j2": "Thank you, we received your proof ({{ proof.content_type }}).",
    "id/proof/brochure.j2": "Ini brosur kami.",
    "en/proof/brochure.j2": "Here is our brochure.",
}


def png() -> bytes:
    row = b"\x00" + b"\xff\x00\x00"
    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body)
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(row))
        + (chunk(b"IEND", b""))
    )


@pytest.fixture
def media_app(live_config: dict[str, Any], redis_client: Any, tmp_path: Path) -> Flask:
    flows, templates = tmp_path / "flows", tmp_path / "templates"
    shutil.copytree(ROOT / "flows", flows)
    shutil.copytree(ROOT / "templates", templates)
    (flows / "proof.yml").write_text(PROOF_FLOW)
    (flows / "brochure.yml").write_text(BROCHURE_FLOW)
    for name, text in TEMPLATES.items():
        (templates / name).parent.mkdir(parents=True, exist_ok=True)
        (templates / name).write_text(text)
    (templates / "media").mkdir()
    (templates / "media" / "receipt.png").write_bytes(png())
    (templates / "media" / "brochure.pdf").write_bytes(b"%PDF-1.4\n%%EOF\n")
    live_config.update(SANDI_FLOWS_DIR=str(flows), SANDI_TEMPLATES_DIR=str(templates))
    return create_app(live_config)


@pytest.fixture
def twilio(media_app: Flask) -> Twilio:
    return Twilio(media_app.test_client(), token=AUTH_TOKEN)


def media_form(url: str, content_type: str, body: str = "") -> Any:
    sid = "MM" + "1" * 32
    extra = {"NumMedia": "1", "MediaUrl0": url, "MediaContentType0": content_type}
    return inbound_form(body, sid=sid.replace("1", "2", 1), extra=extra)


def saved(media_app: Flask) -> dict[str, Any]:
    redis = media_app.extensions["sandi"].redis
    raw = redis.get(keys.session(conversation_id(Channel.WHATSAPP, CUSTOMER)))
    return json.loads(raw or "{}").get("vars", {})  # type: ignore[no-any-return]


def test_a_photo_is_saved_with_its_type_and_size_and_a_picture_goes_back(
    twilio: Twilio, fake_twilio: FakeTwilio, media_app: Flask
) -> None:
    assert "bukti transfer" in twilio.send("bukti bayar").get_data(as_text=True)
    url = fake_twilio.add_media(120_000, "image/jpeg")
    response = twilio.post(media_form(url, "image/jpeg"))
    assert response.status_code == 200
    assert saved(media_app)["proof"] == {"url": url, "content_type": "image/jpeg", "size": 120_000}
    (sent,) = fake_twilio.created("Messages")
    assert sent.get("Body") == "Terima kasih, bukti (image/jpeg) sudah kami terima."
    (media_url,) = sent.form["MediaUrl"]
    assert media_url.startswith("http://localhost/media/media/receipt.png?sig=")
    # Twilio fetches it without credentials: the signature is the key.
    client = media_app.test_client()
    picture = client.get(media_url.removeprefix("http://localhost"))
    assert picture.status_code == 200 and picture.mimetype == "image/png"
    assert picture.data == png()
    picture.close()
    forged = client.get(urlsplit(media_url).path + "?sig=" + "0" * 32)
    assert forged.status_code == 403
    template = client.get("/media/id/proof/ask.j2?sig=" + "0" * 32)
    assert template.status_code == 403


def test_a_wrong_type_is_refused_in_the_customers_language(
    twilio: Twilio, fake_twilio: FakeTwilio, media_app: Flask
) -> None:
    twilio.send("bukti bayar")
    url = fake_twilio.add_media(2_000_000, "video/mp4")
    twiml = twilio.post(media_form(url, "video/mp4")).get_data(as_text=True)
    assert "jenis file itu tidak bisa kami terima" in twiml and "JPG, PDF" in twiml
    assert "proof" not in saved(media_app)


def test_a_file_too_large_is_refused_with_the_limit(
    twilio: Twilio, fake_twilio: FakeTwilio, media_app: Flask
) -> None:
    twilio.send("bukti bayar")
    url = fake_twilio.add_media(6_000_000, "application/pdf")
    twiml = twilio.post(media_form(url, "application/pdf")).get_data(as_text=True)
    assert "file itu terlalu besar (maksimal 5.0 MB)" in twiml
    assert "proof" not in saved(media_app)


def test_text_instead_of_a_file_asks_for_the_attachment(twilio: Twilio) -> None:
    twilio.send("bukti bayar")
    twiml = twilio.send("sudah saya transfer kemarin").get_data(as_text=True)
    assert "sebagai lampiran" in twiml


def test_a_pdf_goes_to_whatsapp_as_media_and_to_sms_as_a_link(
    twilio: Twilio, fake_twilio: FakeTwilio
) -> None:
    twilio.send("brosur")
    (sent,) = fake_twilio.created("Messages")
    assert sent.get("Body") == "Ini brosur kami."
    assert sent.form["MediaUrl"][0].startswith("http://localhost/media/media/brochure.pdf?sig=")
    twiml = twilio.send("brosur", channel="sms", sender="+447700900123").get_data(as_text=True)
    assert "Ini brosur kami.\nhttp://localhost/media/media/brochure.pdf?sig=" in twiml
    assert len(fake_twilio.created("Messages")) == 1  # SMS: TwiML, no REST


def test_a_us_number_gets_the_pdf_as_mms(twilio: Twilio) -> None:
    twiml = twilio.send("brosur", channel="sms", sender="+12025550143").get_data(as_text=True)
    assert (
        "<Body>Ini brosur kami.</Body><Media>http://localhost/media/media/brochure.pdf?sig="
        in twiml
    )


def test_an_english_customer_is_told_in_english(
    twilio: Twilio, fake_twilio: FakeTwilio, media_app: Flask
) -> None:
    twilio.send("english")
    assert "photo or PDF of your transfer" in twilio.send("upload receipt").get_data(as_text=True)
    url = fake_twilio.add_media(1_000, "image/png")
    twiml = twilio.post(media_form(url, "image/png")).get_data(as_text=True)
    assert "Sorry, we can't take that kind of file. Please send it as JPG, PDF." in twiml
