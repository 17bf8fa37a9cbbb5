"""normalise() gives back text that is normal already without its regex passes: the same text."""

from __future__ import annotations

import re
import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from app.content import text as t


def slow_normalise(text: str) -> str:
    """normalise() as it was before its fast path."""
    text = unicodedata.normalize("NFKC", text).lower()
    text = text.replace("e-mail", "email")
    text = t._INNER_PUNCT.sub(" ", text)
    text = t._SPACES.sub(" ", text).strip()
    return t._EDGE_PUNCT.sub("", text).strip()


@settings(max_examples=1000, deadline=None)
@given(st.text(alphabet="abzAZ09 _-@.+!?\t\n\u00e9\u00c9\uff21\u00a0\u2003", max_size=20))
def test_normalise_is_the_slow_normalise(text: str) -> None:
    assert t.normalise(text) == slow_normalise(text)


def test_normal_text_is_given_back_and_the_rest_normalised() -> None:
    for text in ["halo", "3", "berapa lama kode berlaku", "a1 b2", "", " halo", "halo ", "a  b",
                 "Halo", "menu!", "e-mail", "kode_otp", "\uff21", "caf\u00e9", "x\ny"]:  # fmt: skip
        assert t.normalise(text) == slow_normalise(text), text
        assert (t._NORMAL.fullmatch(text) is not None) == bool(
            re.fullmatch(r"[a-z0-9]+( [a-z0-9]+)*", text)
        )
