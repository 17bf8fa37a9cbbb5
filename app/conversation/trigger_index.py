"""Finding the flow a message triggers without walking every flow's phrases.

:meth:`app.conversation.routing.Router.trigger` compared a message with
every trigger phrase of every flow, in Python, on each message outside a
flow: with 1,000 flows loaded that was most of a turn (measured by
``bench/curves.py``). The answers are the same, found faster: an exact
phrase by dict, a contained one only among phrases whose first word the
message has, a typo'd one by rapidfuzz's own loop in C. Ties go as before:
the longest phrase, then the first in flow order.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping, Sequence

from rapidfuzz import fuzz, process

from app.content import flows as f

#: Phrases shorter than this are matched exactly only (when contained / when fuzzy).
CONTAINED_MIN = 4
FUZZY_MIN = 5


class TriggerIndex:
    def __init__(self, flows: Iterable[tuple[str, Mapping[str, Sequence[str]]]]) -> None:
        #: (phrase, flow id) in flow order, phrase order: the order ties are settled in.
        self.phrases: list[tuple[str, str]] = [
            (phrase, flow_id)
            for flow_id, triggers in flows
            for phrases in triggers.values()
            for phrase in phrases
        ]
        self.exact: dict[str, str] = {}
        self.by_first_word: dict[str, list[int]] = {}
        self.wordless: list[int] = []  # long enough, but only spaces: checked always
        for at, (phrase, flow_id) in enumerate(self.phrases):
            self.exact.setdefault(phrase, flow_id)
            if len(phrase) >= CONTAINED_MIN:
                words = phrase.split()
                if words:
                    self.by_first_word.setdefault(words[0], []).append(at)
                else:
                    self.wordless.append(at)
        self.fuzzy_at = [i for i, (p, _) in enumerate(self.phrases) if len(p) >= FUZZY_MIN]
        self.fuzzy = [self.phrases[i][0] for i in self.fuzzy_at]

    def find(self, norm: str, *, contained: bool, similarity: float) -> str | None:
        """The flow whose trigger ``norm`` is, contains (``contained``) or nearly is."""
        if not norm:
            return None
        exact = self.exact.get(norm)
        if exact is not None:
            return exact
        if contained:
            padded = f" {norm} "
            candidates = [
                at for word in set(norm.split()) for at in self.by_first_word.get(word, ())
            ]
            hits = [at for at in candidates + self.wordless if f" {self.phrases[at][0]} " in padded]
        else:
            found = process.extract(
                norm, self.fuzzy, scorer=fuzz.ratio, score_cutoff=similarity, limit=None
            )
            hits = [self.fuzzy_at[index] for _, _, index in found]
        if not hits:
            return None
        best = min(hits, key=lambda at: (-len(self.phrases[at][0]), at))
        return self.phrases[best][1]


_lock = threading.Lock()
#: Indexes of the flow sets seen lately, by identity (a reload brings a new set).
_indexes: dict[int, tuple[f.FlowSet, TriggerIndex]] = {}


def index_for(flowset: f.FlowSet) -> TriggerIndex:
    """The index of ``flowset``'s triggers, built once per loaded flow set."""
    held = _indexes.get(id(flowset))
    if held is not None and held[0] is flowset:
        return held[1]
    index = TriggerIndex((flow.id, flow.triggers) for flow in flowset.flows.values())
    with _lock:
        if len(_indexes) >= 8:
            _indexes.pop(next(iter(_indexes)))
        _indexes[id(flowset)] = (flowset, index)
    return index
