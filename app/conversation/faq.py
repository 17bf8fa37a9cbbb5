"""Finding the FAQ entry a customer's question is about, typos and all.

Every question variant of every entry (both languages) is normalised once:
lower case, chat abbreviations spelled out ("brp" -> "berapa", "gak" ->
"tidak"), filler words dropped. A question is scored against each variant
with rapidfuzz — token-sorted so word order does not matter, edit-distance
based so typos cost little — and each entry keeps its best variant's score.

The result is *sure* (answer it), *unsure* (offer the best three as
choices) or *none* (say so, with a way to the menu or a person).
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass
from functools import lru_cache
from itertools import compress
from operator import itemgetter

import snowballstemmer
from rapidfuzz import fuzz, process

from app.content.flows import FaqEntry
from app.content.text import wordlist, words

#: Chat spellings, expanded before matching.
ABBREVIATIONS = {
    "yg": "yang", "brp": "berapa", "brapa": "berapa", "gmn": "bagaimana", "gimana": "bagaimana",
    "bgmn": "bagaimana", "knp": "kenapa", "napa": "kenapa", "tdk": "tidak", "gak": "tidak",
    "ga": "tidak", "gk": "tidak", "nggak": "tidak", "ngga": "tidak", "enggak": "tidak",
    "engga": "tidak", "sy": "saya", "aku": "saya", "aq": "saya", "gw": "saya", "gue": "saya",
    "kl": "kalau", "klo": "kalau", "kalo": "kalau", "dgn": "dengan", "dg": "dengan",
    "utk": "untuk", "buat": "untuk", "blm": "belum", "udh": "sudah", "udah": "sudah",
    "sdh": "sudah", "jg": "juga", "krn": "karena", "hrs": "harus", "bs": "bisa", "bsa": "bisa",
    "nmr": "nomor", "nomer": "nomor", "wa": "whatsapp", "whatsap": "whatsapp", "kasih": "beri",
    "dikasih": "diberi", "ngasih": "memberi", "kode2": "kode", "otpnya": "otp", "kodenya": "kode",
    "u": "you", "ur": "your", "r": "are", "pls": "please", "plz": "please", "msg": "message",
    "msgs": "messages", "txt": "text", "wont": "will not", "dont": "do not", "didnt": "did not",
    "cant": "can not", "cannot": "can not", "isnt": "is not", "doesnt": "does not",
    "e": "", "mail": "email", "tlp": "telepon", "telpon": "telepon", "nelpon": "menelepon",
    "ditelpon": "ditelepon", "sms": "sms", "ok": "", "oke": "",
}  # fmt: skip

#: Words that carry no meaning for telling questions apart.
FILLER = wordlist(
    """
    sih dong deh nih tuh ya kak min admin mas mbak pak bu halo hai hi hello please tolong mohon
    the a an is are do does did i my me to of it this that and or be can could would will you your
    saya itu ini yang dan atau di ke dari bisa mau ingin ada adalah kah
    """
)

#: Scores are 0-100. The answer is given when the best entry is clear of the
#: runner-up: by MARGIN from SURE on, or by CLOSE_MARGIN from CLEAR on.
SURE = 55
MARGIN = 12
CLEAR = 80
CLOSE_MARGIN = 8
#: Word similarity (0-100) above which a typed word counts as a misspelling of a known one.
TYPO = 75
#: At or above MAYBE the best three are offered as choices.
MAYBE = 48


@dataclass(frozen=True, slots=True)
class FaqMatch:
    entry: FaqEntry
    score: float


@dataclass(frozen=True, slots=True)
class FaqResult:
    #: "sure", "unsure" or "none"
    kind: str
    matches: tuple[FaqMatch, ...] = ()


#: Snowball stemmers keep their working state in the object, so one shared by
#: two threads (gthread workers, the flows reloader) mixes up their words:
#: each thread gets its own.
_STEMMERS = threading.local()


@lru_cache(maxsize=8192)  # pure, and customers use the same few hundred words
def stem(word: str) -> str:
    """One stem for "asked"/"ask" and "dikirim"/"kirim" (both stemmers, same order on both sides)."""
    pair = getattr(_STEMMERS, "pair", None)
    if pair is None:
        pair = _STEMMERS.pair = (
            snowballstemmer.stemmer("english"),
            snowballstemmer.stemmer("indonesian"),
        )
    english, indonesian = pair
    return str(indonesian.stemWord(english.stemWord(word)))


def prepare(text: str) -> str:
    expanded: list[str] = []
    for word in words(text[:300]):
        word = ABBREVIATIONS.get(word, word)
        expanded.extend(stem(w) for w in word.split() if w and w not in FILLER)
    return " ".join(expanded)


#: How many typed words each index remembers the closest known word of, and
#: how many (variant, words shared) pairs the precision of (customers use the
#: same few hundred words; the caps bound what odd ones cost).
RESOLVED_CACHE = 4096
PRECISION_CACHE = 16384


def _similar(token: str, vocabulary: dict[str, float]) -> tuple[float, str | None]:
    """The closest known word to ``token`` (typos cost a little), 0-1."""
    if token in vocabulary:
        return 1.0, token
    found = process.extractOne(token, vocabulary.keys(), scorer=fuzz.ratio, score_cutoff=TYPO)
    if not found:
        return 0.0, None
    return found[1] / 100, found[0]


def _score(ordered: float, recall: float, precision: float) -> float:
    """Half word order, half words in common (missing the asked words costs twice)."""
    return 100 * (0.5 * ordered + 0.5 * (2 * recall + precision) / 3)


def _recall(relevant: list[tuple[float, str]], shared: frozenset[str], total: float) -> float:
    """How much of the question an entry's variant covers: ``relevant`` are the
    typed words the entry knows, (similarity x weight, known word), in typed
    order. Words of this very variant (``shared``) count fully; words of the
    entry's other variants half."""
    covered = sum(sw if k in shared else sw * 0.5 for sw, k in relevant)
    return covered / total


_NONE: frozenset[str] = frozenset()


def _sorted_words(text: str) -> str:
    return " ".join(sorted(text.split()))


@dataclass(frozen=True, slots=True)
class _Variant:
    """One listed question, as search() needs it: worked out once, since the
    variants never change and queries come with every customer message."""

    slot: int  # its entry's place in FaqIndex._slots
    words: tuple[str, ...]
    word_set: frozenset[str]
    weights: tuple[float, ...]  # the IDF weight of each of words
    weight: float  # the same, summed
    #: Its words sorted: token_sort_ratio(query, variant) is ratio() of both sorted.
    sorted_text: str


@dataclass(frozen=True, slots=True)
class _Slot:
    """An entry and where its variants lie in FaqIndex._variants (in a row)."""

    entry: FaqEntry
    start: int
    stop: int
    #: The words of all variants of the entry's id (two entries may share an
    #: id in a broken FAQ that ``sandi flows check`` is reporting).
    words: frozenset[str]


#: (similarity 0-1, the known word or None, its weight): one typed word, resolved.
_Resolved = tuple[float, str | None, float]


class FaqIndex:
    def __init__(self, entries: tuple[FaqEntry, ...]) -> None:
        self.entries = entries
        prepared = [
            (prepare(q), entry)
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
        self._unknown = max(self._weight.values(), default=1.0)
        self._slots = self._make_slots(prepared)
        self._variants = self._make_variants(prepared)
        self._choices = [v.sorted_text for v in self._variants]
        self._slot_and_words = [(v.slot, v.word_set) for v in self._variants]
        #: word -> the variants using it: the only ones whose words can meet a question's.
        self._variants_with: dict[str, list[int]] = {}
        for i, v in enumerate(self._variants):
            for word in v.word_set:
                self._variants_with.setdefault(word, []).append(i)
        self._resolved: dict[str, _Resolved] = {}
        self._precisions: dict[tuple[int, frozenset[str]], float] = {}

    def _make_slots(self, prepared: list[tuple[str, FaqEntry]]) -> list[_Slot]:
        words: dict[str, set[str]] = {}
        for variant, entry in prepared:
            words.setdefault(entry.id, set()).update(variant.split())
        slots, start = [], 0
        for entry in self.entries:
            count = sum(len(questions) for questions in entry.questions.values())
            if count:  # an entry without questions can never be found
                slots.append(_Slot(entry, start, start + count, frozenset(words[entry.id])))
            start += count
        return slots

    def _make_variants(self, prepared: list[tuple[str, FaqEntry]]) -> list[_Variant]:
        slot_of = [n for n, slot in enumerate(self._slots) for _ in range(slot.start, slot.stop)]
        variants = []
        for (variant, _), slot in zip(prepared, slot_of, strict=True):
            words = tuple(variant.split())
            weights = tuple(self._weight[w] for w in words)
            variants.append(
                _Variant(
                    slot=slot,
                    words=words,
                    word_set=frozenset(words),
                    weights=weights,
                    weight=max(sum(weights), 1e-9),
                    sorted_text=_sorted_words(variant),
                )
            )
        return variants

    def search(self, text: str, limit: int = 3) -> list[FaqMatch]:
        """The best ``limit`` entries for ``text``, best first, each with its best variant's score.

        The scores are exactly those of scoring every variant in full (the
        reference in tests/conversation/test_faq_equivalence.py), for less
        work, as this runs on every customer message: every variant's word
        order comes from one rapidfuzz call; the variants of an entry that
        share no word with the question differ in word order alone, so the
        entry's best word order stands for them all; only the variants that
        share words are scored one by one.
        """
        query = prepare(text)
        tokens = query.split()
        if not tokens:
            return []
        resolved = [self._resolve(token) for token in tokens]
        total = sum(w for _, _, w in resolved)
        # The typed words that are known ones: (similarity x weight, known word), typed order.
        known = [(s * w, k) for s, k, w in resolved if k]
        relevant = [[(sw, k) for sw, k in known if k in slot.words] for slot in self._slots]
        ordered = self._ordered(_sorted_words(query))
        best = [
            _score(max(ordered[slot.start : slot.stop]) / 100, _recall(rel, _NONE, total), 0.0)
            for slot, rel in zip(self._slots, relevant, strict=True)
        ]
        self._raise_by_shared_words(best, ordered, relevant, {k for _, k in known}, total)
        return self._ranked(best, limit)

    def _raise_by_shared_words(
        self,
        best: list[float],
        ordered: list[float],
        relevant: list[list[tuple[float, str]]],
        matched: set[str],
        total: float,
    ) -> None:
        """Raise each entry's best to that of its variants sharing words with the question.

        ``best`` holds each entry's score as if none of its variants did:
        never above its true best, as a variant that shares words scores at
        least that at its own word order (more covered, some precision; each
        step of _score and _recall is monotonic, rounding included).
        """
        # Recall depends on the entry and the words shared alone: variants often share those.
        recalls: dict[tuple[int, frozenset[str]], float] = {}
        for i in set().union(*(self._variants_with[k] for k in matched)):
            slot, words = self._slot_and_words[i]
            shared = words & matched
            recall = recalls.get((slot, shared))
            if recall is None:
                recall = recalls[slot, shared] = _recall(relevant[slot], shared, total)
            precision = self._precisions.get((i, shared))
            if precision is None:
                precision = self._precision(i, shared)
            score = _score(ordered[i] / 100, recall, precision)
            if score > best[slot]:
                best[slot] = score

    def _resolve(self, token: str) -> _Resolved:
        """The closest known word to a typed one, with its weight; remembered,
        as the vocabulary of an index never changes."""
        found = self._resolved.get(token)
        if found is None:
            if len(self._resolved) >= RESOLVED_CACHE:
                self._resolved.clear()
            similarity, known = _similar(token, self._weight)
            weight = self._weight[known] if known else self._unknown
            found = self._resolved[token] = (similarity, known, weight)
        return found

    def _precision(self, variant: int, shared: frozenset[str]) -> float:
        """The share of a variant's weight that the question has, remembered:
        it depends on nothing else, and the same words are asked again and again."""
        if len(self._precisions) >= PRECISION_CACHE:
            self._precisions.clear()
        v = self._variants[variant]
        hits = sum(compress(v.weights, map(shared.__contains__, v.words)))
        precision = self._precisions[variant, shared] = hits / v.weight
        return precision

    def _ordered(self, sorted_query: str) -> list[float]:
        """Word-order similarity (0-100) to every variant, in their order: one C call."""
        # extract_iter yields every choice (none is None) in order, as the cutoff is 0.
        scored = process.extract_iter(
            sorted_query, self._choices, scorer=fuzz.ratio, processor=None
        )
        return list(map(itemgetter(1), scored))

    def _ranked(self, best: list[float], limit: int) -> list[FaqMatch]:
        """Entries by score, ties in FAQ order; an id listed twice keeps its first best."""
        by_id: dict[str, tuple[float, FaqEntry]] = {}
        for slot, score in zip(self._slots, best, strict=True):
            held = by_id.get(slot.entry.id)
            if held is None or score > held[0]:
                by_id[slot.entry.id] = (score, slot.entry)
        ranked = sorted(by_id.values(), key=itemgetter(0), reverse=True)[:limit]
        return [FaqMatch(entry, score) for score, entry in ranked]

    def classify(self, text: str) -> FaqResult:
        matches = self.search(text)
        if not matches or matches[0].score < MAYBE:
            return FaqResult("none")
        top = matches[0]
        runner_up = matches[1].score if len(matches) > 1 else 0.0
        lead = top.score - runner_up
        if (top.score >= SURE and lead >= MARGIN) or (top.score >= CLEAR and lead >= CLOSE_MARGIN):
            return FaqResult("sure", (top,))
        return FaqResult("unsure", tuple(m for m in matches if m.score >= MAYBE - 10))

    def get(self, entry_id: str) -> FaqEntry | None:
        return next((e for e in self.entries if e.id == entry_id), None)
