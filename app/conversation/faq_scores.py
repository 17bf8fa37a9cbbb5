"""How a question's match with an FAQ entry is scored, and what is done with it.

Two scorers look at a question: the fuzzy one (each listed question as a
whole: word order, typos, words in common) and BM25 (each entry's telling
words, context ignored, :mod:`app.conversation.bm25`). Their scores are
fused into one 0-100 score per entry, and :func:`decide` answers, offers
choices, or says there is no entry for the question. The fuzzy score itself
is computed in :mod:`app.conversation.faq_variants`, where it runs for every
variant scored, and only there.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.content.flows import FaqEntry

#: Fused scores are 0-100. The answer is given when the best entry is clear
#: of the runner-up by MARGIN from SURE on, or when both scorers alone rank
#: it first and it scores AGREED (chosen on the four dev sets together, and on
#: dev3 and dev4 scored against the FAQ as it was before dev3 was read: docs/faq.md).
SURE = 42
MARGIN = 10
AGREED = 50
#: ... and leads the runner-up by at least this much (a one-word "kode" is not
#: sure; "kirim kode lewat wa aman ga" leads "is WhatsApp safe" by 5.7: not sure).
AGREED_LEAD = 6
#: A message of LONG words or more is full of context and scores low against
#: every entry: when both scorers put one first, it is answered from
#: LONG_AGREED with a lead of LONG_LEAD.
LONG = 7
LONG_AGREED = 38.0
LONG_LEAD = 8.0
#: A message of SHORT words or fewer (filler aside) is answered from SHORT_SURE on.
SHORT = 2
SHORT_SURE = 60.0
#: What a message naming the shop's other business must score more to be answered.
OFF_TOPIC_DOUBT = 6.0
#: Word similarity (0-100) above which a typed word counts as a misspelling of a known one.
TYPO = 75
#: At or above MAYBE the best three are offered as choices (those from MAYBE - 10).
MAYBE = 32
#: The fuzzy score's share of the fused score (BM25 has the rest).
FUZZY = 0.6
#: Below this share of its weight in words the FAQ knows, a question gets "none".
COVERED = 0.51


@dataclass(frozen=True, slots=True)
class FaqMatch:
    entry: FaqEntry
    score: float


@dataclass(frozen=True, slots=True)
class FaqResult:
    #: "sure", "unsure" or "none"
    kind: str
    matches: tuple[FaqMatch, ...] = ()


#: (similarity 0-1, the known word or None, its weight): one typed word, resolved.
Resolved = tuple[float, str | None, float]


def coverage(resolved: list[Resolved]) -> float:
    """The share of the typed words' weight (similarity x IDF) that are known words."""
    total = sum(w for _, _, w in resolved)
    return sum(s * w for s, k, w in resolved if k) / total if total else 0.0


def fused(fuzzy: float, bm25: float) -> float:
    """One 0-100 score from the fuzzy score (0-100) and the BM25 share (0-1)."""
    return FUZZY * fuzzy + (1 - FUZZY) * 100 * bm25


def fuse(fuzzy: list[float], bm25: list[float]) -> list[float]:
    """:func:`fused` for each entry."""
    return [fused(a, b) for a, b in zip(fuzzy, bm25, strict=True)]


def decide(
    ranked: list[FaqMatch],
    fuzzy_first: FaqEntry,
    bm25_first: FaqEntry,
    off_topic: bool = False,
    words: int = SHORT + 1,
) -> FaqResult:
    """sure, unsure or none, from the entries ranked by the fused score. A
    message naming the shop's other business (``off_topic``) must score
    OFF_TOPIC_DOUBT more to be answered: it may well be about that. One of
    SHORT words or fewer says little ("promo lama", "kurir"): SHORT_SURE. One
    of LONG words or more that both scorers agree on is answered from LONG_AGREED."""
    if not ranked or ranked[0].score < MAYBE:
        return FaqResult("none")
    top = ranked[0]
    lead = top.score - (ranked[1].score if len(ranked) > 1 else 0.0)
    doubt = OFF_TOPIC_DOUBT if off_topic else 0.0
    floor = SHORT_SURE if words <= SHORT else 0.0
    agreed = (
        fuzzy_first is top.entry is bm25_first
        and top.score >= max(AGREED + doubt, floor)
        and lead >= AGREED_LEAD
    )
    long_agreed = (
        words >= LONG
        and fuzzy_first is top.entry is bm25_first
        and top.score >= LONG_AGREED + doubt
        and lead >= LONG_LEAD
    )
    if (top.score >= max(SURE + doubt, floor) and lead >= MARGIN) or agreed or long_agreed:
        return FaqResult("sure", (top,))
    return FaqResult("unsure", tuple(m for m in ranked if m.score >= MAYBE - 10))
