"""A flow's steps, from checked YAML to the flow model's step dataclasses.

:class:`app.content.builder.Builder` assembles flows, FAQ and settings and
hands each step here: one mapping per step kind (``say``, ``ask``, ``if`` ...),
plus what only building can find wrong (an unreadable expression, a bad
regular expression, keys that do not go with a question's ``expect``),
reported at the value's own ``file:line:col``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from app.content import flows as f
from app.content.expressions import ExpressionError, Value, compile_condition, compile_value
from app.content.schema import step_kinds
from app.content.source import Document, NodePath, Problem
from app.content.text import normalise

_DURATION = re.compile(r"^(\d+) ?([smhd]?)$")
_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


def duration(value: Any) -> int:
    """A timeout as a flow writes it (``90``, ``"90s"``, ``"5m"``, ``"2h"``, ``"1d"``), in
    seconds; the schema has checked its shape, save_checks reads it too."""
    if isinstance(value, int):
        return value
    match = _DURATION.match(str(value).strip())
    if not match:
        raise ValueError(f"not a duration: {value!r}")
    return int(match.group(1)) * _UNITS[match.group(2)]


#: A translated text at its place (the builder's, which checks the languages).
TextBuilder = Callable[[Document, NodePath, Any], f.Text]


class StepBuilder:
    """Builds steps, reporting their problems into the builder's list."""

    def __init__(self, problems: list[Problem], texts: TextBuilder) -> None:
        self.problems = problems
        #: A choice's label is a translated text, checked as the builder checks them all.
        self._texts = texts

    def step(
        self,
        doc: Document,
        path: NodePath,
        raw: dict[str, Any],
        step_id: str,
        following: str | None,
    ) -> f.Step | None:
        """The step of ``raw`` (at ``path``; ``following`` the step after it, its
        ``next`` unless it says otherwise), or None when a problem was reported."""
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
                label=self._texts(doc, (*path, "choices", i, "label"), c["label"]),
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


class _Skip(Exception):
    """A step whose problem was already reported; leave it out of the model."""
