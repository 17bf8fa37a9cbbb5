"""The meaning checks: what the schema cannot see.

Unknown steps, flows and templates; steps nobody can reach; loops that never
wait for the customer (they would spin forever); questions with no way out
of the flow; the same id or trigger twice; variables that no step sets.
Each problem points at the line to change.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from app.content import flows as f
from app.content.expressions import Value
from app.content.graph import graph_problems, targets
from app.content.media import media_problems
from app.content.save_checks import value_problems
from app.content.source import Document, NodePath, Problem, Where
from app.content.templates_check import TemplateRef, check_templates

if TYPE_CHECKING:
    from app.content.builder import Origins
    from app.content.render import Templates


#: A check of a version's flows that needs more than the content knows (the
#: FAQ matcher's collisions live with the matcher, in the conversation).
FlowCheck = Callable[[f.FlowSet, "Origins"], Iterable[Problem]]
#: A check of a version's templates for what is not a flow's (the OTP SMS fit).
TemplateCheck = Callable[["Templates"], list[Problem]]


@dataclass(frozen=True)
class VersionChecks:
    """What the other packages add to every check of a flows version.

    The content cannot import them (they build on it), so the wiring hands
    them in once (:func:`app.wiring.checks.version_checks`) and start-up,
    reload and ``sandi flows check`` all run the same set.
    """

    flows: tuple[FlowCheck, ...] = ()
    templates: tuple[TemplateCheck, ...] = ()


def check_flowset(
    flowset: f.FlowSet,
    origins: Origins,
    templates: Templates,
    flow_checks: Sequence[FlowCheck] = (),
) -> list[Problem]:
    problems: list[Problem] = []
    refs: list[TemplateRef] = []
    for doc, flow_id in origins.duplicate_flows:
        other = origins.flow_doc[flow_id]
        here, there = doc.where(("flow",)), other.where(("flow",))
        problems.append(Problem(here, f"flow '{flow_id}' is also defined at {there}"))
        problems.append(Problem(there, f"flow '{flow_id}' is also defined at {here}"))
    known = flowset.variables | set(f.BUILTIN_VARS) | set(f.EXTRA_VARS)
    step_ids = _step_ids(origins)
    for flow in flowset.flows.values():
        doc = origins.flow_doc[flow.id]
        structural = list(_duplicate_step_ids(doc))
        if not structural:
            structural = list(_references(flow, flowset, origins, doc, step_ids.get(flow.id, [])))
        problems.extend(structural)
        built_all = len(flow.steps) == len(step_ids.get(flow.id, []))
        if not structural and built_all:
            # The graph is only worth judging once every step and jump is known.
            problems.extend(graph_problems(flow, doc, origins.step_path))
        problems.extend(_variables(flow, origins, doc, known))
        refs.extend(_template_refs(flow, origins, doc))
    problems.extend(value_problems(flowset, origins))
    problems.extend(_triggers(flowset, origins))
    problems.extend(_commands(flowset, origins))
    problems.extend(_faq(flowset, origins, refs))
    for extra in flow_checks:
        problems.extend(extra(flowset, origins))
    problems.extend(_settings(flowset, origins))
    problems.extend(media_problems(flowset, origins, templates))
    problems.extend(check_templates(templates, refs, known))
    return problems


def _path(origins: Origins, flow: f.Flow, step: f.Step) -> NodePath:
    return origins.step_path[(flow.id, step.id)]


def _duplicate_step_ids(doc: Document) -> Iterator[Problem]:
    seen: dict[str, NodePath] = {}
    for index, raw in enumerate(doc.data.get("steps", [])):
        step_id = raw.get("id") if isinstance(raw, dict) else None
        if not step_id:
            continue
        path: NodePath = ("steps", index, "id")
        if step_id in seen:
            yield doc.problem(
                path, f"step id '{step_id}' is used twice (first at {doc.where(seen[step_id])})"
            )
        else:
            seen[step_id] = path


def _step_ids(origins: Origins) -> dict[str, list[str]]:
    """Every flow's step ids in the order they were built, in one pass.

    (Filtering all steps of all flows once per flow made the checks grow with
    the square of the number of flows: 0.15 s of a 200-flow load.)
    """
    found: dict[str, list[str]] = {}
    for flow_id, step_id in origins.step_path:
        found.setdefault(flow_id, []).append(step_id)
    return found


def _references(
    flow: f.Flow, flowset: f.FlowSet, origins: Origins, doc: Document, step_ids: list[str]
) -> Iterator[Problem]:
    issued = {s.purpose for s in flow.steps if isinstance(s, f.OtpIssue)}
    for step in flow.steps:
        path = _path(origins, flow, step)
        for field, target in targets(step):
            if target not in step_ids:
                yield doc.problem(
                    (*path, field), f"unknown step '{target}'{_hint(target, step_ids)}"
                )
            elif target == step.id and field != "on_timeout":
                yield doc.problem((*path, field), f"step '{step.id}' leads back to itself")
        flow_targets: list[tuple[NodePath, str]] = []
        if isinstance(step, f.GotoFlow):
            flow_targets.append(((*path, "goto_flow"), step.flow))
        if isinstance(step, f.Ask):
            values: set[str] = set()
            for index, choice in enumerate(step.choices):
                cpath: NodePath = (*path, "choices", index)
                if choice.goto_flow:
                    flow_targets.append(((*cpath, "goto_flow"), choice.goto_flow))
                if choice.goto and choice.goto_flow:
                    yield doc.problem(
                        cpath, "a choice goes to a step (goto) or a flow (goto_flow), not both"
                    )
                if choice.value in values:
                    yield doc.problem(
                        (*cpath, "value"), f"choice value '{choice.value}' is used twice"
                    )
                values.add(choice.value)
        for where, target in flow_targets:
            if target not in flowset.flows:
                yield doc.problem(
                    where, f"unknown flow '{target}'{_hint(target, list(flowset.flows))}"
                )
        if isinstance(step, f.OtpConfirm) and step.purpose not in issued:
            yield doc.problem(
                (*path, "otp_confirm"),
                f"no otp_issue step with purpose '{step.purpose}' in this flow sends the code to confirm",
            )
        if isinstance(step, f.FaqAsk) and not flowset.faq:
            yield doc.problem(path, "a faq step needs FAQ entries (faq: in flows/faq.yml)")


def _variables(
    flow: f.Flow, origins: Origins, doc: Document, known: frozenset[str]
) -> Iterator[Problem]:
    for step in flow.steps:
        path = _path(origins, flow, step)
        used: list[tuple[NodePath, frozenset[str]]] = []
        if isinstance(step, f.Branch):
            used.append(((*path, "if"), step.condition.variables))
        elif isinstance(step, f.SetVars):
            used += [((*path, "set", k), v.variables) for k, v in step.values.items()]
        elif isinstance(step, f.Http):
            used += [((*path, "body", k), v.variables) for k, v in step.body.items()]
        elif isinstance(step, f.OtpIssue):
            used.append(((*path, "channel"), step.channel.variables))
            if step.to is not None:
                used.append(((*path, "to"), step.to.variables))
            used += [((*path, k), v.variables) for k, v in _binding(step)]
        for where, names in used:
            for name in sorted(names - known):
                yield doc.problem(
                    where, f"unknown variable '{name}' (no step sets it){_hint(name, known)}"
                )


def _binding(step: f.OtpIssue) -> list[tuple[str, Value]]:
    """The payment binding's values (``amount``, ``payee``) a step gives."""
    return [(k, v) for k, v in (("amount", step.amount), ("payee", step.payee)) if v is not None]


#: The YAML key that names each kind of step's template.
_TEMPLATE_KEY: dict[type, str] = {
    f.Say: "say", f.Ask: "ask", f.End: "end", f.Handoff: "handoff",
    f.FaqAsk: "faq", f.OtpIssue: "say", f.OtpConfirm: "ask",
}  # fmt: skip


def _template_refs(flow: f.Flow, origins: Origins, doc: Document) -> Iterator[TemplateRef]:
    for step in flow.steps:
        path = _path(origins, flow, step)
        name = getattr(step, "template", None)
        if name:
            yield TemplateRef(name, doc.where((*path, _TEMPLATE_KEY[type(step)])))
        invalid = getattr(step, "invalid", None)
        if invalid:
            yield TemplateRef(invalid, doc.where((*path, "invalid")))


def _triggers(flowset: f.FlowSet, origins: Origins) -> Iterator[Problem]:
    seen: dict[str, tuple[str, Where]] = {}
    for flow in flowset.flows.values():
        doc = origins.flow_doc[flow.id]
        for lc in flowset.locales:
            for index, phrase in enumerate(flow.triggers.get(lc, ())):
                where = doc.where(("triggers", lc, index))
                command = flowset.commands.anywhere(phrase)
                if command:
                    yield Problem(
                        where,
                        f"'{phrase}' is also the '{command}' command, which wins: "
                        "this trigger never starts the flow",
                        "warning",
                    )
                owner = seen.get(phrase)
                if owner and owner[0] != flow.id:
                    yield Problem(
                        where, f"trigger '{phrase}' also starts flow '{owner[0]}' ({owner[1]})"
                    )
                    yield Problem(
                        owner[1], f"trigger '{phrase}' also starts flow '{flow.id}' ({where})"
                    )
                seen.setdefault(phrase, (flow.id, where))


def _commands(flowset: f.FlowSet, origins: Origins) -> Iterator[Problem]:
    owner: dict[str, str] = {}
    for name, words in flowset.commands.words.items():
        for word in words:
            if word in owner and owner[word] != name:
                yield _command_problem(
                    origins, name, f"'{word}' is a word of both '{owner[word]}' and '{name}'"
                )
            owner.setdefault(word, name)
    for doc, path in origins.commands:
        name = str(path[-1])
        target = flowset.commands.flows.get(name)
        builtin = name in f.BUILTIN_COMMANDS or f.command_locale(name, flowset.locales)
        if name.startswith(f.LANGUAGE_COMMAND_PREFIX) and not builtin and not target:
            yield doc.problem(
                path,
                f"command '{name}' chooses a language this server does not speak "
                f"(SANDI_LOCALES={','.join(flowset.locales)})",
                key=True,
            )
        elif not builtin and not target:
            yield doc.problem(
                path,
                f"command '{name}' needs a 'flow:' to start (or use a built-in name)",
                key=True,
            )
        if target and target not in flowset.flows:
            yield doc.problem(
                (*path, "flow"), f"unknown flow '{target}'{_hint(target, list(flowset.flows))}"
            )


def _command_problem(origins: Origins, name: str, message: str) -> Problem:
    for doc, path in origins.commands:
        if path[-1] == name:
            return doc.problem(path, message, key=True)
    return Problem(Where("flows", 1, 1), message)


def _faq(flowset: f.FlowSet, origins: Origins, refs: list[TemplateRef]) -> Iterator[Problem]:
    seen: dict[str, Where] = {}
    for entry in flowset.faq:
        if entry.id in seen:
            yield Problem(
                entry.where, f"FAQ id '{entry.id}' is used twice (first at {seen[entry.id]})"
            )
        seen.setdefault(entry.id, entry.where)
        refs.append(TemplateRef(entry.answer, entry.where))


def _settings(flowset: f.FlowSet, origins: Origins) -> Iterator[Problem]:
    wanted = {
        "start_flow": flowset.start_flow,
        "menu_flow": flowset.menu_flow,
        "agent_flow": flowset.agent_flow,
    }
    for key, flow_id in wanted.items():
        if flow_id in flowset.flows:
            continue
        located = [(d, (*p, key)) for d, p in origins.settings if key in d.data["settings"]]
        if located:
            doc, path = located[-1]
            yield doc.problem(
                path, f"unknown flow '{flow_id}'{_hint(flow_id, list(flowset.flows))}"
            )
        elif origins.docs:
            doc = next(iter(origins.docs.values()))
            yield Problem(
                Where(doc.file.rsplit("/", 1)[0] if "/" in doc.file else ".", 1, 1),
                f"no flow '{flow_id}' ({key.replace('_', ' ')}); add it, or name another in settings: {key}",
            )


def _hint(name: str, options: list[str] | set[str] | frozenset[str]) -> str:
    close = difflib.get_close_matches(name, sorted(options), n=1, cutoff=0.5)
    return f"; did you mean '{close[0]}'?" if close else ""
