"""Telling Indonesian from English, down to one-word greetings."""

from __future__ import annotations

import pytest

from app.conversation.language import country_locale, detect


@pytest.mark.parametrize(
    "text",
    ["halo", "Hallo!", "hai", "selamat pagi", "Selamat malam kak", "pagi", "permisi",
     "assalamualaikum", "apa itu otp?", "kode saya tidak masuk", "makasih ya", "gimana caranya",
     "kodenya belum sampai", "saya mau ganti email"],
)  # fmt: skip
def test_indonesian(text: str) -> None:
    assert detect(text) == "id"


@pytest.mark.parametrize(
    "text",
    ["hello", "Hi!", "hey", "good morning", "Good evening", "thanks", "what is an otp?",
     "my code did not arrive", "I want to change my email", "how do I get a new code"],
)  # fmt: skip
def test_english(text: str) -> None:
    assert detect(text) == "en"


@pytest.mark.parametrize("text", ["", "1", "123456", "ok", "budi@contoh.com", "👍", "+62812"])
def test_no_clue(text: str) -> None:
    assert detect(text) is None


def test_country() -> None:
    assert country_locale("+6281234567890") == "id"
    assert country_locale("+6591234567") is None


@pytest.mark.parametrize("text", ["otp via email bisa?", "lupa password", "kodenya expired mulu"])
def test_indonesian_with_loanwords_or_chat_words(text: str) -> None:
    # "email" and "login" are Indonesian chat words too: they say nothing.
    assert detect(text) == "id"


def test_an_interjection_both_languages_use_says_nothing() -> None:
    assert detect("hmm") is None


@pytest.mark.parametrize("text", ["ok great", "ovo accepted?", "otp invalid"])
def test_english_short_replies(text: str) -> None:
    assert detect(text) == "en"
