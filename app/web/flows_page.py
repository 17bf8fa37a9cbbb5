"""``/flows``: every flow as a diagram, and what ``sandi flows check`` says, highlighted.

While an edit on disk is refused, the page says so at the top with each
error and the line it points at, and the diagrams keep showing the version
that serves (the simulator keeps using it too). The page asks
``/flows/api/status`` every two seconds and reloads itself when the flows
change, so a marketer sees a fix land without touching anything.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, render_template, request
from markupsafe import Markup

from app.config import LOCALES
from app.content import flows as f
from app.content.diagram import Diagram, diagram, to_mermaid
from app.content.overview import overview
from app.content.source import Problem
from app.web.current import services
from app.web.flow_svg import render_svg
from app.web.languages import language_name
from app.web.staff import protect

bp = protect(Blueprint("flows", __name__, template_folder="templates"))


@dataclass(frozen=True)
class Shown:
    """One problem as the page shows it: where, what, and the lines around it."""

    problem: Problem
    #: (line number, text, is the line pointed at)
    lines: tuple[tuple[int, str, bool], ...]

    @property
    def caret(self) -> str:
        return " " * (self.problem.where.col - 1) + "^"


def shown(problems: tuple[Problem, ...], sources: dict[str, str]) -> list[Shown]:
    out = []
    for problem in problems:
        text = sources.get(problem.where.file)
        lines: list[tuple[int, str, bool]] = []
        if text is not None:
            all_lines = text.splitlines()
            at = problem.where.line
            for number in range(max(1, at - 1), min(len(all_lines), at + 1) + 1):
                lines.append((number, all_lines[number - 1], number == at))
        out.append(Shown(problem, tuple(lines)))
    return out


def _flagged(d: Diagram, flow: f.Flow, problems: tuple[Problem, ...]) -> dict[str, str]:
    """Which steps a problem points at: a line inside the step, or a template it says."""
    starts = sorted((n.line, n.id) for n in d.nodes if n.line)
    flagged: dict[str, str] = {}

    def flag(node_id: str, severity: str) -> None:
        if flagged.get(node_id) != "error":
            flagged[node_id] = severity

    for problem in problems:
        if problem.where.file == flow.where.file:
            owner = [node_id for line, node_id in starts if line <= problem.where.line]
            if owner:
                flag(owner[-1], problem.severity)
        for node in d.nodes:
            if any(problem.where.file.endswith(f"/{t}.j2") for t in node.templates):
                flag(node.id, problem.severity)
    return flagged


def _flow_problems(flow: f.Flow, d: Diagram, problems: tuple[Problem, ...]) -> tuple[Problem, ...]:
    templates = {t for n in d.nodes for t in n.templates}
    return tuple(
        p
        for p in problems
        if p.where.file == flow.where.file
        or any(p.where.file.endswith(f"/{t}.j2") for t in templates)
    )


def _when(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


#: What each built-in global command does (flows/commands.yml adds words or commands).
BUILT_IN = {
    "menu": "shows the menu flow",
    "cancel": "leaves the flow",
    "help": "says how to get help",
    "agent": "starts the agent flow (a person)",
    "stop": "stops every message to that number (after one confirmation)",
    "start": "sends messages again after stop",
    "indonesian": "switches to Indonesian and repeats the question",
    "english": "switches to English and repeats the question",
    "resend": "sends the code again, while a code step waits for it",
}


def _commands(flowset: f.FlowSet) -> list[dict[str, Any]]:
    named = {"menu": flowset.menu_flow, "agent": flowset.agent_flow}
    return [
        {
            "name": name,
            "words": words,
            "flow": flowset.commands.flows.get(name) or named.get(name),
            "does": BUILT_IN.get(name)
            or ("starts a flow" if name in flowset.commands.flows else ""),
        }
        for name, words in flowset.commands.words.items()
    ]


@bp.get("/flows")
def page() -> str:
    svc = services()
    current = svc.flows.current
    rejected = svc.flows.rejected
    wanted = request.args.get("lang", "")
    locale = wanted if wanted in LOCALES else svc.settings.default_locale
    cards: list[dict[str, Any]] = []
    for flow in current.flowset.flows.values():
        d = diagram(flow, locale)
        problems = _flow_problems(flow, d, current.warnings)
        cards.append(
            {
                "flow": flow,
                "svg": Markup(render_svg(d, _flagged(d, flow, current.warnings))),  # noqa: S704 - escaped in render_svg
                "mermaid": to_mermaid(d),
                "problems": shown(problems, current.sources),
                "try_link": try_link(flow),
                "rejected": [
                    p
                    for p in (rejected.errors if rejected else ())
                    if p.where.file == flow.where.file
                ],
            }
        )
    links = overview(current.flowset, locale)
    return render_template(
        "flows.html",
        locale=locale,
        locales=LOCALES,
        language_name=language_name,
        overview_svg=Markup(render_svg(links)),  # noqa: S704 - escaped in render_svg
        overview_mermaid=to_mermaid(links),
        commands=_commands(current.flowset),
        current=current,
        loaded_at=_when(current.loaded_at),
        warnings=shown(current.warnings, current.sources),
        rejected=rejected,
        rejected_at=_when(rejected.at) if rejected else None,
        rejected_problems=shown(rejected.problems, rejected.sources) if rejected else [],
        cards=cards,
        sandbox=svc.settings.sandbox,
        url_map_endpoints=set(current_app.view_functions),
    )


def try_link(flow: f.Flow, locale: str = "id") -> dict[str, str] | None:
    """What the simulator sends to start ``flow``: a trigger (in ``locale`` when it has
    one) as the customer's words, and its button when it has one; None when nothing
    starts it (a flow only other flows lead to)."""
    phrases = [*flow.triggers.get(locale, ()), *(p for v in flow.triggers.values() for p in v)]
    if not phrases and not flow.buttons:
        return None
    start = {"flow": flow.id, "text": phrases[0] if phrases else flow.id}
    if flow.buttons:
        start["payload"] = flow.buttons[0]
    return start


@bp.get("/flows/api/status")
def status() -> Response:
    """The serving version and, while an edit is refused, its errors with their lines.

    Both /flows and /simulator poll this to show (and clear) the banner live.
    """
    registry = services().flows
    rejected = registry.rejected
    items = shown(rejected.errors, rejected.sources) if rejected else []
    return jsonify(
        version=registry.current.version,
        rejected=rejected.version if rejected else None,
        rejected_at=_when(rejected.at) if rejected else None,
        errors=[
            {
                "file": item.problem.where.file,
                "line": item.problem.where.line,
                "col": item.problem.where.col,
                "message": item.problem.message,
                "where": str(item.problem.where),
                "excerpt": [
                    {"number": number, "text": text, "here": here}
                    for number, text, here in item.lines
                ],
            }
            for item in items
        ],
    )
