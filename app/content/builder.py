"""Turning checked YAML documents into the frozen flow model.

The schema has already vouched for the structure, so this only maps keys to
dataclasses; what it can still find wrong (a missing translation, an
unreadable condition, a bad regular expression) is reported at the value's
own line. This module holds the documents' assembly (flows, FAQ, commands,
settings, the translated texts) and where each thing was written
(:class:`Origins`); a flow's steps are built in :mod:`app.content.step_builder`.
"""

from __future__ import annotations

from typing import Any

from app.config import LOCALES
from app.content import flows as f
from app.content.source import Document, NodePath, Problem
from app.content.step_builder import StepBuilder
from app.content.text import normalise

DEFAULT_COMMAND_WORDS: dict[str, tuple[str, ...]] = {
    "menu": ("menu", "menu utama", "main menu"),
    "cancel": ("batal", "batalkan", "cancel"),
    "help": ("bantuan", "help"),
    "agent": ("cs", "agen", "agent", "customer service"),
    "stop": ("stop", "berhenti", "unsubscribe"),
    "start": ("start", "mulai", "unstop"),
    "indonesian": ("bahasa indonesia", "indonesia", "indonesian"),
    "english": ("english", "inggris", "bahasa inggris"),
}


class Origins:
    """Where each flow, step and FAQ entry was written, for the semantic checks."""

    def __init__(self) -> None:
        self.docs: dict[str, Document] = {}
        self.flow_doc: dict[str, Document] = {}
        self.step_path: dict[tuple[str, str], NodePath] = {}
        self.faq_doc: dict[str, tuple[Document, NodePath]] = {}
        self.commands: list[tuple[Document, NodePath]] = []
        self.settings: list[tuple[Document, NodePath]] = []
        self.duplicate_flows: list[tuple[Document, str]] = []


class Builder:
    def __init__(self, problems: list[Problem], locales: tuple[str, ...] = LOCALES) -> None:
        self.problems = problems
        self.origins = Origins()
        #: ``SANDI_LOCALES``: every translated text needs each, and no other.
        self.locales = locales
        self._steps = StepBuilder(problems, self._text)

    def build(self, docs: list[Document]) -> f.FlowSet:
        flows: dict[str, f.Flow] = {}
        faq: list[f.FaqEntry] = []
        words = {k: list(v) for k, v in DEFAULT_COMMAND_WORDS.items()}
        command_flows: dict[str, str] = {}
        settings: dict[str, str] = {}
        for doc in docs:
            self.origins.docs[doc.file] = doc
            data = doc.data
            if "flow" in data:
                flow = self._flow(doc)
                if flow.id in flows:
                    self.origins.duplicate_flows.append((doc, flow.id))
                else:
                    flows[flow.id] = flow
                    self.origins.flow_doc[flow.id] = doc
            for index, entry in enumerate(data.get("faq", [])):
                faq.append(self._faq(doc, index, entry))
            for name, spec in data.get("commands", {}).items():
                self.origins.commands.append((doc, ("commands", name)))
                listed = spec if isinstance(spec, list) else spec["words"]
                bucket = words.setdefault(name, [])
                bucket.extend(w for w in (normalise(x) for x in listed) if w and w not in bucket)
                if isinstance(spec, dict) and "flow" in spec:
                    command_flows[name] = spec["flow"]
            if "settings" in data:
                self.origins.settings.append((doc, ("settings",)))
                settings.update(data["settings"])
        variables = {v for flow in flows.values() for v in _variables_set(flow)}
        return f.FlowSet(
            flows=flows,
            faq=tuple(faq),
            commands=f.Commands({k: tuple(v) for k, v in words.items()}, command_flows),
            start_flow=settings.get("start_flow", "welcome"),
            menu_flow=settings.get("menu_flow", "welcome"),
            agent_flow=settings.get("agent_flow", "agent"),
            variables=frozenset(variables),
            locales=self.locales,
        )

    def _flow(self, doc: Document) -> f.Flow:
        data = doc.data
        flow_id = data["flow"]
        raw_steps = data.get("steps", [])
        ids = [s.get("id") or f"#{i + 1}" for i, s in enumerate(raw_steps)]
        steps = []
        for index, raw in enumerate(raw_steps):
            path: NodePath = ("steps", index)
            following = ids[index + 1] if index + 1 < len(ids) else None
            self.origins.step_path[(flow_id, ids[index])] = path
            step = self._steps.step(doc, path, raw, ids[index], following)
            if step is not None:
                steps.append(step)
        triggers = data.get("triggers", {})
        self._languages(doc, ("triggers",), triggers, required=False)
        return f.Flow(
            id=flow_id,
            where=doc.where(("flow",)),
            steps=tuple(steps),
            description=data.get("description", ""),
            triggers={
                lc: tuple(normalise(t) for t in triggers.get(lc, []) if normalise(t))
                for lc in self.locales
            },
            buttons=tuple(triggers.get("buttons", [])),
        )

    def _faq(self, doc: Document, index: int, entry: dict[str, Any]) -> f.FaqEntry:
        path: NodePath = ("faq", index)
        self.origins.faq_doc.setdefault(entry["id"], (doc, path))
        return f.FaqEntry(
            id=entry["id"],
            where=doc.where(path),
            title=self._text(doc, (*path, "title"), entry["title"]),
            questions=self._questions(doc, (*path, "questions"), entry["questions"]),
            answer=entry.get("answer", f"faq/{entry['id']}"),
        )

    def _text(self, doc: Document, path: NodePath, raw: Any) -> f.Text:
        """One text per language: the same for all, or each translated (checked)."""
        if isinstance(raw, dict):
            self._languages(doc, path, raw)
            return f.Text({lc: raw[lc] for lc in self.locales if lc in raw})
        return f.Text(dict.fromkeys(self.locales, str(raw)))

    def _questions(
        self, doc: Document, path: NodePath, raw: dict[str, Any]
    ) -> dict[str, tuple[str, ...]]:
        self._languages(doc, path, raw)
        return {lc: tuple(raw.get(lc, ())) for lc in self.locales}

    def _languages(
        self, doc: Document, path: NodePath, raw: dict[str, Any], *, required: bool = True
    ) -> None:
        """A missing translation, or a language this server does not speak, is an error."""
        configured = ",".join(self.locales)
        for lc in raw:
            if lc not in self.locales and lc != "buttons":
                self.problems.append(
                    doc.problem(
                        (*path, lc),
                        f"'{lc}' is not a language of this server (SANDI_LOCALES={configured})",
                        key=True,
                    )
                )
        for lc in self.locales if required else ():
            if lc not in raw:
                self.problems.append(
                    doc.problem(path, f"no '{lc}' translation (SANDI_LOCALES={configured})")
                )


def _variables_set(flow: f.Flow) -> set[str]:
    names: set[str] = set()
    for step in flow.steps:
        if isinstance(step, f.Ask | f.OtpConfirm) and step.save_as:
            names.add(step.save_as)
        elif isinstance(step, f.SetVars):
            names.update(step.values)
        elif isinstance(step, f.Http):
            names.update(step.save)
    return names
