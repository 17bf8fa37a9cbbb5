"""prepare() with each typed word's spelling remembered gives what spelling it out each time gives."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from app.config import ROOT
from app.content.loader import load_flows
from app.content.render import Templates
from app.content.text import words
from app.conversation import faq_text as ft
from app.conversation.language import detect
from app.conversation.lexicon import COLLOQUIAL, spell_out
from app.conversation.offtopic import off_topic_pairs

FAQ = load_flows(ROOT / "flows", Templates(ROOT / "templates")).faq
KEEP = ft.faq_words(FAQ)


def slow_prepare(text: str, keep: frozenset[str]) -> str:
    """prepare() as it was, every word spelled out anew."""
    typed = words(ft._THANKS.sub("terimakasih", ft._APOSTROPHES.sub("", text[:300])))
    colloquial = detect(text) != "en"
    expanded: list[str] = []
    others = off_topic_pairs(typed)
    for n, word in enumerate(typed):
        if n in others:
            expanded.append(ft.OFF_TOPIC_MARK)
            continue
        if word not in keep:
            word = ft._DRAWN_OUT.sub(r"\1", word)
        if colloquial:
            word = spell_out(word, keep)
        for part in word.split():
            part = ft.ABBREVIATIONS.get(part, part)
            expanded.extend(ft._token(w, keep) for w in part.split() if w and w not in ft.FILLER)
    return " ".join(expanded)


VOCABULARY = sorted(
    KEEP | set(ft.ABBREVIATIONS) | set(COLLOQUIAL) | set(ft.FILLER)
    | {"kode", "promo", "hapus", "akun", "lupa", "password", "terima", "kasih", "masukkk"}
)  # fmt: skip


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(VOCABULARY), max_size=10), st.sampled_from(["", "?", "!!", "'s"]))
def test_prepare_is_the_slow_prepare(typed: list[str], end: str) -> None:
    text = " ".join(typed) + end
    for keep in (KEEP, frozenset()):
        assert ft.prepare(text, keep) == slow_prepare(text, keep)
        assert ft.prepare(text, keep) == slow_prepare(text, keep)  # remembered: the same again
