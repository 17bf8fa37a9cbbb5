"""``expect: digits`` and ``pattern`` with any ``expect`` (issue 16: order numbers)."""

from __future__ import annotations

import pytest

from app.content.flows import Ask, Where
from app.conversation.answers import check_answer

HERE = Where("flows/x.yml", 1, 1)


def ask(**settings: object) -> Ask:
    return Ask(id="q", where=HERE, next=None, template="q", **settings)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("00123456", "00123456"),
        ("0012 3456", "00123456"),
        (" 0012-3456 ", "00123456"),
        ("００１２３４５６", "00123456"),  # a phone keyboard in full-width mode
        ("123", "123"),
        ("12a456", None),
        ("", None),
        ("1" * 35, None),
    ],
)
def test_digits_keep_leading_zeros(text: str, value: str | None) -> None:
    answer = check_answer(ask(expect="digits"), text, None, "id")
    assert (answer.value if answer.ok else None) == value


def test_digits_lengths_count_digits_not_separators() -> None:
    step = ask(expect="digits", min_length=8, max_length=10)
    assert check_answer(step, "0012 3456", None, "id").value == "00123456"
    assert not check_answer(step, "0012345", None, "id").ok
    assert not check_answer(step, "00123456789", None, "id").ok


def test_a_pattern_makes_a_text_question_take_digits() -> None:
    """Before: ``pattern`` with ``expect: text`` accepted nothing made of digits."""
    step = ask(expect="text", pattern=r"\d{8}")
    assert check_answer(step, "00123456", None, "id").value == "00123456"
    assert not check_answer(step, "0012345", None, "id").ok
    assert not check_answer(step, "abcdefgh", None, "id").ok


@pytest.mark.parametrize(
    ("expect", "pattern", "good", "bad"),
    [
        ("text", r"INV-\d{5}", "INV-00123", "INV-123"),
        ("digits", r"08\d+", "0812 3456 7890", "0712345678"),
        ("number", r"\d{1,3}(\.\d{3})*", "150.000", "150000,5"),
        ("email", r".+@contoh\.com", "budi@contoh.com", "budi@gmail.com"),
    ],
)
def test_a_pattern_works_with_any_expect(expect: str, pattern: str, good: str, bad: str) -> None:
    step = ask(expect=expect, pattern=pattern)
    assert check_answer(step, good, None, "id").ok
    assert not check_answer(step, bad, None, "id").ok


def test_a_pattern_is_matched_on_the_digits_or_on_the_text_as_typed() -> None:
    assert check_answer(ask(expect="digits", pattern=r"00\d{6}"), "0012 3456", None, "id").ok
    step = ask(expect="text", pattern=r"[A-Z]{3} \d{2}")
    assert check_answer(step, "  ABC   12 ", None, "id").value == "ABC 12"
