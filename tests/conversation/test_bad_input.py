"""Odd messages get a sensible answer in the customer's language: never a 500, never stuck."""

from __future__ import annotations

import pytest

from tests.support.chat import Chat
from tests.support.twilio_webhooks import Twilio

MEDIA = {
    "NumMedia": "1",
    "MediaUrl0": "https://api.twilio.com/2010-04-01/Accounts/AC0/Messages/MM0/Media/ME0",
    "MediaContentType0": "image/jpeg",
    "MessageType": "image",
}
LOCATION = {"Latitude": "-6.2088", "Longitude": "106.8456", "MessageType": "location"}


def test_empty_first_message_gets_a_note_and_the_menu(chat: Chat) -> None:
    reply = chat.say("")
    assert reply.startswith("Pesan Anda kosong.")
    assert "1. Verifikasi nomor saya" in reply


def test_emoji_only_first_message_gets_the_menu(chat: Chat) -> None:
    assert "Selamat datang di Toko Kenari" in chat.say("🙏🙏")


def test_emoji_only_later_gets_a_way_out(chat: Chat) -> None:
    chat.say("halo")
    chat.say("batal")
    reply = chat.say("👍")
    assert reply.startswith("Maaf, saya belum mengerti")
    assert "2. Bicara dengan CS" in reply


def test_a_1600_character_message(chat: Chat) -> None:
    reply = chat.say(("tolong bantu saya dengan kode otp " * 60)[:1600])
    assert reply
    chat.say("ganti email")
    assert "bukan alamat e-mail" in chat.say("a" * 1600)


def test_media_without_text(chat: Chat) -> None:
    reply = chat.say("", **MEDIA)
    assert reply.startswith("Maaf, saya hanya bisa membaca pesan teks.")
    assert "Selamat datang" in reply  # a first message still gets the menu


def test_location_in_the_middle_of_a_question_is_a_try(chat: Chat) -> None:
    chat.say("change my email")
    reply = chat.say("", **LOCATION)
    assert reply.startswith("Sorry, I can only read text messages.")
    assert chat.say("budi@example.com").startswith("Change your e-mail address to")


def test_media_later_offers_the_menu(chat: Chat) -> None:
    chat.say("hello")
    chat.say("cancel")
    reply = chat.say("", **MEDIA)
    assert reply.startswith("Sorry, I can only read text messages.")
    assert "1. Main menu" in reply


def test_unknown_button_payload_uses_the_text_or_says_so(chat: Chat) -> None:
    chat.say("halo")
    chat.say("batal")
    reply = chat.tap("promo_2019_blackfriday", "Promo lama")
    assert reply.startswith("Maaf, saya belum mengerti")


def test_stale_menu_button_inside_another_flow(chat: Chat) -> None:
    chat.say("halo")
    chat.say("2")  # change_email asks for an address
    reply = chat.tap("verify_number", "Verifikasi nomor saya")
    assert "bukan alamat e-mail" in reply


def test_number_where_a_choice_is_out_of_range(chat: Chat) -> None:
    chat.say("halo")
    reply = chat.say("7")
    assert reply.startswith("Maaf, pilihan itu tidak ada.")
    assert "4. Bicara dengan CS" in reply


def test_question_typed_at_the_menu_is_answered(chat: Chat) -> None:
    chat.say("halo")
    assert "berlaku 5 menit" in chat.say("berapa lama kode otp berlaku?")


def test_number_where_an_address_is_expected(chat: Chat) -> None:
    chat.say("ganti email")
    assert "bukan alamat e-mail" in chat.say("08123456789")


@pytest.mark.parametrize("body", ["\u200b", "...", "?!", "\n\n", "\x00"])
def test_punctuation_and_invisible_characters(twilio: Twilio, body: str) -> None:
    chat = Chat(twilio)
    response = chat.send(body)
    assert response  # answered, no error
