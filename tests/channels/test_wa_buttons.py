"""WhatsApp replies with choices as Twilio Content, through the signed webhook and the fake.

The real twilio client (Sandi's HTTP session, ``TWILIO_API_BASE_URL``) makes the
content at the fake's ``POST /v1/Content``, which checks it as Twilio does, and
sends the reply with ``ContentSid`` + ``ContentVariables``; the webhook answers
an empty ``<Response/>``.
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any

from werkzeug.datastructures import MultiDict

from app.channels.content import ContentMaker, ContentSpec, content_spec
from app.channels.dispatch import WhatsAppReply
from app.content.messages import Button, Channel, conversation_id
from app.store import keys
from app.store.content_cache import ContentCache
from app.wiring.services import Services
from tests.channels.conftest import CUSTOMER, WHATSAPP_FROM
from tests.support.fake_content import check_content
from tests.support.fake_twilio import FakeTwilio
from tests.support.twilio_webhooks import Twilio, inbound_form

EMPTY = '<?xml version="1.0" encoding="UTF-8"?><Response />'
OTHER = "+6281298765432"


def messages(fake: FakeTwilio) -> list[Any]:
    return fake.created("Messages")


def session(live: Services, number: str = CUSTOMER) -> dict[str, Any]:
    raw = live.redis.get(keys.session(conversation_id(Channel.WHATSAPP, number)))
    return json.loads(raw or "{}")  # type: ignore[no-any-return]


def test_the_demo_welcome_menu_goes_as_a_list_picker_in_indonesian(
    poster: Twilio, fake_twilio: FakeTwilio
) -> None:
    response = poster.send("halo")
    assert response.status_code == 200 and response.get_data(as_text=True) == EMPTY
    (request,) = fake_twilio.content_requests
    assert request["language"] == "id" and request["friendly_name"].startswith("sandi_list_picker")
    picker = request["types"]["twilio/list-picker"]
    assert picker["body"] == "{{1}}" and picker["button"] == "Lihat pilihan"
    assert [(i["id"], i["item"]) for i in picker["items"]] == [
        ("verify_number", "Verifikasi nomor saya"),
        ("change_email", "Ganti e-mail saya"),
        ("faq", "Pertanyaan"),
        ("agent", "Bicara dengan CS"),
        ("confirm_payment", "Konfirmasi pembayaran"),
    ]
    (content_sid,) = fake_twilio.contents
    (sent,) = messages(fake_twilio)
    assert sent.get("ContentSid") == content_sid and sent.get("Body") is None
    assert (
        sent.get("To") == f"whatsapp:{CUSTOMER}" and sent.get("From") == f"whatsapp:{WHATSAPP_FROM}"
    )
    variables = json.loads(sent.get("ContentVariables") or "")
    assert variables == {"1": "Halo Budi! Selamat datang di Toko Kenari. Ada yang bisa kami bantu?"}


def test_the_content_is_made_once_and_reused_for_the_next_customer(
    poster: Twilio, fake_twilio: FakeTwilio
) -> None:
    poster.send("halo", profile_name="Budi")
    poster.send("halo", sender=OTHER, profile_name="Sari")
    assert len(fake_twilio.contents) == 1 and len(fake_twilio.content_requests) == 1
    first, second = messages(fake_twilio)
    assert first.get("ContentSid") == second.get("ContentSid")
    assert json.loads(second.get("ContentVariables") or "")["1"].startswith("Halo Sari!")
    assert second.get("To") == f"whatsapp:{OTHER}"


def test_three_choices_go_as_quick_reply_buttons(poster: Twilio, fake_twilio: FakeTwilio) -> None:
    poster.send("verifikasi")
    (request,) = fake_twilio.content_requests
    quick = request["types"]["twilio/quick-reply"]
    assert [(a["id"], a["title"]) for a in quick["actions"]] == [
        ("sms", "SMS"),
        ("call", "Telepon"),
        ("whatsapp", "WhatsApp"),
    ]
    assert messages(fake_twilio)[-1].get("ContentSid") in fake_twilio.contents


def test_english_customers_get_english_content(poster: Twilio, fake_twilio: FakeTwilio) -> None:
    poster.send("hello")
    english = [r for r in fake_twilio.content_requests if r["language"] == "en"]
    assert english, fake_twilio.content_requests
    items = english[-1]["types"]["twilio/list-picker"]["items"]
    assert items[0]["item"] == "Verify my number"
    assert english[-1]["types"]["twilio/list-picker"]["button"] == "See options"


def test_a_list_pick_arrives_as_list_id_and_selects_that_choice(
    poster: Twilio, live: Services
) -> None:
    poster.send("halo")
    tap = {"ListId": "faq", "ListTitle": "Pertanyaan", "MessageType": "interactive"}
    response = poster.post(inbound_form("Pertanyaan", extra=tap))
    assert response.status_code == 200
    assert session(live)["flow"] == "faq"


def test_a_button_tap_arrives_as_button_payload_and_selects_that_choice(
    poster: Twilio, live: Services, fake_twilio: FakeTwilio
) -> None:
    poster.send("verifikasi")
    # The title the customer saw differs from every label: only the payload can select it.
    tap = {"ButtonPayload": "call", "ButtonText": "Telepon", "MessageType": "interactive"}
    poster.post(inbound_form("Telepon", extra=tap))
    assert fake_twilio.created("Calls"), "the code went out by voice call"


def test_typing_the_number_still_works(poster: Twilio, live: Services) -> None:
    poster.send("halo")
    poster.send("3")
    assert session(live)["flow"] == "faq"


def test_sms_keeps_the_numbered_list_and_makes_no_content(
    poster: Twilio, fake_twilio: FakeTwilio
) -> None:
    response = poster.send("hello", channel="sms", sender="+447700900123")
    twiml = response.get_data(as_text=True)
    assert "1. Verify my number" in twiml and "4. Talk to a person" in twiml
    assert fake_twilio.content_requests == [] and messages(fake_twilio) == []


def test_when_the_content_api_fails_the_numbered_text_goes_instead(
    poster: Twilio, fake_twilio: FakeTwilio
) -> None:
    fake_twilio.fail_content(status=500, code=20500)
    response = poster.send("halo")
    assert response.status_code == 200
    (sent,) = messages(fake_twilio)
    assert sent.get("ContentSid") is None
    assert "1. Verifikasi nomor saya" in (sent.get("Body") or "")
    assert fake_twilio.contents == {}
    poster.send("menu")  # the failure is not cached: the next menu makes the content
    assert len(fake_twilio.contents) == 1
    assert messages(fake_twilio)[-1].get("ContentSid") in fake_twilio.contents


def test_when_the_content_api_does_not_answer_the_numbered_text_goes_in_time(
    poster: Twilio, fake_twilio: FakeTwilio
) -> None:
    fake_twilio.hang_content()
    started = time.monotonic()
    response = poster.send("halo")
    assert time.monotonic() - started < 3.0  # SANDI_TWILIO_TIMEOUT is 0.5 s here
    fake_twilio.release()
    assert response.status_code == 200 and response.get_data(as_text=True) == EMPTY
    (sent,) = messages(fake_twilio)
    assert "4. Bicara dengan CS" in (sent.get("Body") or "")


def test_when_the_messages_api_fails_the_reply_comes_back_as_twiml_text(
    poster: Twilio, fake_twilio: FakeTwilio
) -> None:
    poster.send("halo")  # the content exists now
    fake_twilio.reject(f"whatsapp:{CUSTOMER}", 21211, resource="Messages")
    twiml = poster.send("menu").get_data(as_text=True)
    assert "<Message" in twiml and "1. Verifikasi nomor saya" in twiml


def test_a_twilio_retry_of_the_same_webhook_sends_nothing_again(
    poster: Twilio, fake_twilio: FakeTwilio
) -> None:
    form = inbound_form("halo")
    poster.post(form)
    again = poster.post(MultiDict(form))
    assert again.get_data(as_text=True) == EMPTY
    assert len(messages(fake_twilio)) == 1


def test_titles_too_long_for_buttons_make_a_list_the_content_api_takes() -> None:
    buttons = (Button("a", "Saya mau ganti alamat e-mail"), Button("b", "Tidak"))
    spec = content_spec("Pilih:", buttons, "id", "Lihat pilihan")
    assert spec is not None and spec.kind == "twilio/list-picker"
    stored = check_content(spec.request(spec.digest("AC1")))  # what the fake (Twilio) takes
    item = stored["types"]["twilio/list-picker"]["items"][0]
    assert len(item["item"]) <= 24 and item["description"] == "Saya mau ganti alamat e-mail"
    eleven = tuple(Button(str(i), f"Pilihan {i}") for i in range(11))
    assert content_spec("Pilih:", eleven, "id", "Lihat") is None  # numbered text


def test_a_worker_that_finds_the_content_being_made_waits_for_that_sid(
    live: Services,
) -> None:
    cache = ContentCache(live.redis)
    spec = content_spec("Pilih:", (Button("y", "Ya"),), "id", "Lihat")
    assert isinstance(spec, ContentSpec)
    digest = spec.digest("AC" + "5" * 32)
    assert cache.claim(digest)  # another worker is making it
    naps: list[float] = []

    def other_worker_finishes(seconds: float) -> None:
        naps.append(seconds)
        if len(naps) == 2:
            cache.put(digest, "HX" + "c" * 32)

    maker = ContentMaker(None, "AC" + "5" * 32, cache, other_worker_finishes)  # type: ignore[arg-type]
    assert maker.sid(spec) == "HX" + "c" * 32 and len(naps) == 2
    assert not live.redis.exists(keys.whatsapp_content_lock(digest))
    assert 0 < live.redis.ttl(keys.whatsapp_content(digest)) <= keys.CONTENT_TTL


def test_the_rest_helper_for_staff_replies_follows_the_window(
    live: Services, poster: Twilio, fake_twilio: FakeTwilio, clock: Any, caplog: Any
) -> None:
    """``Channels.send_whatsapp``: what a staff reply (the inbox) calls, outside a webhook."""
    poster.send("halo")
    before = len(messages(fake_twilio))
    choice = WhatsAppReply("Sudah beres?", (Button("yes", "Ya"), Button("no", "Tidak")), (), "id")
    sent = live.channels.send_whatsapp(CUSTOMER, choice)
    assert sent.choices == "quick-reply" and len(sent.sids) == 1
    assert messages(fake_twilio)[before].get("ContentSid") in fake_twilio.contents
    clock.advance(hours=24, seconds=1)
    with caplog.at_level(logging.WARNING, logger="app.channels"):
        late = live.channels.send_whatsapp(CUSTOMER, choice)
    assert late.sids == [] and any("24-hour window" in r.getMessage() for r in caplog.records)
    assert len(messages(fake_twilio)) == before + 1


def test_a_long_text_is_cut_into_variables_that_join_back_exactly() -> None:
    text = ("Kata " * 130).strip() + "\nPilih salah satu:"
    spec = content_spec(text, (Button("y", "Ya"), Button("n", "Tidak")), "id", "Lihat")
    assert spec is not None and len(spec.values) == 3
    assert "".join(spec.values.values()) == text
    assert all(len(v) <= 255 for v in spec.values.values())
    stored = check_content(spec.request(spec.digest("AC1")))
    assert stored["types"]["twilio/quick-reply"]["body"] == "{{1}}{{2}}{{3}}"
    assert set(stored["variables"]) == {"1", "2", "3"}
    # The customer's words are never part of the content Twilio keeps.
    assert "Kata" not in json.dumps(stored)
    assert content_spec("x" * 1100, (Button("y", "Ya"),), "id", "Lihat") is None


def test_the_sandbox_outbox_shows_the_content_a_staff_reply_would_send(app: Any) -> None:
    services: Services = app.extensions["sandi"]
    Twilio(app.test_client()).send("halo")  # opens the window (sandbox: TwiML, as before)
    choice = WhatsAppReply("Sudah beres?", (Button("yes", "Ya"), Button("no", "Tidak")))
    sent = services.channels.send_whatsapp(CUSTOMER, choice)
    assert sent.choices == "quick-reply"
    (entry,) = [e for e in services.outbox.read(CUSTOMER) if e["sid"] in sent.sids]
    twilio = entry["extra"]["twilio"]
    assert twilio["ContentSid"].startswith("HX") and "Body" not in twilio
    assert json.loads(twilio["ContentVariables"]) == {"1": "Sudah beres?"}
    assert entry["body"] == "Sudah beres?\n\n1. Ya\n2. Tidak"  # what a person reads
