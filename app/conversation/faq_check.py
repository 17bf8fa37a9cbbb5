"""FAQ questions that collide: with each other, or with a flow's trigger.

The FAQ answers the closest entry, so two entries that list the same
question (once chat spellings and filler words are set aside) can never both
be right; and an entry's own question that the matcher gives to another
entry means customers asking it read the wrong answer. A question that is
also a flow's trigger, or a command word ("stop", "menu"), starts the flow
or runs the command instead of answering.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from app.content import flows as f
from app.content.source import Problem, Where
from app.content.text import normalise
from app.conversation.faq import FaqIndex
from app.conversation.faq_text import prepare

if TYPE_CHECKING:
    from app.content.builder import Origins


def faq_problems(flowset: f.FlowSet, origins: Origins) -> Iterator[Problem]:
    if not flowset.faq:
        return
    index = FaqIndex(flowset.faq)
    seen: dict[str, tuple[str, Where]] = {}
    triggers = {
        phrase: flow.id
        for flow in flowset.flows.values()
        for phrases in flow.triggers.values()
        for phrase in phrases
    }
    for entry in flowset.faq:
        for lc, questions in entry.questions.items():
            for number, question in enumerate(questions):
                where = _where(origins, entry, lc, number)
                key = prepare(question)
                owner = seen.get(key)
                if owner and owner[0] != entry.id:
                    yield Problem(
                        where,
                        f"FAQ question '{question}' is the same as one of '{owner[0]}' "
                        f"({owner[1]}); customers cannot get both answers",
                    )
                    continue
                seen.setdefault(key, (entry.id, where))
                norm = normalise(question)
                command = flowset.commands.anywhere(norm)
                if command:
                    yield Problem(
                        where,
                        f"FAQ question '{question}' is also the '{command}' command, "
                        "which wins: customers asking it never get this answer",
                        "warning",
                    )
                    continue
                flow = triggers.get(norm)
                if flow:
                    yield Problem(
                        where,
                        f"FAQ question '{question}' is also a trigger of flow '{flow}', "
                        "which wins: customers asking it never get this answer",
                        "warning",
                    )
                    continue
                result = index.classify(question)
                top = result.matches[0].entry.id if result.matches else None
                others = [m.entry.id for m in result.matches if m.entry.id != entry.id]
                if (result.kind == "sure" and top == entry.id) or not others:
                    continue
                if result.kind == "sure":
                    message = f"is answered by '{top}' instead: reword it, or move it there"
                else:
                    message = (
                        f"is too close to '{others[0]}': customers asking it are offered "
                        "a choice instead of this answer"
                    )
                yield Problem(where, f"FAQ question '{question}' {message}", "warning")


def _where(origins: Origins, entry: f.FaqEntry, locale: str, number: int) -> Where:
    found = origins.faq_doc.get(entry.id)
    if found is None:
        return entry.where
    doc, path = found
    return doc.where((*path, "questions", locale, number))
