"""How the flows link to each other: one diagram of the whole shop, for /flows.

Each flow is a node; an arrow is a way from one flow to another (a button
that starts it, a ``goto_flow`` step), labelled with the button text
customers see. The flow a first message starts comes first. The same
:class:`~app.content.diagram.Diagram` as one flow's, so the page draws it
with the same SVG code and ``to_mermaid`` prints it.
"""

from __future__ import annotations

from app.content import flows as f
from app.content.diagram import FLOW_PREFIX, Diagram, Edge, Node


def overview(flowset: f.FlowSet, locale: str = "id") -> Diagram:
    """Every flow, the start flow first, and the links between them."""
    order = sorted(flowset.flows, key=lambda name: (name != flowset.start_flow, name))
    nodes = tuple(Node(FLOW_PREFIX + name, "flow", name, line=0) for name in order)
    edges: list[Edge] = []
    for name in order:
        for target, label in _links(flowset.flows[name], locale):
            if target in flowset.flows and target != name:
                edge = Edge(FLOW_PREFIX + name, FLOW_PREFIX + target, label, "flow")
                if edge not in edges:
                    edges.append(edge)
    return Diagram("all flows", "how the flows link to each other", nodes, tuple(edges))


def _links(flow: f.Flow, locale: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for step in flow.steps:
        if isinstance(step, f.GotoFlow):
            out.append((step.flow, ""))
        elif isinstance(step, f.Ask):
            out += [(c.goto_flow, c.label.get(locale)) for c in step.choices if c.goto_flow]
    return out
