"""The FAQ's question variants as the fuzzy scorer needs them, and the
scoring of the variants of one entry that share words with a question
(:class:`app.conversation.faq.FaqIndex` finds the entries to score)."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import compress, repeat
from operator import itemgetter

from app.content.flows import FaqEntry
from app.conversation.faq_scores import score


@dataclass(frozen=True, slots=True)
class Variant:
    """One listed question, as the scorer needs it: worked out once, since the
    variants never change and queries come with every customer message."""

    words: tuple[str, ...]
    word_set: frozenset[str]
    weights: tuple[float, ...]  # the IDF weight of each of words
    weight: float  # the same, summed


@dataclass(frozen=True, slots=True)
class Slot:
    """An entry and where its variants lie in the index's variants (in a row)."""

    entry: FaqEntry
    start: int
    stop: int
    #: The words of all variants of the entry's id (two entries may share an
    #: id in a broken FAQ that ``sandi flows check`` is reporting).
    words: frozenset[str]
    #: Its variants' words sorted: token_sort_ratio(query, variant) is ratio() of both sorted.
    sorted_texts: tuple[str, ...]
    #: word -> its variants using it (their places among the slot's variants).
    variants_with: dict[str, tuple[int, ...]]


def sharing_best(
    slot: Slot,
    variants: list[Variant],
    mine: list[float],
    relevant: list[tuple[float, str]],
    matched: frozenset[str],
    total: float,
) -> float:
    """The slot's best fuzzy score, when some of its variants share words.

    ``top`` starts as the best word order's score with the words of none
    (what a variant sharing no word scores at best). A variant's words in
    common are its words in ``matched``: testing a word against either is
    the same test, so the sums below add recall_of()'s terms in its order,
    to the last bit, in C (``halves``: each relevant word's half and full
    weight). A variant scores at most score(its word order, every asked
    word, precision 1): score() is monotonic, rounding too; so variants are
    tried best word order first, until that ceiling cannot beat ``top``."""
    halves = [(sw * 0.5, sw) for sw, _ in relevant]
    keys = [k for _, k in relevant]
    top = score(max(mine) / 100, sum(map(itemgetter(0), halves)) / total, 0.0)
    # score(word order, recall, precision) at its ceiling, as score() adds it up
    ceiling = 0.5 * (2 * (sum(map(itemgetter(1), halves)) / total) + 1.0) / 3
    using = slot.variants_with
    sharing = set().union(*map(using.get, matched, repeat(())))
    for n in sorted(sharing, key=mine.__getitem__, reverse=True):
        word_order = mine[n] / 100
        if 100 * (0.5 * word_order + ceiling) <= top:
            break  # nor can any after it
        v = variants[slot.start + n]
        covered = sum(map(tuple.__getitem__, halves, map(v.word_set.__contains__, keys)))
        hits = sum(compress(v.weights, map(matched.__contains__, v.words)))
        found = score(word_order, covered / total, hits / v.weight)
        if found > top:
            top = found
    return top
