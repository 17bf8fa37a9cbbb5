"""How well the bot understands a labelled set of customer messages.

A labelled set (tests/conversation/data/faq_*.yml) lists messages written
by someone who had not seen the FAQ's question variants, each with the entry
that answers it (``expect: none`` when no entry does) and its language.

Each message is sent, as the only text of a turn, through the real engine
(:class:`~app.conversation.engine.FlowBot`) to a customer who wrote a
minute ago and is in no flow — the same routing a WhatsApp message gets:
commands, triggers, the FAQ, "did you mean", "I didn't understand". What
the customer got back is sorted into one outcome:

``answer``
    the reply is an FAQ entry's answer (right or wrong);
``pick``
    "did you mean" with entries as buttons;
``flow``
    a flow started (a trigger word won: the welcome menu, verification...);
``none``
    "I didn't understand" (with the ways to the menu and a person).
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from app.config import ROOT
from app.content.flows import EXTRA_VARS
from app.content.loader import load_flows
from app.content.messages import Channel, Conversation, InboundMessage
from app.content.render import Templates
from app.conversation.engine import FlowBot
from app.conversation.language import detect
from app.conversation.ports import BackendResult

DATA = ROOT / "tests" / "conversation" / "data"
NOW = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Labelled:
    text: str
    expect: str | None  # the entry id; None: no entry answers it
    lang: str  # id, en or mix


@dataclass(frozen=True, slots=True)
class Outcome:
    kind: str  # answer, pick, flow, none
    entries: tuple[str, ...] = ()  # the answer's entry, or the entries offered
    flow: str | None = None


@dataclass
class Figures:
    """Counts over a set; the rates are shares of ``answerable`` or ``no_match``."""

    answerable: int = 0
    right: int = 0
    wrong: int = 0
    pick: int = 0
    pick_right: int = 0  # the right entry among the "did you mean" buttons
    flow: int = 0
    not_understood: int = 0
    no_match: int = 0
    no_match_answered: int = 0
    no_match_flow: int = 0
    language_checked: int = 0
    language_right: int = 0
    cpu_turn: float = 0.0  # seconds per message, the whole turn
    cpu_search: float = 0.0  # seconds per message, FaqIndex.classify alone
    flows: Counter[str] = field(default_factory=Counter)

    def share(self, part: int, whole: int) -> float:
        return part / whole if whole else 0.0

    def rates(self) -> dict[str, float]:
        a, n = self.answerable, self.no_match
        return {
            "direct_right": self.share(self.right, a),
            "wrong": self.share(self.wrong, a),
            "did_you_mean": self.share(self.pick, a),
            "flow_instead": self.share(self.flow, a),
            "didnt_understand": self.share(self.not_understood, a),
            "no_match_answered": self.share(self.no_match_answered, n),
            "language": self.share(self.language_right, self.language_checked),
        }


class _NoBackend:
    """The demo flows' http steps are never reached by one first message."""

    def call(
        self, path: str, payload: Mapping[str, Any], *, conversation_id: str, timeout: float
    ) -> BackendResult:
        return BackendResult(ok=False, error="no back end in the FAQ bench")


def load_set(path: Path) -> list[Labelled]:
    """A labelled set: a YAML list of {text, expect (an entry id or none), lang (id, en, mix)}.

    ``lang`` may be left out (the message then counts for no language figure)."""
    rows = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(rows, list):
        raise ValueError(f"{path}: a labelled set is a YAML list of messages")
    out = []
    for n, row in enumerate(rows, 1):
        if not isinstance(row, dict) or "text" not in row or "expect" not in row:
            raise ValueError(f"{path}: message {n} needs text: and expect: (an entry id or none)")
        expect = str(row["expect"])
        lang = str(row.get("lang", "mix"))
        out.append(Labelled(str(row["text"]), None if expect == "none" else expect, lang))
    return out


def demo_bot() -> FlowBot:
    templates = Templates(ROOT / "templates")
    return FlowBot(load_flows(ROOT / "flows", templates), templates, backend=_NoBackend())


class Judge:
    """Sends one message through a bot and says what the customer got."""

    def __init__(self, bot: FlowBot) -> None:
        self.bot = bot
        self.answers: dict[str, str] = {}  # rendered answer text -> entry id
        for entry in bot.flowset.faq:
            for locale in ("id", "en"):
                text = bot.templates.render(entry.answer, locale, _blank(bot))
                self.answers[text.strip()] = entry.id

    def outcome(self, text: str, n: int = 0) -> Outcome:
        message = InboundMessage(
            channel=Channel.WHATSAPP,
            sender="+6281200000001",
            recipient="+6281100000000",
            body=text,
            message_sid=f"SMbench{n:06d}",
            received_at=NOW,
        )
        # A customer who wrote a minute ago, in no flow: not the first message.
        conversation = Conversation("wa:+6281200000001", {"last_at": NOW.timestamp() - 60})
        turn = self.bot.handle(message, conversation, NOW)
        flow = conversation.session.get("flow")
        if isinstance(flow, str):
            return Outcome("flow", flow=flow)
        for reply in turn.replies:
            entry = self.answers.get(reply.text.strip())
            if entry:
                return Outcome("answer", (entry,))
        offered = conversation.session.get("offered") or []
        picks = tuple(p[4:] for p, _ in offered if p.startswith("faq:") and p != "faq:none")
        if picks:
            return Outcome("pick", picks)
        return Outcome("none")


def _blank(bot: FlowBot) -> dict[str, Any]:
    ctx: dict[str, Any] = dict.fromkeys(bot.flowset.variables)
    ctx.update(name="", sender="", channel="whatsapp", locale="id")
    ctx.update(dict.fromkeys(EXTRA_VARS))
    return ctx


def evaluate(
    labelled: list[Labelled], bot: FlowBot | None = None
) -> tuple[Figures, list[tuple[Labelled, Outcome]]]:
    """The figures for a set, and every message with its outcome."""
    judge = Judge(bot or demo_bot())
    figures = Figures()
    results = []
    started = time.process_time()
    for n, item in enumerate(labelled):
        got = judge.outcome(item.text, n)
        results.append((item, got))
        _count(figures, item, got)
    figures.cpu_turn = (time.process_time() - started) / max(len(labelled), 1)
    started = time.process_time()
    for item in labelled:
        judge.bot.faq.classify(item.text)
    figures.cpu_search = (time.process_time() - started) / max(len(labelled), 1)
    for item in labelled:
        if item.lang in ("id", "en"):
            figures.language_checked += 1
            figures.language_right += detect(item.text) == item.lang
    return figures, results


def _count(figures: Figures, item: Labelled, got: Outcome) -> None:
    if got.flow:
        figures.flows[got.flow] += 1
    if item.expect is None:
        figures.no_match += 1
        figures.no_match_answered += got.kind == "answer"
        figures.no_match_flow += got.kind == "flow"
        return
    figures.answerable += 1
    if got.kind == "answer":
        if got.entries[0] == item.expect:
            figures.right += 1
        else:
            figures.wrong += 1
    elif got.kind == "pick":
        figures.pick += 1
        figures.pick_right += item.expect in got.entries
    elif got.kind == "flow":
        figures.flow += 1
    else:
        figures.not_understood += 1


def report(name: str, figures: Figures) -> str:
    r = figures.rates()
    a, n = figures.answerable, figures.no_match
    lines = [
        f"{name}: {a} answerable, {n} no-match messages",
        f"  direct right answer   {figures.right:4d}  {r['direct_right']:6.1%}",
        f"  wrong direct answer   {figures.wrong:4d}  {r['wrong']:6.1%}",
        f"  did you mean          {figures.pick:4d}  {r['did_you_mean']:6.1%}"
        f"   (right entry offered: {figures.pick_right})",
        f"  a flow started        {figures.flow:4d}  {r['flow_instead']:6.1%}",
        f"  didn't understand     {figures.not_understood:4d}  {r['didnt_understand']:6.1%}",
        f"  no-match answered     {figures.no_match_answered:4d}  {r['no_match_answered']:6.1%}"
        f"   (a flow started: {figures.no_match_flow})",
        f"  language detected     {figures.language_right}/{figures.language_checked}"
        f"  {r['language']:6.1%}  (id and en messages)",
        f"  CPU per message: turn {figures.cpu_turn * 1e6:.0f} µs, "
        f"FAQ search {figures.cpu_search * 1e6:.0f} µs",
    ]
    if figures.flows:
        lines.append("  flows started: " + ", ".join(f"{k} {v}" for k, v in figures.flows.items()))
    return "\n".join(lines)


def misses(results: list[tuple[Labelled, Outcome]]) -> str:
    """Every message that did not get its right direct answer (for the dev set only)."""
    out = []
    for item, got in results:
        if item.expect is None and got.kind != "answer":
            continue
        if got.kind == "answer" and got.entries[0] == item.expect:
            continue
        detail = got.flow or ",".join(got.entries)
        out.append(f"  {item.expect or 'none':20s} {got.kind:6s} {detail:40s} {item.text}")
    return "\n".join(out)
