"""Finding the FAQ entry a customer's question is about, typos and all.

Every question variant of every entry (both languages) is prepared once
(:mod:`app.conversation.faq_text`: chat spellings spelled out, filler
dropped, stemmed). A message is prepared the same way; each typed word is
resolved to the closest word the FAQ knows (typos cost a little).

Only the entries that share a known word with the message can be about it,
so only those are looked at (an inverted index: BM25's postings, one list
of entries per word). Of those, the RERANK entries with the most BM25 are
scored by the fuzzy scorer (each variant: word order, words in common) and
ranked by the fused score (:mod:`app.conversation.faq_scores`); classify()
scores in full only those that can still be among the best three.
A big FAQ costs what the message's words cost, not what every variant does.

The result is *sure* (answer it), *unsure* (offer the best three as
choices) or *none* (say so, with a way to the menu or a person).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import pairwise
from operator import itemgetter

from rapidfuzz import fuzz, process

from app.content.flows import FaqEntry
from app.conversation.bm25 import Bm25
from app.conversation.faq_scores import (
    COVERED,
    FaqMatch,
    FaqResult,
    Resolved,
    coverage,
    decide,
    fused,
)
from app.conversation.faq_text import (
    EVERYDAY,
    OFF_TOPIC_MARK,
    closest_known,
    faq_words,
    prepare,
    surface_forms,
)
from app.conversation.faq_variants import Scored, Slot, Variant, scored_slot, sharing_best

#: Entries scored in full per message: those with the most BM25 among the
#: entries sharing words with it. The others share only words that many
#: entries use ("bagaimana", "how"), so they score far below these;
#: tests/conversation/test_faq_equivalence.py shows what is answered is what
#: scoring every entry answers, on the labelled sets and on FAQs of 1,000
#: entries (a weak second or third choice may differ, see there).
RERANK = 30
#: What a typed word the FAQ does not know weighs, as a share of the rarest
#: known word's weight: it may be a name or a typo past repair, so less
#: than a word that tells entries apart, but enough that a message mostly
#: of unknown words is about something else (classify: COVERED).
UNKNOWN_WEIGHT = 0.8
#: ... and an unknown word of everyday language (faq_text.EVERYDAY), as a share of that.
COMMON_UNKNOWN = 0.4
#: What a word of the shop's other business (:mod:`app.conversation.offtopic`)
#: weighs, as a share of the rarest known word's weight: it says what the
#: message is about, and that is not an entry.
OFF_TOPIC_WEIGHT = 1.5
#: The same in BM25's ceiling (:meth:`Bm25.shares`, ``foreign``).
OFF_TOPIC_BM25 = 1.0
#: How many typed words each index remembers the closest known word of
#: (customers use the same few hundred words; the cap bounds what odd ones cost).
RESOLVED_CACHE = 4096


def _slot_tokens(prepared: list[tuple[str, FaqEntry]], slot: Slot) -> list[str]:
    """An entry's words, and each two words in a row ("tidak_masuk"): a phrase
    of the entry's counts more than its words apart."""
    out = []
    for variant, _ in prepared[slot.start : slot.stop]:
        words = variant.split()
        out.extend(words)
        out.extend(f"{a}_{b}" for a, b in pairwise(words))
    return out


def _sorted_words(text: str) -> str:
    return " ".join(sorted(text.split()))


def _mask(variant: str, bits: dict[str, int]) -> int:
    """A variant's words as the bits of its slot (Slot.bits), or'ed."""
    mask = 0
    for word in variant.split():
        mask |= bits[word]
    return mask


@dataclass(frozen=True, slots=True)
class _Query:
    """A message as the scorers need it: its words resolved to known ones."""

    sorted_text: str
    resolved: list[Resolved]
    shares: dict[int, float]  # slot -> BM25 share, for the slots sharing a word
    #: Whether words rarer than common ones found enough entries (Bm25.shares).
    told_apart: bool

    @property
    def total(self) -> float:
        return sum(w for _, _, w in self.resolved)


class FaqIndex:
    def __init__(self, entries: tuple[FaqEntry, ...]) -> None:
        self.entries = entries
        self.keep = faq_words(entries)
        prepared = [
            (prepare(q, self.keep), entry)
            for entry in entries
            for questions in entry.questions.values()
            for q in questions
        ]
        # Words that appear in few entries tell entries apart; weigh them more (IDF).
        spread: dict[str, set[str]] = {}
        for variant, entry in prepared:
            for word in variant.split():
                spread.setdefault(word, set()).add(entry.id)
        total = max(len(entries), 1)
        self._weight = {w: math.log(1 + total / len(ids)) for w, ids in spread.items()}
        rarest = max(self._weight.values(), default=1.0)
        self._unknown = rarest * UNKNOWN_WEIGHT
        self._off_topic = rarest * OFF_TOPIC_WEIGHT
        self._surface = surface_forms(self.keep, self._weight)
        self._slots = self._make_slots(prepared)
        self._variants = [
            self._make_variant(v, slot.bits)
            for slot in self._slots
            for v, _ in prepared[slot.start : slot.stop]
        ]  # in prepared's order: the slots cover it in a row
        self._first_of_id: dict[str, int] = {}
        for n, slot in enumerate(self._slots):
            self._first_of_id.setdefault(slot.entry.id, n)
        self._resolved: dict[str, Resolved] = {}
        self._precisions: dict[tuple[int, int], float] = {}
        self._bm25 = Bm25([_slot_tokens(prepared, slot) for slot in self._slots])

    def _make_slots(self, prepared: list[tuple[str, FaqEntry]]) -> list[Slot]:
        words: dict[str, set[str]] = {}
        for variant, entry in prepared:
            words.setdefault(entry.id, set()).update(variant.split())
        slots, start = [], 0
        for entry in self.entries:
            count = sum(len(questions) for questions in entry.questions.values())
            if count:  # an entry without questions can never be found
                mine = [v for v, _ in prepared[start : start + count]]
                texts = tuple(_sorted_words(v) for v in mine)
                bits = {w: 1 << b for b, w in enumerate(sorted(words[entry.id]))}
                masks = tuple(_mask(v, bits) for v in mine)
                slots.append(Slot(entry, start, start + count, bits, texts, masks))
            start += count
        return slots

    def _make_variant(self, variant: str, bits: dict[str, int]) -> Variant:
        words = tuple(variant.split())
        weights = tuple(self._weight[w] for w in words)
        return Variant(words, weights, max(sum(weights), 1e-9), tuple(bits[w] for w in words))

    def _read(self, text: str) -> _Query | None:
        """The message's words resolved, and the BM25 share of each entry sharing one."""
        query = prepare(text, self.keep)
        tokens = query.split()
        if not tokens:
            return None
        resolved = [self._resolve(t) for t in tokens]
        known = [(k, s) for s, k, _ in resolved if k]
        pairs = [
            (f"{a[1]}_{b[1]}", min(a[0], b[0]))
            for a, b in pairwise(resolved)
            if a[1] and b[1] and f"{a[1]}_{b[1]}" in self._bm25.idf
        ]
        off_topic = tokens.count(OFF_TOPIC_MARK)
        shares, told_apart = self._bm25.shares(
            known + pairs, len(resolved) - len(known) - off_topic, off_topic * OFF_TOPIC_BM25
        )
        return _Query(_sorted_words(query), resolved, shares, told_apart)

    def _reranked(self, query: _Query) -> list[int]:
        """The slots scored in full, in FAQ order: the RERANK with the most BM25."""
        if len(query.shares) <= RERANK:
            return sorted(query.shares)
        best = sorted(query.shares.items(), key=itemgetter(1), reverse=True)[:RERANK]
        return sorted(slot for slot, _ in best)

    def search(self, text: str, limit: int = 3) -> list[FaqMatch]:
        """The best ``limit`` entries for ``text`` by the fuzzy score alone, best first."""
        query = self._read(text)
        if query is None:
            return []
        return self._ranked(self._fuzzy(query, self._reranked(query)), limit)

    def scores(self, text: str) -> tuple[dict[int, float], dict[int, float], float]:
        """For the entries scored in full (by their place among the entries
        with questions): the fuzzy score (0-100) and the BM25 share (0-1); and
        the share of the question's weight that the FAQ knows at all."""
        query = self._read(text)
        if query is None:
            return {}, {}, 0.0
        slots = self._reranked(query)
        return (
            self._fuzzy(query, slots),
            {s: query.shares[s] for s in slots},
            coverage(query.resolved),
        )

    def classify(self, text: str) -> FaqResult:
        """Answer, offer choices, or say there is no entry for ``text``.

        The fused score ranks the entries. The best one is answered when it
        is clear of the runner-up, or when both scorers put it first on
        their own and it scores AGREED. A question whose words the FAQ mostly
        does not know ("saya mau pesan pizza") is about something else: none.
        """
        query = self._read(text)
        if query is None or not query.shares or coverage(query.resolved) < COVERED:
            return FaqResult("none")
        fuzzy = self._leaders(query, self._reranked(query))
        ranked = self._ranked({s: fused(f, query.shares[s]) for s, f in fuzzy.items()}, 3)
        return decide(
            ranked,
            self._ranked(fuzzy, 1)[0].entry,
            self._bm25_first(query.shares),
            OFF_TOPIC_MARK in query.sorted_text,
            len(query.resolved),
        )

    def _fuzzy(self, query: _Query, slots: list[int]) -> dict[int, float]:
        """Each slot's best fuzzy score over its variants, exactly.

        Each entry's variants come from rapidfuzz scored and sorted, best
        word order first (one call per entry costs less than one call for
        all of them and a sort per entry in Python). The variants of an
        entry that share no word with the question differ in word order
        alone, so the entry's best word order stands for them all (``top``
        at first). A variant that shares words can score at most the fuzzy
        score (:mod:`app.conversation.faq_variants`) of its word order with
        every asked word the entry knows and precision 1: the score is
        monotonic in each, rounding too. So once that ceiling is
        no better than the best so far, neither is any variant after it.
        """
        total = query.total
        return {found.index: self._best(found, total) for found in self._scored(query, slots)}

    def _leaders(self, query: _Query, slots: list[int]) -> dict[int, float]:
        """:meth:`_fuzzy`'s scores of the slots that can decide :meth:`classify`.

        classify() reads the three best fused scores (by entry id) and the
        best fuzzy score. A slot that scores at most (``Scored.bound``:
        fused() and the fuzzy score are monotonic, rounding too) less than the third
        fused score and less than the best fuzzy score found so far can be
        neither, nor tie one: it is left out. The slots with the highest
        bound go first, so the scores to beat are high early.
        """
        total = query.total
        shares = query.shares
        found = [(fused(f.bound, shares[f.index]), f) for f in self._scored(query, slots)]
        found.sort(key=itemgetter(0), reverse=True)
        best: dict[int, float] = {}
        by_id: dict[str, float] = {}  # each entry id's best fused score so far
        lead = -math.inf  # the best fuzzy score so far
        for most, f in found:
            if f.bound < lead and len(by_id) >= 3 and most < sorted(by_id.values())[-3]:
                continue
            mine = best[f.index] = self._best(f, total)
            if mine > lead:
                lead = mine
            entry_id = f.slot.entry.id
            this = fused(mine, shares[f.index])
            if this > by_id.get(entry_id, -math.inf):
                by_id[entry_id] = this
        return best

    def _scored(self, query: _Query, slots: list[int]) -> list[Scored]:
        """Each slot's variants by word order, best first, and the question's words it knows."""
        total = query.total
        known = [(s * w, k) for s, k, w in query.resolved if k]
        text = query.sorted_text
        found = []
        for s in slots:
            slot = self._slots[s]
            # (text, ratio, place) for every variant (none is None, the cutoff is 0), best first
            scored = process.extract(
                text, slot.sorted_texts, scorer=fuzz.ratio, processor=None, limit=None
            )
            relevant = [(sw, k) for sw, k in known if k in slot.bits]
            found.append(scored_slot(s, slot, scored, relevant, total))
        return found

    def _best(self, found: Scored, total: float) -> float:
        """One slot's best fuzzy score, exactly."""
        return sharing_best(found, self._variants, total, self._precisions)

    def _resolve(self, token: str) -> Resolved:
        """The closest known word to a typed one, with its weight; remembered,
        as the vocabulary of an index never changes."""
        if token == OFF_TOPIC_MARK:
            return 0.0, None, self._off_topic
        found = self._resolved.get(token)
        if found is None:
            if len(self._resolved) >= RESOLVED_CACHE:
                self._resolved.clear()
            similarity, known = closest_known(token, self._weight, self._surface)
            if known:
                weight = self._weight[known]
            else:
                weight = self._unknown * (COMMON_UNKNOWN if token in EVERYDAY else 1.0)
            found = self._resolved[token] = (similarity, known, weight)
        return found

    def _ranked(self, scores: dict[int, float], limit: int) -> list[FaqMatch]:
        """Entries by score, ties in FAQ order; an id listed twice keeps its first best."""
        by_id: dict[str, tuple[float, FaqEntry]] = {}
        for s in sorted(scores):
            entry, found = self._slots[s].entry, scores[s]
            held = by_id.get(entry.id)
            if held is None or found > held[0]:
                by_id[entry.id] = (found, entry)
        ranked = sorted(by_id.values(), key=itemgetter(0), reverse=True)[:limit]
        return [FaqMatch(entry, found) for found, entry in ranked]

    def _bm25_first(self, shares: dict[int, float]) -> FaqEntry:
        """``_ranked(shares, 1)``'s entry without sorting every entry sharing a word:
        of the slots with the top share, the id listed first, its first such slot."""
        top = max(shares.values())
        tops = [s for s, share in shares.items() if share == top]
        first = min(tops, key=lambda s: self._first_of_id[self._slots[s].entry.id])
        entry_id = self._slots[first].entry.id
        return self._slots[min(s for s in tops if self._slots[s].entry.id == entry_id)].entry

    def get(self, entry_id: str) -> FaqEntry | None:
        return next((e for e in self.entries if e.id == entry_id), None)
