"""A flow as a diagram: steps, branches, OTP steps, handoffs and ends.

:func:`diagram` turns a checked :class:`~app.content.flows.Flow` into
plain nodes and edges (in the order the steps are written, which is the
order a marketer reads them); :func:`to_mermaid` and :func:`to_dot` print it
for GitHub, editors and Graphviz, and the /flows page draws the same nodes
and edges as SVG (:mod:`app.web.flow_svg`).
"""

from __future__ import annotations

from dataclasses import dataclass

from app.content import flows as f

#: Where a flow that runs off its last step goes.
END_NODE = "__end__"
FLOW_PREFIX = "flow:"


@dataclass(frozen=True, slots=True)
class Node:
    id: str
    #: say, ask, if, set, goto, goto_flow, end, http, otp_issue, otp_confirm, faq,
    #: handoff — or ``flow`` (another flow starts) and ``stop`` (the flow is over).
    kind: str
    title: str
    detail: str = ""
    line: int = 0
    #: The templates the step says (to point template problems at it).
    templates: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Edge:
    source: str
    target: str
    label: str = ""
    #: ``next`` (the step below), ``jump``, ``fail`` (errors, tries, timeouts) or ``flow``.
    kind: str = "next"


@dataclass(frozen=True, slots=True)
class Diagram:
    flow: str
    description: str
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]

    def node(self, node_id: str) -> Node | None:
        return next((n for n in self.nodes if n.id == node_id), None)


_KIND: dict[type, str] = {
    f.Say: "say", f.Ask: "ask", f.Branch: "if", f.SetVars: "set", f.Goto: "goto",
    f.GotoFlow: "goto_flow", f.End: "end", f.Http: "http", f.OtpIssue: "otp_issue",
    f.OtpConfirm: "otp_confirm", f.FaqAsk: "faq", f.Handoff: "handoff",
}  # fmt: skip

_FAIL_LABELS = {
    "on_fail": "too many tries",
    "on_timeout": "timeout",
    "on_error": "error",
    "on_expired": "expired",
}


def diagram(flow: f.Flow, locale: str = "id") -> Diagram:
    """The flow's nodes and edges; a choice's arrow says its button text in ``locale``
    (what customers tap), not the value the flow saves."""
    nodes = [_node(step) for step in flow.steps]
    edges: list[Edge] = []
    for step in flow.steps:
        edges.extend(_edges(flow, step, locale))
    extra: dict[str, Node] = {}
    for edge in edges:
        if edge.target == END_NODE:
            extra.setdefault(END_NODE, Node(END_NODE, "stop", "flow ends"))
        elif edge.target.startswith(FLOW_PREFIX):
            name = edge.target.removeprefix(FLOW_PREFIX)
            extra.setdefault(edge.target, Node(edge.target, "flow", f"flow {name}"))
    ordered = sorted(extra.values(), key=lambda n: n.kind == "stop")
    return Diagram(flow.id, flow.description, (*nodes, *ordered), tuple(edges))


def _node(step: f.Step) -> Node:
    kind = _KIND[type(step)]
    title = step.id if not step.id.startswith("#") else _what_it_does(step)
    names = [getattr(step, "template", None), getattr(step, "invalid", None)]
    return Node(step.id, kind, title, _detail(step), step.where.line, tuple(n for n in names if n))


def _what_it_does(step: f.Step) -> str:
    """A title for a step without an id: what it does, in a few words."""
    template = str(getattr(step, "template", "") or "")
    short = template.rsplit("/", 1)[-1].replace("_", " ")
    if isinstance(step, f.Branch):
        return f"check: {step.condition.source}"
    if isinstance(step, f.SetVars):
        return "remember " + ", ".join(step.values)
    if isinstance(step, f.Goto):
        return f"go to {step.target}"
    if isinstance(step, f.GotoFlow):
        return f"start {step.flow}"
    if isinstance(step, f.Http):
        return f"call {step.path}"
    if isinstance(step, f.OtpIssue):
        return f"send a {step.purpose} code"
    if isinstance(step, f.OtpConfirm):
        return f"check the {step.purpose} code"
    if isinstance(step, f.Handoff):
        return "hand over to a person"
    if isinstance(step, f.End):
        return f"end: {short}" if short else "end"
    verb = {f.Ask: "ask", f.FaqAsk: "answer from the FAQ"}.get(type(step), "say")
    return f"{verb}: {short}" if short and verb != "answer from the FAQ" else verb


def _detail(step: f.Step) -> str:
    if isinstance(step, f.Ask):
        saved = f" → {step.save_as}" if step.save_as else ""
        return f"ask {step.template} ({step.expect}{saved})"
    if isinstance(step, f.Branch):
        return f"if {step.condition.source}"
    if isinstance(step, f.SetVars):
        return "set " + ", ".join(step.values)
    if isinstance(step, f.Goto):
        return f"goto {step.target}"
    if isinstance(step, f.GotoFlow):
        return f"start flow {step.flow}"
    if isinstance(step, f.End):
        return f"end {step.template}" if step.template else "end"
    if isinstance(step, f.Http):
        return f"POST {step.path}"
    if isinstance(step, f.OtpIssue):
        return f"send code: {step.purpose} via {_value_text(step.channel)}"
    if isinstance(step, f.OtpConfirm):
        return f"check code: {step.purpose}"
    if isinstance(step, f.FaqAsk):
        return f"FAQ {step.template}"
    if isinstance(step, f.Handoff):
        return f"hand off {step.template}"
    template = getattr(step, "template", "")
    return f"say {template}"


def _value_text(value: object) -> str:
    source = getattr(value, "source", None)
    return str(source if source is not None else getattr(value, "value", value))


def _edges(flow: f.Flow, step: f.Step, locale: str = "id") -> list[Edge]:
    if isinstance(step, f.End | f.Handoff):
        return []
    if isinstance(step, f.GotoFlow):
        return [Edge(step.id, FLOW_PREFIX + step.flow, "", "flow")]
    if isinstance(step, f.Goto):
        return [Edge(step.id, step.target, "", "jump")]
    out: list[Edge] = []
    if isinstance(step, f.Branch):
        out.append(Edge(step.id, step.then, "yes", "jump"))
        out.append(_follow(flow, step, step.otherwise or step.next, "no"))
        return out + _failures(step)
    if isinstance(step, f.Ask) and step.choices:
        for choice in step.choices:
            label = choice.label.get(locale) or choice.value
            if choice.goto_flow:
                out.append(Edge(step.id, FLOW_PREFIX + choice.goto_flow, label, "flow"))
            elif choice.goto:
                out.append(Edge(step.id, choice.goto, label, "jump"))
        if all(c.goto or c.goto_flow for c in step.choices):
            return out + _failures(step)
    label = "code ok" if isinstance(step, f.OtpConfirm) else "sent" if _has_error(step) else ""
    out.append(_follow(flow, step, step.next, label))
    return out + _failures(step)


def _has_error(step: f.Step) -> bool:
    return isinstance(step, f.OtpIssue | f.Http) and step.on_error is not None


def _follow(flow: f.Flow, step: f.Step, target: str | None, label: str) -> Edge:
    if target is None or flow.step(target) is None:
        return Edge(step.id, END_NODE, label, "next")
    following = _next_in_file(flow, step)
    return Edge(step.id, target, label, "next" if target == following else "jump")


def _next_in_file(flow: f.Flow, step: f.Step) -> str | None:
    ids = [s.id for s in flow.steps]
    index = ids.index(step.id)
    return ids[index + 1] if index + 1 < len(ids) else None


def _failures(step: f.Step) -> list[Edge]:
    out = []
    for field, label in _FAIL_LABELS.items():
        target = getattr(step, field, None)
        if target:
            out.append(Edge(step.id, target, label, "fail"))
    return out


# -- text formats ---------------------------------------------------------------

#: Words Mermaid reads as keywords, never node ids.
_MERMAID_RESERVED = {"end", "graph", "subgraph", "flowchart", "style", "class", "click", "default"}

_MERMAID_SHAPES = {
    "say": ('["', '"]'), "ask": ('[/"', '"/]'), "if": ('{"', '"}'), "set": ('["', '"]'),
    "goto": ('["', '"]'), "goto_flow": ('[["', '"]]'), "end": ('(["', '"])'),
    "http": ('[("', '")]'), "otp_issue": ('[["', '"]]'), "otp_confirm": ('[["', '"]]'),
    "faq": ('[/"', '"/]'), "handoff": ('>"', '"]'), "flow": ('(("', '"))'), "stop": ('(("', '"))'),
}  # fmt: skip

_MERMAID_CLASSES = {
    "otp": "fill:#fde68a,stroke:#b45309",
    "handoff": "fill:#fbcfe8,stroke:#9d174d",
    "ending": "fill:#d1fae5,stroke:#047857",
    "question": "fill:#dbeafe,stroke:#1d4ed8",
    "other": "fill:#e5e7eb,stroke:#374151",
}
_CLASS_OF = {
    "otp_issue": "otp", "otp_confirm": "otp", "handoff": "handoff", "end": "ending",
    "stop": "ending", "ask": "question", "faq": "question", "flow": "other",
    "goto_flow": "other",
}  # fmt: skip


def node_label(node: Node) -> str:
    return node.title if node.kind in ("flow", "stop") else f"{node.title}: {node.detail}"


def mermaid_id(node_id: str) -> str:
    if node_id == END_NODE:
        return "flow_end"
    if node_id.startswith(FLOW_PREFIX):
        return "to_" + node_id.removeprefix(FLOW_PREFIX)
    if node_id.startswith("#"):
        return "step" + node_id[1:]
    return node_id + "_" if node_id in _MERMAID_RESERVED else node_id


def _mermaid_text(text: str) -> str:
    return text.replace('"', "#quot;").replace("<", "#lt;").replace(">", "#gt;")


def to_mermaid(d: Diagram) -> str:
    lines = ["flowchart TD", f"  %% {d.flow}: {d.description}".rstrip(": ")]
    if d.nodes:
        lines.append(f"  start((start)) --> {mermaid_id(d.nodes[0].id)}")
    for node in d.nodes:
        left, right = _MERMAID_SHAPES[node.kind]
        text = _mermaid_text(node.title)
        if node.kind not in ("flow", "stop"):
            text += "<br/>" + _mermaid_text(node.detail)
        lines.append(f"  {mermaid_id(node.id)}{left}{text}{right}")
    for edge in d.edges:
        arrow = "-.->" if edge.kind == "fail" else "-->"
        label = f'|"{_mermaid_text(edge.label)}"|' if edge.label else ""
        lines.append(f"  {mermaid_id(edge.source)} {arrow}{label} {mermaid_id(edge.target)}")
    for name, style in _MERMAID_CLASSES.items():
        members = [mermaid_id(n.id) for n in d.nodes if _CLASS_OF.get(n.kind) == name]
        if members:
            lines.append(f"  classDef {name} {style}")
            lines.append(f"  class {','.join(members)} {name}")
    return "\n".join(lines) + "\n"


_DOT_SHAPES = {
    "ask": "parallelogram", "faq": "parallelogram", "if": "diamond", "end": "oval",
    "stop": "doublecircle", "flow": "circle", "otp_issue": "component",
    "otp_confirm": "component", "handoff": "house", "http": "cylinder",
}  # fmt: skip


def _dot_text(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def to_dot(d: Diagram) -> str:
    lines = [
        f"digraph {_dot_text(d.flow)} {{",
        "  rankdir=TB;",
        '  node [shape=box, style="rounded,filled", fillcolor="#ffffff", fontname="sans-serif"];',
        '  edge [fontname="sans-serif", fontsize=10];',
        "  start [shape=point, width=0.15];",
    ]
    if d.nodes:
        lines.append(f"  start -> {_dot_text(mermaid_id(d.nodes[0].id))};")
    for node in d.nodes:
        style = _MERMAID_CLASSES[_CLASS_OF.get(node.kind, "other")].split(",")[0]
        attrs = [f"label={_dot_text(node_label(node))}", f'fillcolor="{style.split(":")[1]}"']
        if node.kind in _DOT_SHAPES:
            attrs.append(f"shape={_DOT_SHAPES[node.kind]}")
        lines.append(f"  {_dot_text(mermaid_id(node.id))} [{', '.join(attrs)}];")
    for edge in d.edges:
        attrs = []
        if edge.label:
            attrs.append(f"label={_dot_text(edge.label)}")
        if edge.kind == "fail":
            attrs.append("style=dashed")
        tail = f" [{', '.join(attrs)}]" if attrs else ""
        lines.append(
            f"  {_dot_text(mermaid_id(edge.source))} -> {_dot_text(mermaid_id(edge.target))}{tail};"
        )
    lines.append("}")
    return "\n".join(lines) + "\n"
