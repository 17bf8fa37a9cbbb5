"""Answer validation: e-mail, phone, numbers, yes/no in both languages, codes, choices."""

from __future__ import annotations

import pytest

from app.content.flows import Choice, Text
from app.conversation.answers import (
    match_choice,
    parse_email,
    parse_number,
    parse_otp_code,
    parse_phone,
    parse_yes_no,
)

CHANNELS = (
    Choice("sms", Text({"id": "SMS", "en": "SMS"}), ("pesan",)),
    Choice("call", Text({"id": "Telepon", "en": "Voice call"}), ("telpon", "panggilan")),
    Choice("whatsapp", Text({"id": "WhatsApp", "en": "WhatsApp"}), ("wa",)),
)


@pytest.mark.parametrize(
    ("text", "value"),
    [("ya", True), ("Iya!", True), ("yes", True), ("OK", True), ("ya benar", True),
     ("tidak", False), ("gak", False), ("No.", False), ("bukan", False), ("nope", False),
     ("mungkin", None), ("", None), ("123", None)],
)  # fmt: skip
def test_yes_no(text: str, value: bool | None) -> None:
    assert parse_yes_no(text) is value


@pytest.mark.parametrize(
    ("text", "code"),
    [("123456", "123456"), ("123 456", "123456"), ("123-456", "123456"), (" 12 34 56 ", "123456"),
     ("1234", "1234"), ("12a456", None), ("123", None), ("kode saya 123456", None), ("", None)],
)  # fmt: skip
def test_otp_codes(text: str, code: str | None) -> None:
    assert parse_otp_code(text) == code


@pytest.mark.parametrize(
    ("text", "email"),
    [("budi@contoh.com", "budi@contoh.com"), (" Budi@Contoh.COM ", "Budi@contoh.com"),
     ("budi@", None), ("budi at contoh.com", None), ("@contoh.com", None), ("a" * 300, None)],
)  # fmt: skip
def test_email(text: str, email: str | None) -> None:
    assert parse_email(text) == email


@pytest.mark.parametrize(
    ("text", "phone"),
    [("0812-3456-7890", "+6281234567890"), ("+62 812 3456 7890", "+6281234567890"),
     ("+6591234567", "+6591234567"), ("12345", None), ("nomor saya", None)],
)  # fmt: skip
def test_phone(text: str, phone: str | None) -> None:
    assert parse_phone(text) == phone


@pytest.mark.parametrize(
    ("text", "number"),
    [("3", 3), ("1.000", 1000), ("2,5", 2.5), ("-4", -4), ("tiga", None), ("1.2.3", None)],
)
def test_numbers(text: str, number: float | None) -> None:
    assert parse_number(text) == number


@pytest.mark.parametrize(
    ("text", "payload", "value"),
    [("2", None, "call"), ("2.", None, "call"), ("Voice call", None, "call"), ("telepon", None, "call"),
     ("whatsap", None, "whatsapp"), ("lewat wa aja", None, "whatsapp"), ("WhatsApp", "whatsapp", "whatsapp"),
     ("4", None, None), ("0", None, None), ("email", None, None), ("Promo", "promo", None)],
)  # fmt: skip
def test_choices(text: str, payload: str | None, value: str | None) -> None:
    choice = match_choice(CHANNELS, text, payload, "id")
    assert (choice.value if choice else None) == value


def test_yes_no_by_button_number() -> None:
    from app.content.flows import Ask
    from app.content.source import Where
    from app.conversation.answers import check_answer

    step = Ask(id="q", where=Where("f", 1, 1), template="t", expect="yes_no")
    assert check_answer(step, "1", None, "id").value is True
    assert check_answer(step, "2.", None, "en").value is False
    assert not check_answer(step, "3", None, "id").ok
