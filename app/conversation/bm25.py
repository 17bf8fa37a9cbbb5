"""BM25 over each FAQ entry's words: which entry a long message is about.

The fuzzy score (:mod:`app.conversation.faq`) compares a message with one
listed question at a time, word order included; a long message full of
context ("tadi sy coba login tp kode otp nya ga masuk2, gmn ya?") resembles
no single question, although its telling words all belong to one entry.
BM25 looks only at those words: each entry is one document (all its
questions, both languages, stemmed), a word counts by how rare it is across
entries, and repeated or extra words add less and less. Words the entry does
not know cost nothing, so context around the question does not hurt.

The score is given as a share (0-1) of what the message's known words could
earn at best, so it means the same for short and long messages.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence

#: The usual BM25 constants: term-frequency saturation and length normalisation.
K1 = 1.2
B = 0.5
#: What a word no entry knows weighs in the ceiling, as a share of the rarest known word.
UNKNOWN = 0.1
#: A word in more documents than this share of them (and than COMMON_FLOOR)
#: is common: "bagaimana", "how" in a big FAQ. It tells documents apart so
#: little that it only adds to those sharing a rarer word with the message.
COMMON_SHARE = 0.1
COMMON_FLOOR = 48
#: Documents a message's rarer words must find for its common words to be
#: added to those alone: fewer, and the common words find documents too
#: (the FAQ offers up to three entries, from whatever words it has).
ENOUGH = 3


class Bm25:
    def __init__(self, documents: Sequence[Sequence[str]]) -> None:
        self._tf = [Counter(doc) for doc in documents]
        self._norm = []
        average = sum(len(d) for d in documents) / max(len(documents), 1) or 1.0
        for doc in documents:
            self._norm.append(K1 * (1 - B + B * len(doc) / average))
        count = len(documents)
        frequency: Counter[str] = Counter(w for tf in self._tf for w in tf)
        self.idf = {w: math.log(1 + (count - n + 0.5) / (n + 0.5)) for w, n in frequency.items()}
        self._rarest = max(self.idf.values(), default=1.0)
        self._postings: dict[str, list[tuple[int, float]]] = {}
        for i, tf in enumerate(self._tf):
            for w, n in tf.items():
                saturated = n * (K1 + 1) / (n + self._norm[i])
                self._postings.setdefault(w, []).append((i, self.idf[w] * saturated))
        limit = max(COMMON_FLOOR, COMMON_SHARE * count)
        #: The common words' postings by document, looked up for the documents found.
        self._common = {w: dict(p) for w, p in self._postings.items() if len(p) > limit}

    def scores(
        self, words: Sequence[tuple[str, float]], unknown: int = 0, foreign: float = 0.0
    ) -> list[float]:
        """Each document's share (0-1), in order: :meth:`shares` with the zeros."""
        out = [0.0] * len(self._tf)
        for i, share in self.shares(words, unknown, foreign)[0].items():
            out[i] = share
        return out

    def shares(
        self, words: Sequence[tuple[str, float]], unknown: int = 0, foreign: float = 0.0
    ) -> tuple[dict[int, float], bool]:
        """The share (0-1) of the best score the message could earn, for each
        document sharing a word with it (the others score 0): only those
        documents' postings are read, so a big FAQ costs what its words do.
        A common word is added only to the documents a rarer word found
        (to all, when those are fewer than ENOUGH): a document sharing
        nothing but common words is about something else. The flag says
        which: True when the rarer words found enough documents.

        ``words`` are (known word, similarity 0-1) pairs: a mistyped word
        counts by how close it is to the word it was taken for. ``unknown``
        words (no document has them) raise the ceiling by UNKNOWN of the
        rarest word each: a message of mostly unknown words is about
        something else ("ada warna merah ga?" shares only "tidak").
        ``foreign`` words say what else the message is about (an order, a
        refund: :mod:`app.conversation.offtopic`) and raise it by that many
        of the rarest word each.
        """
        out: dict[int, float] = {}
        get = out.get
        ceiling = (unknown * UNKNOWN + foreign) * self._rarest * (K1 + 1)
        common = []
        for word, similarity in dict(words).items():
            idf = self.idf.get(word)
            if idf is None:
                continue
            ceiling += idf * (K1 + 1) * similarity
            if word in self._common:
                common.append((word, similarity))
                continue
            for i, part in self._postings[word]:
                out[i] = get(i, 0.0) + part * similarity
        rare = len(out) >= ENOUGH
        for word, similarity in common:
            if rare:
                parts = self._common[word].get
                for i in list(out):
                    found = parts(i)
                    if found is not None:
                        out[i] += found * similarity
            else:
                for i, part in self._postings[word]:
                    out[i] = get(i, 0.0) + part * similarity
        if ceiling <= 0:
            return out, rare
        return {i: s / ceiling for i, s in out.items()}, rare
