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

import snowballstemmer
from rapidfuzz import fuzz, process

from app.conversation.flows import FaqEntry
from app.conversation.text import wordlist, words

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


def _similar(token: str, vocabulary: dict[str, float]) -> tuple[float, str | None]:
    """The closest known word to ``token`` (typos cost a little), 0-1."""
    if token in vocabulary:
        return 1.0, token
    found = process.extractOne(token, vocabulary.keys(), scorer=fuzz.ratio, score_cutoff=TYPO)
    if not found:
        return 0.0, None
    return found[1] / 100, found[0]


@dataclass(frozen=True, slots=True)
class _Variant:
    entry: FaqEntry
    words: tuple[str, ...]
    word_set: frozenset[str]
    entry_words: set[str]
    weight: float  # the IDF weights of its words, summed
    #: Its words sorted: token_sort_ratio(query, variant) is ratio() of both sorted.
    sorted_text: str


def _sorted_words(text: str) -> str:
    return " ".join(sorted(text.split()))


class FaqIndex:
    def __init__(self, entries: tuple[FaqEntry, ...]) -> None:
        self.entries = entries
        self._variants = [
            (prepare(q), entry)
            for entry in entries
            for questions in entry.questions.values()
            for q in questions
        ]
        # Words that appear in few entries tell entries apart; weigh them more (IDF).
        spread: dict[str, set[str]] = {}
        for variant, entry in self._variants:
            for word in variant.split():
                spread.setdefault(word, set()).add(entry.id)
        total = max(len(entries), 1)
        self._weight = {w: math.log(1 + total / len(ids)) for w, ids in spread.items()}
        self._entries_of = spread
        self._unknown = max(self._weight.values(), default=1.0)
        self._words = {
            entry.id: {w for v, e in self._variants if e.id == entry.id for w in v.split()}
            for entry in entries
        }
        # Per variant, what search() needs of it, worked out once (the variants
        # never change; queries come with every customer message).
        self._prepared = [
            _Variant(
                entry=entry,
                words=tuple(variant.split()),
                word_set=frozenset(variant.split()),
                entry_words=self._words[entry.id],
                weight=max(sum(self._weight[v] for v in variant.split()), 1e-9),
                sorted_text=_sorted_words(variant),
            )
            for variant, entry in self._variants
        ]

    def search(self, text: str, limit: int = 3) -> list[FaqMatch]:
        query = prepare(text)
        tokens = query.split()
        if not tokens:
            return []
        # Map each typed word to the closest known word once, with its weight.
        resolved = []
        for token in tokens:
            similarity, known = _similar(token, self._weight)
            weight = self._weight[known] if known else self._unknown
            resolved.append((similarity, known, weight))
        total = sum(w for _, _, w in resolved)
        matched = {k for _, k, _ in resolved if k}
        # Entries sharing no word with the question score on word order alone.
        touched = {entry_id for word in matched for entry_id in self._entries_of[word]}
        sorted_query = _sorted_words(query)
        best: dict[str, FaqMatch] = {}
        for v in self._prepared:
            ordered = fuzz.ratio(sorted_query, v.sorted_text) / 100
            entry_id = v.entry.id
            if entry_id in touched:
                # Words of this very variant count fully; words of the entry's other variants half.
                covered = sum(
                    s * w * (1.0 if k in v.word_set else 0.5)
                    for s, k, w in resolved
                    if k and k in v.entry_words
                )
                recall = covered / total
                hits = sum(self._weight[w] for w in v.words if w in matched)
                precision = hits / v.weight
                score = 100 * (0.5 * ordered + 0.5 * (2 * recall + precision) / 3)
            else:
                score = 100 * (0.5 * ordered + 0.5 * (2 * 0.0 + 0.0) / 3)
            if entry_id not in best or score > best[entry_id].score:
                best[entry_id] = FaqMatch(v.entry, score)
        ranked = sorted(best.values(), key=lambda m: m.score, reverse=True)
        return ranked[:limit]

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
