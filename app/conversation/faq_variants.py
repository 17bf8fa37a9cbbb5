"""The FAQ's question variants as the fuzzy scorer needs them, and the
scoring of the variants of one entry that share words with a question
(:class:`app.conversation.faq.FaqIndex` finds the entries to score).

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
    #: score(word order, recall, precision) at its ceiling less the word order's half,
    #: as score() adds it up: recall with every relevant word, precision 1.
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
    ceiling = 0.5 * (2 * (sum(map(itemgetter(0), relevant)) / total) + 1.0) / 3
    bound = 100 * (0.5 * (scored[0][1] / 100) + ceiling)
    return Scored(index, slot, scored, relevant, ceiling, bound)


def sharing_best(
    slot_scored: Scored,
    variants: list[Variant],
    total: float,
    precisions: dict[tuple[int, int], float],
) -> float:
    """The slot's best fuzzy score, when some of its variants share words.

    The variants are tried best word order first. ``top`` starts as the best word order's score with the words of none (what a
    variant sharing no word scores at best: recall_of()'s terms, summed in
    its order, here in C). A variant scores at most score(its word order,
    every asked word, precision 1): score() is monotonic, rounding too; so
    the variants are tried in that order until that ceiling cannot beat
    ``top``. ``precisions`` remembers what depends on the variant and its
    words in common alone.

    score() and recall_of() (app.conversation.faq_scores) are written out
    here, term for term in their order, so every float is theirs to the bit:
    this loop runs for a hundred variants or more per message."""
    slot, scored, ceiling = slot_scored.slot, slot_scored.scored, slot_scored.ceiling
    bits = slot.bits
    asked = [(sw, sw * 0.5, bits[k]) for sw, k in slot_scored.relevant]
    none: float = sum(map(itemgetter(1), asked)) / total
    top = 100 * (0.5 * (scored[0][1] / 100) + 0.5 * (2 * none + 0.0) / 3)
    query = 0
    for _, _, bit in asked:
        query |= bit
    recalls: dict[int, float] = {}
    masks, start = slot.masks, slot.start
    for _, ratio, n in scored:
        word_order = ratio / 100
        if 100 * (0.5 * word_order + ceiling) <= top:
            break  # nor can any after it
        shared = masks[n] & query
        if not shared:
            continue  # scores score(word_order, recall of none, 0) at most: top or less
        recall = recalls.get(shared)
        if recall is None:
            covered = sum(sw if bit & shared else half for sw, half, bit in asked)
            recall = recalls[shared] = covered / total
        precision = precisions.get((start + n, shared))
        if precision is None:
            precision = _precision(variants[start + n], start + n, shared, precisions)
        this = 100 * (0.5 * word_order + 0.5 * (2 * recall + precision) / 3)
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
