"""The FAQ's question variants as the fuzzy scorer needs them, and the
scoring of the variants of one entry that share words with a question
(:class:`app.conversation.faq.FaqIndex` finds the entries to score)."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import compress, repeat
from operator import itemgetter

from app.content.flows import FaqEntry
from app.conversation.faq_scores import recall_of, score


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


#: How many (variant, words shared) pairs an index remembers the precision
#: of (customers use the same few hundred words; the cap bounds odd ones).
PRECISION_CACHE = 16384


def sharing_best(
    slot: Slot,
    variants: list[Variant],
    mine: list[float],
    relevant: list[tuple[float, str]],
    matched: frozenset[str],
    total: float,
    precisions: dict[tuple[int, frozenset[str]], float],
) -> float:
    """The slot's best fuzzy score, when some of its variants share words.

    ``top`` starts as the best word order's score with the words of none
    (what a variant sharing no word scores at best: recall_of()'s terms,
    summed in its order, here in C). A variant scores at most score(its
    word order, every asked word, precision 1): score() is monotonic,
    rounding too; so variants are tried best word order first, until that
    ceiling cannot beat ``top``. ``precisions`` remembers what depends on
    the variant and its words in common alone."""
    halves = [(sw * 0.5, sw) for sw, _ in relevant]
    top = score(max(mine) / 100, sum(map(itemgetter(0), halves)) / total, 0.0)
    # score(word order, recall, precision) at its ceiling, as score() adds it up
    ceiling = 0.5 * (2 * (sum(map(itemgetter(1), halves)) / total) + 1.0) / 3
    recalls: dict[frozenset[str], float] = {}
    using = slot.variants_with
    sharing = set().union(*map(using.get, matched, repeat(())))
    for n in sorted(sharing, key=mine.__getitem__, reverse=True):
        word_order = mine[n] / 100
        if 100 * (0.5 * word_order + ceiling) <= top:
            break  # nor can any after it
        i = slot.start + n
        shared = variants[i].word_set & matched
        recall = recalls.get(shared)
        if recall is None:
            recall = recalls[shared] = recall_of(relevant, shared, total)
        precision = precisions.get((i, shared))
        if precision is None:
            precision = _precision(variants[i], i, shared, precisions)
        found = score(word_order, recall, precision)
        if found > top:
            top = found
    return top


def _precision(
    v: Variant, i: int, shared: frozenset[str], precisions: dict[tuple[int, frozenset[str]], float]
) -> float:
    """The share of a variant's weight that the question has, remembered."""
    if len(precisions) >= PRECISION_CACHE:
        precisions.clear()
    hits = sum(compress(v.weights, map(shared.__contains__, v.words)))
    precision = precisions[i, shared] = hits / v.weight
    return precision
