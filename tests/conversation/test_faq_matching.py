"""FAQ matching: questions in the customer's own words, typos included."""

from __future__ import annotations

import pytest

from app.config import ROOT
from app.content.loader import load_flows
from app.content.render import Templates
from app.conversation.faq import FaqIndex


@pytest.fixture(scope="module")
def faq() -> FaqIndex:
    flows = load_flows(ROOT / "flows", Templates(ROOT / "templates"))
    return FaqIndex(flows.faq)


# Phrased differently from every listed variant, most with typos or chat spellings.
QUESTIONS = [
    ("otp tu apaan sih", "what_is_otp"),
    ("wht is otp", "what_is_otp"),
    ("otp stands for what", "what_is_otp"),
    ("kenapa sy diminta kode pas login", "when_needed"),
    ("why do u ask me for a code", "when_needed"),
    ("brp lama kode otp berlaku", "how_long"),
    ("kode berlaku brp menit", "how_long"),
    ("how long is an otp vaild", "how_long"),
    ("when does my code expre", "how_long"),
    ("boleh gak kasih kode otp ke org lain", "never_share"),
    ("shuld i share my code with staf", "never_share"),
    ("somebody callled asking for my otp", "someone_asks"),
    ("kode bisa dikirm lwt wa gak", "channels"),
    ("flash call itu apa", "flash_call"),
    ("i got a missed call what is that", "flash_call"),
    ("kode otp ga masuk2", "not_received"),
    ("i never recieved the code", "not_received"),
    ("gmn cara minta kode baru", "new_code"),
    ("pls resend the code", "new_code"),
    ("kodenya ditolak terus", "wrong_code"),
    ("my code keeps being rejected", "wrong_code"),
    ("apakah chat wa aman dari penyadapan", "whatsapp_encryption"),
    ("is my whatsapp chat encrypted", "whatsapp_encryption"),
    ("centang hijau itu apa artinya", "green_badge"),
    ("is this an oficial account", "green_badge"),
    ("gimana cara berhenti terima pesan", "stop_messages"),
    ("how do i unsubscibe", "stop_messages"),
    ("cs buka jam brp", "opening_hours"),
    ("what time is customer service open", "opening_hours"),
]


@pytest.mark.parametrize(("question", "entry"), QUESTIONS)
def test_typo_questions_get_the_right_answer(faq: FaqIndex, question: str, entry: str) -> None:
    result = faq.classify(question)
    assert result.kind == "sure", faq.search(question)
    assert result.matches[0].entry.id == entry


def test_enough_distinct_entries_are_covered() -> None:
    assert len({entry for _, entry in QUESTIONS}) >= 12


@pytest.mark.parametrize(
    ("question", "entry"),
    [
        ("ada org nelpon minta kode otp gmn", "someone_asks"),
        ("can i recieve the code via email", "channels"),
    ],
)
def test_close_calls_offer_the_right_entry_among_three(
    faq: FaqIndex, question: str, entry: str
) -> None:
    result = faq.classify(question)
    assert result.kind in ("sure", "unsure")
    assert entry in [m.entry.id for m in result.matches[:3]]


@pytest.mark.parametrize(
    "text", ["berapa harga kopi susu", "saya mau pesan pizza", "asdfgh", "1", ""]
)
def test_unrelated_text_is_not_forced_into_an_answer(faq: FaqIndex, text: str) -> None:
    assert faq.classify(text).kind == "none"


def test_a_vague_word_gets_choices(faq: FaqIndex) -> None:
    result = faq.classify("kode")
    assert result.kind == "unsure"
    assert 2 <= len(result.matches) <= 3
