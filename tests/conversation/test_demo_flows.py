"""The bundled demo shop, driven as a customer drives it: signed webhooks, real Redis."""

from __future__ import annotations

import json

from app.store import keys
from tests.support.chat import Chat
from tests.support.clock import FakeClock
from tests.support.sent_codes import SentCodes
from tests.support.twilio_webhooks import CUSTOMER, Twilio

MENU_ID = [
    "1. Verifikasi nomor saya",
    "2. Ganti e-mail saya",
    "3. Pertanyaan",
    "4. Bicara dengan CS",
]
MENU_EN = ["1. Verify my number", "2. Change my e-mail", "3. Questions", "4. Talk to a person"]


def spaced(code: str) -> str:
    return f"{code[:3]} {code[3:]}"


def test_indonesian_greeting_gets_the_menu_by_profile_name(chat: Chat) -> None:
    reply = chat.say("halo")
    assert reply.startswith("Halo Budi! Selamat datang di Toko Kenari.")
    for line in MENU_ID:
        assert line in reply


def test_english_greeting_from_an_indonesian_number_is_answered_in_english(chat: Chat) -> None:
    reply = chat.say("Good morning!")
    assert reply.startswith("Hello Budi! Welcome to Toko Kenari.")
    for line in MENU_EN:
        assert line in reply


def test_sms_customer_without_a_profile_name(twilio: Twilio) -> None:
    chat = Chat(twilio, sender="+6591234567", channel="sms")
    reply = chat.say("hi")
    assert reply.startswith("Hello! Welcome to Toko Kenari.")
    assert "4. Talk to a person" in reply


def test_first_message_matching_nothing_gets_the_welcome_menu(chat: Chat) -> None:
    reply = chat.say("xyz qwerty")
    assert "Selamat datang di Toko Kenari" in reply
    assert "1. Verifikasi nomor saya" in reply


def test_verify_number_by_sms_in_indonesian(chat: Chat, otp: SentCodes) -> None:
    chat.say("halo")
    assert "Lewat apa kode dikirim?" in chat.say("1")
    reply = chat.say("sms")
    assert "Kode sudah dikirim lewat SMS" in reply
    assert "Ketik kode 6 angka" in reply
    sent = otp.last()
    assert (sent.to, sent.channel, sent.purpose, sent.locale) == (
        CUSTOMER,
        "sms",
        "verify_number",
        "id",
    )
    assert (
        chat.say(spaced(sent.code))
        == "Berhasil! Nomor +6281234567890 sudah terverifikasi. Terima kasih."
    )


def test_verify_number_by_voice_call_in_english_with_a_resend(
    chat: Chat, otp: SentCodes, clock: FakeClock
) -> None:
    chat.say("hello")
    assert "How should we send it?" in chat.say("Verify my number")
    assert "by voice call" in chat.say("2")
    first = otp.last()
    assert first.channel == "call"
    # Inside the cooldown the first code stays the one to type.
    assert "Please wait" in chat.say("resend")
    clock.advance(seconds=31)
    assert "on its way by voice call" in chat.say("RESEND")
    second = otp.last()
    assert len(otp.sent) == 2 and second.channel == "call"
    assert "Done! Your number" in chat.say(f"{second.code[:3]}-{second.code[3:]}")


def test_verify_number_by_whatsapp_button_taps(chat: Chat, otp: SentCodes) -> None:
    chat.say("halo")
    assert "Lewat apa" in chat.tap("verify_number", "Verifikasi nomor saya")
    chat.tap("whatsapp", "WhatsApp")
    assert otp.last().channel == "whatsapp"
    assert "terverifikasi" in chat.say(otp.last().code)


def test_three_wrong_codes_end_the_flow_politely(chat: Chat, otp: SentCodes) -> None:
    chat.say("verifikasi")
    chat.say("sms")
    assert "Sisa percobaan: 2" in chat.say("111111")
    assert "Sisa percobaan: 1" in chat.say("222 222")
    reply = chat.say("333-333")
    assert reply.startswith("Kode salah 3 kali")
    # The flow is over: the right code now means nothing special.
    assert "terverifikasi" not in chat.say(otp.last().code)


def test_text_instead_of_a_code_counts_as_a_try(chat: Chat) -> None:
    chat.say("verify my number")
    chat.say("sms")
    assert "digits only" in chat.say("what code?")


def test_change_email_records_the_address_without_a_back_end(
    chat: Chat, otp: SentCodes, app, redis_client
) -> None:
    chat.say("halo")
    assert chat.say("2") == "Apa alamat e-mail baru Anda?"
    assert "bukan alamat e-mail" in chat.say("budi at contoh")
    reply = chat.say("Budi@Contoh.com")
    assert "Ganti alamat e-mail Anda menjadi Budi@contoh.com?" in reply
    assert "1. Ya" in reply and "2. Tidak" in reply
    assert "Kami sudah mengirim kode ke Budi@contoh.com" in chat.say("ya")
    sent = otp.last()
    # The OTP service normalises the address it sends to (email-validator): the
    # domain lowercased, the local part as typed (as Twilio Verify keeps it).
    assert (sent.to, sent.channel, sent.purpose) == ("Budi@contoh.com", "email", "change_email")
    assert chat.say(sent.code) == "Selesai! Alamat e-mail Anda sekarang Budi@contoh.com."
    records = app.extensions["sandi"].records.records(f"wa:{CUSTOMER}", "/customers/email")
    assert records == [{"phone": CUSTOMER, "email": "Budi@contoh.com", "channel": "whatsapp"}]
    key = keys.backend_record(f"wa:{CUSTOMER}", "/customers/email")
    assert 0 < redis_client.ttl(key) <= keys.BACKEND_RECORD_TTL


def test_change_email_no_at_the_confirmation_asks_again(chat: Chat, otp: SentCodes) -> None:
    chat.say("change my email")
    chat.say("old@example.com")
    assert chat.say("no") == "What is your new e-mail address?"
    assert "to new@example.com?" in chat.say("new@example.com")
    chat.say("yes")
    assert otp.last().to == "new@example.com"


def test_three_invalid_addresses_fall_back_with_a_way_out(chat: Chat) -> None:
    chat.say("ganti email")
    chat.say("12345")
    chat.say("budi@")
    reply = chat.say("😀")
    assert reply.startswith("Sepertinya ada kendala")
    assert "1. Menu utama" in reply and "2. Bicara dengan CS" in reply
    assert "Selamat datang" in chat.say("1")


def test_faq_flow_answers_and_loops_until_no(chat: Chat) -> None:
    chat.say("halo")
    assert chat.say("3").startswith("Silakan tulis pertanyaan Anda")
    reply = chat.say("brp lama kode otp berlaku?")
    assert "berlaku 5 menit" in reply
    assert "Ada pertanyaan lain?" in reply
    assert "Silakan tulis pertanyaan" in chat.say("ya")
    assert "Flash call adalah" in chat.say("flash call itu apa")
    assert chat.say("tidak").startswith("Terima kasih!")


def test_faq_unsure_offers_three_choices_and_a_way_out(chat: Chat) -> None:
    chat.say("tanya")
    reply = chat.say("kode")
    assert reply.startswith("Apakah maksud Anda salah satu dari ini?")
    assert "4. Bukan semuanya" in reply
    assert "Ada pertanyaan lain?" in chat.say("1")


def test_faq_outside_any_flow(chat: Chat) -> None:
    chat.say("halo")
    assert "Jangan pernah berikan kode OTP" in chat.say("boleh gak kasih kode otp ke org lain?")
    # The session speaks Indonesian (its first message); the answer follows it.
    assert "dienkripsi end-to-end" in chat.say("is my whatsapp chat encrypted?")


def test_unknown_question_after_the_first_message_offers_menu_and_person(chat: Chat) -> None:
    chat.say("halo")
    chat.say("batal")
    reply = chat.say("berapa harga kopi susu")
    assert reply.startswith("Maaf, saya belum mengerti")
    assert "1. Menu utama" in reply and "2. Bicara dengan CS" in reply
    assert "Selamat datang" in chat.say("1")


def test_session_keeps_history_for_agents(chat: Chat, redis_client) -> None:
    chat.say("halo")
    chat.say("1")
    session = json.loads(redis_client.get(keys.session(f"wa:{CUSTOMER}")))
    assert [h["in"] for h in session["history"]] == ["halo", "1"]
    assert session["flow"] == "verify_number"


def test_sms_customer_answers_by_number_everywhere(twilio: Twilio, otp: SentCodes) -> None:
    chat = Chat(twilio, sender="+6591234567", channel="sms")
    chat.say("hi")
    chat.say("2")
    assert "1. Yes" in chat.say("tan@example.sg")
    assert "We sent a code to tan@example.sg" in chat.say("1")
    assert chat.say(otp.last().code).startswith("Done! Your e-mail address is now tan@example.sg.")


def test_faq_flow_in_english_from_the_menu_label(chat: Chat) -> None:
    chat.say("hi there")
    assert chat.say("questions").startswith("Please type your question")
    reply = chat.say("someone called me and wants my otp code")
    assert reply.startswith("Don't give the code and end that conversation")
    assert "Do you have another question?" in reply
    assert chat.say("no").startswith("Thank you!")
