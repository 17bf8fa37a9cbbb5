"""Turning checked YAML documents into the frozen flow model.

The schema has already vouched for the structure, so this only maps keys to
dataclasses; what it can still find wrong (an unreadable condition, a bad
regular expression) is reported at the value's own line.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from app.config import LOCALES
from app.content import flows as f
from app.content.expressions import ExpressionError, Value, compile_condition, compile_value
from app.content.schema import step_kinds
from app.content.source import Document, NodePath, Problem
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

_DURATION = re.compile(r"^(\d+) ?([smhd]?)$")
_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


def duration(value: Any) -> int:
    if isinstance(value, int):
        return value
    match = _DURATION.match(str(value).strip())
    if not match:
        raise ValueError(f"not a duration: {value!r}")
    return int(match.group(1)) * _UNITS[match.group(2)]


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
            step = self._step(doc, path, raw, ids[index], following)
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

    def _step(
        self,
        doc: Document,
        path: NodePath,
        raw: dict[str, Any],
        step_id: str,
        following: str | None,
    ) -> f.Step | None:
        (kind,) = step_kinds(raw)
        where = doc.where(path)
        nxt = raw.get("next", following)
        value = self._value_compiler(doc, path)
        base: dict[str, Any] = {"id": step_id, "where": where, "next": nxt}
        try:
            if kind == "say":
                return f.Say(template=raw["say"], media=raw.get("media"), **base)
            if kind == "ask":
                return self._ask(doc, path, raw, base)
            if kind == "if":
                try:
                    condition = compile_condition(str(raw["if"]))
                except ExpressionError as err:
                    self.problems.append(doc.problem((*path, "if"), str(err)))
                    return None
                return f.Branch(
                    condition=condition,
                    then=raw["then"],
                    otherwise=raw.get("else"),
                    **base,
                )
            if kind == "set":
                values = {k: value((*path, "set", k), v) for k, v in raw["set"].items()}
                return f.SetVars(values=values, **base)
            if kind == "goto":
                return f.Goto(target=raw["goto"], **{**base, "next": None})
            if kind == "goto_flow":
                return f.GotoFlow(flow=raw["goto_flow"], **{**base, "next": None})
            if kind == "end":
                return f.End(template=raw["end"], **{**base, "next": None})
            if kind == "http":
                return f.Http(
                    path="/" + raw["http"].lstrip("/"),
                    body={k: value((*path, "body", k), v) for k, v in raw.get("body", {}).items()},
                    save=dict(raw.get("save", {})),
                    timeout=float(min(duration(raw.get("timeout", 5)), 10)),
                    on_error=raw.get("on_error"),
                    **base,
                )
            if kind == "otp_issue":
                channels = raw["channel"] if isinstance(raw["channel"], list) else None
                amount = value((*path, "amount"), raw["amount"]) if "amount" in raw else None
                payee = value((*path, "payee"), raw["payee"]) if "payee" in raw else None
                return f.OtpIssue(
                    purpose=raw["otp_issue"],
                    channel=value((*path, "channel"), channels[0] if channels else raw["channel"]),
                    fallback=tuple(channels or ()),
                    to=value((*path, "to"), raw["to"]) if "to" in raw else None,
                    amount=amount,
                    payee=payee,
                    template=raw.get("say", "otp/sent"),
                    on_error=raw.get("on_error"),
                    **base,
                )
            if kind == "otp_confirm":
                return f.OtpConfirm(
                    purpose=raw["otp_confirm"],
                    template=raw.get("ask", "otp/enter_code"),
                    invalid=raw.get("invalid", "otp/wrong"),
                    tries=raw.get("tries", 3),
                    save_as=raw.get("save_as"),
                    on_fail=raw.get("on_fail"),
                    on_expired=raw.get("on_expired"),
                    timeout=duration(raw["timeout"]) if "timeout" in raw else None,
                    on_timeout=raw.get("on_timeout"),
                    **base,
                )
            if kind == "faq":
                return f.FaqAsk(
                    template=raw["faq"],
                    tries=raw.get("tries", 3),
                    on_fail=raw.get("on_fail"),
                    **base,
                )
            return f.Handoff(
                template=raw["handoff"],
                timeout=duration(raw["timeout"]) if "timeout" in raw else None,
                on_timeout=raw.get("on_timeout"),
                **{**base, "next": None},
            )
        except _Skip:
            return None

    def _ask(
        self, doc: Document, path: NodePath, raw: dict[str, Any], base: dict[str, Any]
    ) -> f.Ask:
        expect = raw.get("expect", "choice" if "choices" in raw else "text")
        if raw.get("pattern"):
            try:
                re.compile(raw["pattern"])
            except re.error as err:
                self.problems.append(
                    doc.problem(
                        (*path, "pattern"), f"'pattern' is not a valid regular expression: {err}"
                    )
                )
        if expect == "choice" and not raw.get("choices"):
            self.problems.append(
                doc.problem(path, "a question with expect: choice needs 'choices'")
            )
        elif raw.get("choices") and expect != "choice":
            self.problems.append(
                doc.problem(
                    (*path, "choices"), f"'choices' only works with expect: choice, not {expect}"
                )
            )
        for key in ("accept", "max_bytes"):
            if key in raw and expect != "media":
                self.problems.append(
                    doc.problem(
                        (*path, key), f"'{key}' only works with expect: media, not {expect}"
                    )
                )
        choices = tuple(
            f.Choice(
                value=c["value"],
                label=self._text(doc, (*path, "choices", i, "label"), c["label"]),
                words=tuple(normalise(w) for w in c.get("words", [])),
                goto=c.get("goto"),
                goto_flow=c.get("goto_flow"),
            )
            for i, c in enumerate(raw.get("choices", []))
        )
        return f.Ask(
            template=raw["ask"],
            expect=expect,
            save_as=raw.get("save_as"),
            choices=choices,
            tries=raw.get("tries", 3),
            invalid=raw.get("invalid"),
            on_fail=raw.get("on_fail"),
            timeout=duration(raw["timeout"]) if "timeout" in raw else None,
            on_timeout=raw.get("on_timeout"),
            min=raw.get("min"),
            max=raw.get("max"),
            min_length=raw.get("min_length"),
            max_length=raw.get("max_length"),
            pattern=raw.get("pattern"),
            accept=tuple(str(t).lower() for t in raw.get("accept", ())),
            max_bytes=raw.get("max_bytes"),
            **base,
        )

    def _value_compiler(self, doc: Document, path: NodePath) -> Callable[[NodePath, Any], Value]:
        def compile_at(where: NodePath, raw: Any) -> Value:
            try:
                return compile_value(raw)
            except ExpressionError as err:
                self.problems.append(doc.problem(where, str(err)))
                raise _Skip from None

        return compile_at

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


class _Skip(Exception):
    """A step whose problem was already reported; leave it out of the model."""


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
