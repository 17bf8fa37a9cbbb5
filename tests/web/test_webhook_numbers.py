"""The webhook's numbers: ``possible_e164`` answers what ``to_e164(.., "possible")`` does.

The webhook reads ``From``/``To`` with :func:`app.numbers.possible_e164`, which skips
the number's type and country when it is possible; every number, well formed or not,
must be accepted or refused as before, and written the same, and a refused one is
still a 400 naming the field.
"""

from __future__ import annotations

import random

import phonenumbers
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.numbers import KINDS, possible_e164, to_e164
from app.web.twilio_request import Rejected, e164


def numbers() -> list[str]:
    """Every region's example numbers of every kind, written plainly and loosely;
    random digits of many lengths after every calling code; Twilio's test numbers."""
    texts = ["+15005550006", "+15005550001", "+14155238886", "+14155550100", "+6281234567890"]
    for region in sorted(phonenumbers.SUPPORTED_REGIONS):
        for kind in KINDS:
            example = phonenumbers.example_number_for_type(region, kind)
            if example is not None:
                for style in (phonenumbers.PhoneNumberFormat.E164,
                              phonenumbers.PhoneNumberFormat.INTERNATIONAL):  # fmt: skip
                    texts.append(phonenumbers.format_number(example, style))
    rng = random.Random(2026)
    for code in sorted(phonenumbers.COUNTRY_CODE_TO_REGION_CODE):
        for length in range(1, 16):
            texts.append(f"+{code}" + "".join(rng.choice("0123456789") for _ in range(length)))
            texts.append(f"+{code}0" + "".join(rng.choice("0123456789") for _ in range(length)))
    return texts


def test_every_number_is_accepted_and_written_as_to_e164_does() -> None:
    texts = numbers()
    accepted = [t for t in texts if to_e164(t, "possible") is not None]
    assert 0 < len(accepted) < len(texts)  # both answers are reached
    for text in texts:
        assert possible_e164(text) == to_e164(text, "possible"), text


@settings(max_examples=500, deadline=None)
@given(st.one_of(st.text(max_size=22), st.from_regex(r"\A\+[0-9 ()\-.]{0,20}\Z")))
def test_any_text_is_accepted_and_written_as_to_e164_does(text: str) -> None:
    assert possible_e164(text) == to_e164(text, "possible")


@pytest.mark.parametrize(
    "number", ["6281234567890", "+", "+62", "+6212", "+abc", "+999123456789", "+" + "1" * 25]
)
def test_a_bad_number_is_still_refused_with_a_400(number: str) -> None:
    with pytest.raises(Rejected) as refused:
        e164(number, "From")
    assert (refused.value.reason, refused.value.status) == ("bad_number", 400)
    assert "From is not" in str(refused.value)


def test_twilios_own_test_numbers_are_accepted() -> None:
    assert e164("+15005550006", "From") == "+15005550006"
    assert e164("+6281234567890", "From") == "+6281234567890"
