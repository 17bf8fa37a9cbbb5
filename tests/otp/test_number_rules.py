"""app.numbers' rules say what phonenumbers' own functions say.

``_parse`` reads validity off ``number_type`` (asked once, for the kind
anyway) instead of calling ``is_valid_number`` too: every region's example
numbers of every type, and random digits after each calling code, must get
the answer ``is_valid_number`` gives.
"""

from __future__ import annotations

import random

import phonenumbers

from app.numbers import KINDS, _parse


def _samples() -> list[str]:
    texts = []
    for region in sorted(phonenumbers.SUPPORTED_REGIONS):
        for kind in KINDS:
            example = phonenumbers.example_number_for_type(region, kind)
            if example is not None:
                texts.append(
                    phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.E164)
                )
    rng = random.Random(22)
    for code in sorted(phonenumbers.COUNTRY_CODE_TO_REGION_CODE):
        for length in (4, 7, 9, 10, 12):
            texts.append(f"+{code}" + "".join(rng.choice("0123456789") for _ in range(length)))
    return texts


def test_valid_and_possible_agree_with_phonenumbers() -> None:
    for text in _samples():
        parsed = phonenumbers.parse(text, None)
        for rule, agrees in (
            ("valid", phonenumbers.is_valid_number),
            ("possible", phonenumbers.is_possible_number),
        ):
            number = _parse(text, rule, None)
            assert (number is not None) == agrees(parsed), (text, rule)
            if number is not None:
                assert number.kind == KINDS[phonenumbers.number_type(parsed)], text
                assert number.country == phonenumbers.region_code_for_number(parsed), text
