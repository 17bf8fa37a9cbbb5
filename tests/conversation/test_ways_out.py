"""Ways out typed in plain words while a question waits (issue 17): never a wrong answer."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from app.conversation.escapes import _SAID, AGENT_PHRASES, MENU_PHRASES
from tests.support.chat import Chat
from tests.support.sent_codes import SentCodes

CONNECTING_ID = "Baik, percakapan ini kami teruskan ke petugas Toko Kenari."
MENU_ID = "Halo Budi! Selamat datang di Toko Kenari."


def at_code_prompt(chat: Chat) -> None:
    chat.say("verifikasi")
    assert "Kode sudah dikirim" in chat.say("sms")


def test_a_greeting_at_the_menu_restarts_the_welcome(chat: Chat) -> None:
    assert chat.say("halo").startswith(MENU_ID)
    reply = chat.say("halo")
    assert reply.startswith(MENU_ID)
    assert "pilihan itu tidak ada" not in reply


def test_a_greeting_inside_a_question_restarts_the_welcome(chat: Chat) -> None:
    chat.say("ganti email")
    assert chat.say("selamat pagi").startswith(MENU_ID)


def test_talk_to_a_person_at_the_code_prompt_is_no_wrong_code(chat: Chat, otp: SentCodes) -> None:
    at_code_prompt(chat)
    reply = chat.say("talk to a person")
    assert reply.startswith(CONNECTING_ID)
    assert "Sisa percobaan" not in reply


def test_menu_in_a_sentence_at_the_code_prompt_goes_to_the_menu(chat: Chat, otp: SentCodes) -> None:
    at_code_prompt(chat)
    assert chat.say("kembali ke menu dong").startswith(MENU_ID)


def test_the_code_itself_still_wins(chat: Chat, otp: SentCodes) -> None:
    at_code_prompt(chat)
    assert "terverifikasi" in chat.say(otp.last().code)


def test_a_person_asked_for_at_a_yes_no_question(chat: Chat) -> None:
    chat.say("ganti email")
    chat.say("budi@contoh.co.id")
    reply = chat.say("saya mau bicara sama orang")
    assert reply.startswith(CONNECTING_ID)
    assert "Mohon jawab YA atau TIDAK" not in reply


def test_a_wrong_code_still_counts(chat: Chat, otp: SentCodes) -> None:
    at_code_prompt(chat)
    assert "Sisa percobaan: 2" in chat.say("111111")


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [w for p in AGENT_PHRASES + MENU_PHRASES for w in p.split()] + ["dong", "ya", "kak"]
        ),
        max_size=8,
    )
)
def test_a_phrase_is_found_as_a_substring_test_finds_it(words: list[str]) -> None:
    """escapes._SAID finds a phrase exactly when a test per phrase of " phrase " does."""
    padded = f" {' '.join(words)} "
    for name, phrases in (("agent", AGENT_PHRASES), ("menu", MENU_PHRASES)):
        said = dict(_SAID)[name]
        assert bool(said.search(padded)) == any(f" {p} " in padded for p in phrases)
