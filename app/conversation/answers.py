"""Understanding a customer's answer to a question, in either language.

Each ``expect`` kind turns raw text into a clean value or says no:
e-mail through email-validator, phone numbers through phonenumbers (local
Indonesian forms such as ``0812...`` included), yes/no in Indonesian and
English, OTP codes typed as ``123 456`` or ``123-456``, and choices by
button, number, label or a near spelling of it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from email_validator import EmailNotValidError, validate_email
from rapidfuzz import fuzz

from app.content.flows import Ask, Choice
from app.content.text import has_letters, normalise, wordlist
from app.numbers import to_e164

YES = wordlist(
    "ya iya iye y yes yep yup yeah ok oke okay okey betul benar bener boleh setuju sure sip lanjut "
    "correct right"
) | {"ya benar", "ya betul", "ya boleh", "yes please", "of course", "tentu"}
NO = wordlist(
    "tidak tdk gak ga nggak ngga enggak engga ndak no n nope nah bukan jangan salah tak"
) | {"tidak mau", "ga jadi", "gak jadi", "no thanks", "not really", "bukan itu"}

_OTP_SEPARATORS = re.compile(r"[\s.\-_]")
_OTP = re.compile(r"\d{4,10}")
_THOUSANDS = re.compile(r"^-?\d{1,3}(\.\d{3})+$")
_NUMBER = re.compile(r"^-?\d+([.,]\d+)?$")
_INDEX = re.compile(r"^(\d{1,2})[.)]?$")

#: The longest answer ``expect: digits`` takes (an IBAN-length number).
MAX_DIGITS = 34
#: How close a typed label must be to count as that choice (0-100).
CHOICE_SIMILARITY = 80


@dataclass(frozen=True, slots=True)
class Answer:
    ok: bool
    value: Any = None


INVALID = Answer(False)


def parse_yes_no(text: str) -> bool | None:
    norm = normalise(text)
    if norm in YES:
        return True
    if norm in NO:
        return False
    first = norm.split(" ", 1)[0] if norm else ""
    if first in YES and first not in NO:
        return True
    if first in NO:
        return False
    return None


def parse_number(text: str) -> int | float | None:
    raw = text.strip().replace(" ", "")
    if _THOUSANDS.match(raw):
        raw = raw.replace(".", "")
    if not _NUMBER.match(raw):
        return None
    value = float(raw.replace(",", "."))
    return int(value) if value.is_integer() else value


def parse_email(text: str) -> str | None:
    candidate = text.strip()
    if not candidate or len(candidate) > 254 or " " in candidate:
        return None
    try:
        return str(validate_email(candidate, check_deliverability=False).normalized)
    except EmailNotValidError:
        return None


def parse_phone(text: str, region: str = "ID") -> str | None:
    candidate = text.strip()
    if not candidate or len(candidate) > 32:
        return None
    return to_e164(candidate, "valid", region)  # what a customer types must be a real number


def parse_otp_code(text: str) -> str | None:
    """``"123 456"``, ``"123-456"`` and ``"123456"`` are the same code.

    Digits of any script count as the digits they are: a phone keyboard in
    full-width mode types ``１２３４５６``, which is ``123456``.
    """
    candidate = _OTP_SEPARATORS.sub("", text.strip())
    if not _OTP.fullmatch(candidate):
        return None
    return "".join(str(unicodedata.decimal(c)) for c in candidate)


def match_choice(
    choices: tuple[Choice, ...], text: str, payload: str | None, locale: str
) -> Choice | None:
    """The choice a customer meant: tapped, numbered, named, or nearly named."""
    if payload:
        for choice in choices:
            if payload == choice.value:
                return choice
    norm = normalise(text)
    if not norm:
        return None
    index = _INDEX.match(norm)
    if index:
        position = int(index.group(1))
        return choices[position - 1] if 1 <= position <= len(choices) else None
    names = {c.value: _names(c) for c in choices}
    exact = [c for c in choices if norm in names[c.value]]
    if len(exact) == 1:
        return exact[0]
    if not has_letters(norm):
        return None
    # A label typed with a typo ("whatsap"), or said within a sentence ("sms aja").
    scored = sorted(
        ((max(fuzz.ratio(norm, n) for n in names[c.value]), c) for c in choices),
        key=lambda pair: pair[0],
        reverse=True,
    )
    if (
        scored
        and scored[0][0] >= CHOICE_SIMILARITY
        and (len(scored) == 1 or scored[0][0] - scored[1][0] >= 10)
    ):
        return scored[0][1]
    padded = f" {norm} "
    inside = [c for c in choices if any(f" {n} " in padded for n in names[c.value] if len(n) >= 2)]
    return inside[0] if len(inside) == 1 else None


def _names(choice: Choice) -> frozenset[str]:
    """The names a choice answers to, normalised once per loaded choice (choices are
    frozen; a new flow set brings new objects): a menu reads them on every message."""
    held = _NAMES.get(id(choice))
    if held is not None and held[0] is choice:
        return held[1]
    found = {*(normalise(t) for t in choice.label.texts.values()), normalise(choice.value)}
    found.update(choice.words)
    names = frozenset(n for n in found if n)
    if len(_NAMES) >= _NAMES_KEPT:
        _NAMES.clear()
    _NAMES[id(choice)] = (choice, names)
    return names


#: id -> (the choice itself, so a reused id is never mistaken for it; its names).
_NAMES: dict[int, tuple[Choice, frozenset[str]]] = {}
_NAMES_KEPT = 4096


def parse_digits(text: str) -> str | None:
    """``"00123456"``, ``"0012 3456"`` and ``"0012-3456"`` are ``"00123456"``: kept as
    text, so leading zeros stay (order and account numbers); digits of any script count."""
    candidate = _OTP_SEPARATORS.sub("", text.strip())
    if not candidate or len(candidate) > MAX_DIGITS or not candidate.isdecimal():
        return None
    return "".join(str(unicodedata.decimal(c)) for c in candidate)


def check_answer(step: Ask, text: str, payload: str | None, locale: str) -> Answer:
    """Validate ``text`` for an ``ask`` step; ``Answer(ok=False)`` when it does not fit.

    A ``pattern`` works with every ``expect``: it must match the whole answer as
    typed (spaces trimmed and collapsed), or for ``digits`` the digits read
    (``0812 3456`` is matched as ``08123456``).
    """
    answer = _expected(step, text, payload, locale)
    if answer.ok and step.pattern:
        typed = answer.value if step.expect == "digits" else " ".join(text.split())
        if not re.fullmatch(step.pattern, str(typed)):
            return INVALID
    return answer


def _expected(step: Ask, text: str, payload: str | None, locale: str) -> Answer:
    expect = step.expect
    if expect == "digits":
        digits = parse_digits(text)
        if digits is None:
            return INVALID
        if (step.min_length is not None and len(digits) < step.min_length) or (
            step.max_length is not None and len(digits) > step.max_length
        ):
            return INVALID
        return Answer(True, digits)
    if expect == "choice":
        choice = match_choice(step.choices, text, payload, locale)
        return Answer(True, choice.value) if choice else INVALID
    if expect == "yes_no":
        if payload in ("yes", "no"):
            return Answer(True, payload == "yes")
        index = _INDEX.match(normalise(text))
        if index and index.group(1) in ("1", "2"):
            # The buttons are "1. Ya" and "2. Tidak" on SMS.
            return Answer(True, index.group(1) == "1")
        yes = parse_yes_no(text)
        return INVALID if yes is None else Answer(True, yes)
    if expect == "number":
        number = parse_number(text)
        if number is None:
            return INVALID
        if (step.min is not None and number < step.min) or (
            step.max is not None and number > step.max
        ):
            return INVALID
        return Answer(True, number)
    if expect == "email":
        email = parse_email(text)
        return INVALID if email is None else Answer(True, email)
    if expect == "phone":
        phone = parse_phone(text)
        return INVALID if phone is None else Answer(True, phone)
    if expect == "otp_code":
        code = parse_otp_code(text)
        return INVALID if code is None else Answer(True, code)
    if expect == "media":
        return INVALID  # typed text is never the file (conversation/media_answers.py)
    return _text(step, text)


def _text(step: Ask, text: str) -> Answer:
    value = " ".join(text.split())
    if not step.pattern and not has_letters(value):
        # Digits only or emoji only: not what a text question asks for (unless a
        # pattern says what the answer looks like: an order number "INV-00123").
        return INVALID
    if not value:
        return INVALID
    if step.min_length is not None and len(value) < step.min_length:
        return INVALID
    if len(value) > (step.max_length or 500):
        return INVALID
    return Answer(True, value)
