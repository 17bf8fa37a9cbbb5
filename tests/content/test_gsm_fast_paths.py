"""The SMS text's GSM-7 fast paths agree with the character-by-character rules.

``septets`` and ``to_ascii_gsm`` decide the usual case (plain ASCII, every
character GSM-7) with set operations; the reference below is the plain
definition, one character at a time.
"""

from __future__ import annotations

import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from app.content.gsm7 import _LOOKALIKES, GSM7, GSM7_EXTENDED, septets, to_ascii_gsm


def reference_septets(text: str) -> int | None:
    total = 0
    for char in text:
        if char in GSM7:
            total += 1
        elif char in GSM7_EXTENDED:
            total += 2
        else:
            return None
    return total


def reference_fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.translate(_LOOKALIKES))
    folded = "".join(c for c in text if not unicodedata.combining(c))
    return "".join(c if c.isascii() and reference_septets(c) is not None else "?" for c in folded)


#: Mostly GSM-7 and ASCII (the fast paths), with look-alikes, accents, emoji.
TEXT = st.text(
    alphabet=st.sampled_from(sorted(GSM7 | GSM7_EXTENDED) + list("`‘’“”–—…•\u00a0éüñçÅ🙂漢\t"))
    | st.characters(),
    max_size=200,
)


@given(TEXT)
def test_septets_match_the_definition(text: str) -> None:
    assert septets(text) == reference_septets(text)


@given(TEXT)
def test_folding_matches_the_definition(text: str) -> None:
    assert to_ascii_gsm(text) == reference_fold(text)


def test_backtick_is_folded_even_though_it_is_ascii() -> None:
    assert to_ascii_gsm("kode `123`") == "kode '123'"
    assert septets("Rp 10€") == 7
