"""The FAQ's question variants as the fuzzy scorer needs them, and the fuzzy
score of the variants of one entry (:class:`app.conversation.faq.FaqIndex`
finds the entries to score).

The fuzzy score of a variant, 0-100, is half word order, half words in
common (missing the asked words costs twice)::

    100 * (0.5 * word_order + 0.5 * (2 * recall + precision) / 3)

It is written out here and nowhere else: in :func:`sharing_best`, which runs
for a hundred variants or more per message (a function call per variant
would cost more than the arithmetic), and in :func:`scored_slot`'s ceiling,
the same at every asked word and precision 1. Changing it means changing the
lines marked ``# the score``, all in this module (the reference in
tests/conversation/test_faq_equivalence.py says what they must give).

Within an entry each of its words is one bit of an int, so the words a
variant shares with a question are one ``&`` of two ints: a cheaper key for
the caches than a frozenset built, hashed and compared per variant."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import compress
from operator import itemgetter

from app.content.flows import FaqEntry


@dataclass(frozen=True, slots=True)
class Variant:
    """One listed question, as the scorer needs it: worked out once, since the
    variants never change and queries come with every customer message."""

    words: tuple[str, ...]
    weights: tuple[float, ...]  # the IDF weight of each of words
    weight: float  # the same, summed
    bits: tuple[int, ...]  # each of words as its bit in its slot (Slot.bits)


@dataclass(frozen=True, slots=True)
class Slot:
    """An entry and where its variants lie in the index's variants (in a row)."""

    entry: FaqEntry
    start: int
    stop: int
    #: The words of all variants of the entry's id (two entries may share an
    #: id in a broken FAQ that ``sandi flows check`` is reporting), each its bit.
    bits: dict[str, int]
    #: Its variants' words sorted: token_sort_ratio(query, variant) is ratio() of both sorted.
    sorted_texts: tuple[str, ...]
    #: Each variant's bits or'ed, by its place among the slot's variants.
    masks: tuple[int, ...]


#: How many (variant, words shared) pairs an index remembers the precision
#: of (customers use the same few hundred words; the cap bounds odd ones).
PRECISION_CACHE = 16384


@dataclass(slots=True)
class Scored:
    """A slot's variants by word order, and what scoring it in full needs.

    Made for every entry a message shares words with and never changed, but
    not frozen: a frozen dataclass sets each field through object.__setattr__,
    twice the cost of making one, for a dozen per message."""

    index: int  # the slot's place among the index's slots
    slot: Slot
    #: (text, word order 0-100, place) for each variant, as rapidfuzz's extract() gives
    #: them: best word order first.
    scored: list[tuple[str, float, int]]
    #: The typed words the entry knows: (similarity x weight, known word), in typed order.
    relevant: list[tuple[float, str]]
    #: The score's words-in-common half at its ceiling (recall with every relevant
    #: word, precision 1), as the score adds it to the word order's half.
    ceiling: float
    #: What the slot scores at most: the best word order at the ceiling.
    bound: float


def scored_slot(
    index: int,
    slot: Slot,
    scored: list[tuple[str, float, int]],
    relevant: list[tuple[float, str]],
    total: float,
) -> Scored:
    """The slot's ceiling and bound, worked out once for both of its uses:
    :meth:`FaqIndex._leaders` ranks and skips slots by the bound,
    :func:`sharing_best` stops at the ceiling."""
    ceiling = 0.5 * (2 * (sum(map(itemgetter(0), relevant)) / total) + 1.0) / 3  # the score
    bound = 100 * (0.5 * (scored[0][1] / 100) + ceiling)  # the score
    return Scored(index, slot, scored, relevant, ceiling, bound)


def sharing_best(
    slot_scored: Scored,
    variants: list[Variant],
    total: float,
    precisions: dict[tuple[int, int], float],
) -> float:
    """The slot's best fuzzy score: the one place it is computed.

    The variants are tried best word order first. ``top`` starts as the
    best word order's score with the words of none (what a variant sharing
    no word scores at best: the recall of only the entry's other variants'
    words, summed in typed order, here in C; a slot none of whose variants
    share a word scores just that). A variant scores at most the score of
    its word order at the ceiling: the score is monotonic, rounding too; so
    the variants are tried in that order until that ceiling cannot beat
    ``top``. ``precisions`` remembers what depends on the variant and its
    words in common alone."""
    slot, scored, ceiling = slot_scored.slot, slot_scored.scored, slot_scored.ceiling
    bits = slot.bits
    # each relevant word counts fully in a variant that has it, half in the entry's others
    asked = [(sw, sw * 0.5, bits[k]) for sw, k in slot_scored.relevant]
    none: float = sum(map(itemgetter(1), asked)) / total
    top = 100 * (0.5 * (scored[0][1] / 100) + 0.5 * (2 * none + 0.0) / 3)  # the score
    if not asked:
        return top
    query = 0
    for _, _, bit in asked:
        query |= bit
    recalls: dict[int, float] = {}
    masks, start = slot.masks, slot.start
    for _, ratio, n in scored:
        word_order = ratio / 100
        if 100 * (0.5 * word_order + ceiling) <= top:  # the score
            break  # nor can any after it
        shared = masks[n] & query
        if not shared:
            continue  # scores no more than with the words of none: top or less
        recall = recalls.get(shared)
        if recall is None:
            covered = sum(sw if bit & shared else half for sw, half, bit in asked)
            recall = recalls[shared] = covered / total
        precision = precisions.get((start + n, shared))
        if precision is None:
            precision = _precision(variants[start + n], start + n, shared, precisions)
        this = 100 * (0.5 * word_order + 0.5 * (2 * recall + precision) / 3)  # the score
        if this > top:
            top = this
    return top


def _precision(v: Variant, i: int, shared: int, precisions: dict[tuple[int, int], float]) -> float:
    """The share of a variant's weight that the question has, remembered."""
    if len(precisions) >= PRECISION_CACHE:
        precisions.clear()
    hits = sum(compress(v.weights, map(shared.__and__, v.bits)))
    precision = precisions[i, shared] = hits / v.weight
    return precision
