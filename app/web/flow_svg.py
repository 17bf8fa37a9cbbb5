"""Drawing a flow diagram as SVG, on the server: the /flows page needs no JavaScript library.

Mermaid would need mermaid.js in the browser (which we neither vendor nor
fetch), and Graphviz is a system package a fresh clone does not have. A flow
is written top to bottom and mostly read that way, so the layout is simple
and stable: one box per step in file order, the step below joined by a
straight arrow, every other jump an orthogonal line in a lane of its own —
forward jumps on the right, jumps back on the left — and the flows a step
hands over to, and the end, at the bottom.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass

from markupsafe import escape

from app.content.diagram import Diagram, Edge, Node

BOX_W = 300
ROW_GAP = 30
LANE_W = 14
LANE_GAP = 22
FONT = 13
LINE_H = 17
MAX_CHARS = 42
#: A title shares its first line with the kind's badge.
MAX_TITLE = 30
#: Roughly how wide a character of an 11px edge label is (labels are never cut:
#: the picture grows to hold them).
LABEL_CHAR_W = 6.4

COLORS = {
    "ask": ("#dbeafe", "#1d4ed8"), "faq": ("#dbeafe", "#1d4ed8"),
    "otp_issue": ("#fde68a", "#b45309"), "otp_confirm": ("#fde68a", "#b45309"),
    "handoff": ("#fbcfe8", "#9d174d"), "end": ("#d1fae5", "#047857"),
    "stop": ("#d1fae5", "#047857"), "flow": ("#e5e7eb", "#374151"),
    "if": ("#ede9fe", "#6d28d9"),
}  # fmt: skip
DEFAULT_COLOR = ("#ffffff", "#4b5563")
BADGES = {
    "say": "SAY", "ask": "ASK", "if": "IF", "set": "SET", "goto": "GOTO",
    "goto_flow": "FLOW", "end": "END", "http": "HTTP", "otp_issue": "SEND CODE",
    "otp_confirm": "CHECK CODE", "faq": "FAQ", "handoff": "HANDOFF",
}  # fmt: skip


@dataclass
class _Box:
    node: Node
    row: int
    x: float
    y: float
    w: float
    h: float
    right_ports: int = 0
    left_ports: int = 0


def render_svg(d: Diagram, flagged: dict[str, str] | None = None, anchor: str = "flow-") -> str:
    """The diagram as an inline ``<svg>``; ``flagged`` maps node id -> "error" | "warning"."""
    flagged = flagged or {}
    rows = {n.id: i for i, n in enumerate(d.nodes)}
    straight, right, left = _classify(d.edges, rows)
    right_lanes, left_lanes = _lanes(right, rows), _lanes(left, rows)
    lanes_left = (max(left_lanes.values(), default=-1) + 1) * LANE_W + (LANE_GAP if left else 0)
    left_w = max(float(lanes_left), _label_room(left))
    boxes = _boxes(d.nodes, right, left, 20 + left_w)
    lanes_w = LANE_GAP + (max(right_lanes.values(), default=-1) + 2) * LANE_W
    width = 20 + left_w + BOX_W + max(lanes_w, _label_room(right) + 10)
    height = max((b.y + b.h for b in boxes.values()), default=40) + 20
    out = [
        f'<svg class="flow-diagram" xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" '
        f'height="{height:.0f}" viewBox="0 0 {width:.0f} {height:.0f}" role="img" '
        f'aria-label="{escape(d.flow)} flow diagram">',
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
        'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" '
        'fill="#4b5563"/></marker></defs>',
    ]
    if d.nodes:
        first = boxes[d.nodes[0].id]
        cx = first.x + first.w / 2
        out.append(f'<circle cx="{cx:.0f}" cy="8" r="5" fill="#111827"/>')
        out.append(_line(cx, 13, cx, first.y, "next"))
    used_right: dict[str, int] = {}
    used_left: dict[str, int] = {}
    for edge in straight:
        out.append(_straight(edge, boxes))
    for edge in right:
        out.append(_side(edge, boxes, right_lanes[edge], used_right, right_side=True))
    for edge in left:
        out.append(_side(edge, boxes, left_lanes[edge], used_left, right_side=False))
    for box in boxes.values():
        out.append(_box(box, flagged.get(box.node.id), anchor))
    out.append("</svg>")
    return "\n".join(out)


def _classify(
    edges: tuple[Edge, ...], rows: dict[str, int]
) -> tuple[list[Edge], list[Edge], list[Edge]]:
    straight, right, left = [], [], []
    taken: set[str] = set()
    for edge in edges:
        gap = rows[edge.target] - rows[edge.source]
        if gap == 1 and edge.kind != "fail" and edge.source not in taken:
            straight.append(edge)
            taken.add(edge.source)
        elif gap > 0:
            right.append(edge)
        else:
            left.append(edge)
    return straight, right, left


def _lanes(edges: list[Edge], rows: dict[str, int]) -> dict[Edge, int]:
    """One lane per edge; edges whose rows overlap never share one."""
    spans = sorted(edges, key=lambda e: abs(rows[e.target] - rows[e.source]))
    taken: list[list[tuple[int, int]]] = []
    lanes: dict[Edge, int] = {}
    for edge in spans:
        low, high = sorted((rows[edge.source], rows[edge.target]))
        for index, lane in enumerate(taken):
            if all(high < a or low > b for a, b in lane):
                lane.append((low, high))
                lanes[edge] = index
                break
        else:
            taken.append([(low, high)])
            lanes[edge] = len(taken) - 1
    return lanes


def _boxes(
    nodes: tuple[Node, ...], right: list[Edge], left: list[Edge], x0: float
) -> dict[str, _Box]:
    ports: dict[str, list[int]] = {n.id: [0, 0] for n in nodes}
    for edge in right:
        ports[edge.source][0] += 1
        ports[edge.target][0] += 1
    for edge in left:
        ports[edge.source][1] += 1
        ports[edge.target][1] += 1
    boxes: dict[str, _Box] = {}
    y = 30.0
    for row, node in enumerate(nodes):
        terminal = node.kind in ("flow", "stop")
        lines = 1 if terminal else len(_wrapped(node.title, MAX_TITLE)) + len(_wrapped(node.detail))
        h = max(12 + lines * LINE_H, (max(ports[node.id]) + 1) * 16)
        w = min(float(BOX_W), max(180.0, len(node.title) * 8.0 + 30)) if terminal else float(BOX_W)
        x = x0 + (BOX_W - w) / 2 if terminal else x0
        boxes[node.id] = _Box(node, row, x, y, w, h, *ports[node.id])
        y += h + ROW_GAP
    return boxes


def _port(box: _Box, used: dict[str, int], right_side: bool) -> tuple[float, float]:
    total = max(box.right_ports if right_side else box.left_ports, 1)
    index = used.get(box.node.id, 0)
    used[box.node.id] = index + 1
    y = box.y + box.h * (index + 1) / (total + 1)
    return (box.x + box.w if right_side else box.x), y


def _straight(edge: Edge, boxes: dict[str, _Box]) -> str:
    a, b = boxes[edge.source], boxes[edge.target]
    x = a.x + a.w / 2
    parts = [_line(x, a.y + a.h, x, b.y, edge.kind)]
    if edge.label:
        parts.append(_label(x + 6, (a.y + a.h + b.y) / 2 + 4, edge.label, "start"))
    return "\n".join(parts)


def _side(
    edge: Edge, boxes: dict[str, _Box], lane: int, used: dict[str, int], *, right_side: bool
) -> str:
    a, b = boxes[edge.source], boxes[edge.target]
    x1, y1 = _port(a, used, right_side)
    x2, y2 = _port(b, used, right_side)
    offset = LANE_GAP + lane * LANE_W
    lane_x = (max(x1, x2) + offset) if right_side else (min(x1, x2) - offset)
    dash = ' stroke-dasharray="5 3"' if edge.kind == "fail" else ""
    path = (
        f'<path d="M{x1:.0f},{y1:.0f} H{lane_x:.0f} V{y2:.0f} H{x2:.0f}" fill="none" '
        f'stroke="#4b5563" stroke-width="1.3"{dash} marker-end="url(#arrow)"/>'
    )
    if not edge.label:
        return path
    anchor = "start" if right_side else "end"
    lx = x1 + 4 if right_side else x1 - 4
    return path + "\n" + _label(lx, y1 - 3, edge.label, anchor)


def _line(x1: float, y1: float, x2: float, y2: float, kind: str) -> str:
    dash = ' stroke-dasharray="5 3"' if kind == "fail" else ""
    return (
        f'<line x1="{x1:.0f}" y1="{y1:.0f}" x2="{x2:.0f}" y2="{y2:.0f}" stroke="#4b5563" '
        f'stroke-width="1.3"{dash} marker-end="url(#arrow)"/>'
    )


def _label(x: float, y: float, text: str, anchor: str) -> str:
    return (
        f'<text x="{x:.0f}" y="{y:.0f}" font-size="11" text-anchor="{anchor}" fill="#374151" '
        f'stroke="#fff" stroke-width="3" paint-order="stroke">{escape(text)}</text>'
    )


def _label_room(edges: list[Edge]) -> float:
    """Width the longest label beside a box needs."""
    return max((len(e.label) * LABEL_CHAR_W + 8 for e in edges if e.label), default=0.0)


def _wrapped(text: str, width: int = MAX_CHARS) -> list[str]:
    """A box's text on as many lines as it takes: never cut ("confirm_paymer")."""
    return textwrap.wrap(text, width, break_long_words=True, break_on_hyphens=False) or [""]


def _lines(x: float, y: float, lines: list[str], attrs: str) -> list[str]:
    return [
        f'<text x="{x:.0f}" y="{y + i * LINE_H:.0f}" {attrs}>{escape(line)}</text>'
        for i, line in enumerate(lines)
    ]


def _box(box: _Box, flag: str | None, anchor: str) -> str:
    node = box.node
    fill, stroke = COLORS.get(node.kind, DEFAULT_COLOR)
    width = 1.2
    css = f"step step-{node.kind}"
    if flag:
        stroke, width, css = ("#dc2626" if flag == "error" else "#d97706"), 3.0, f"{css} {flag}"
    terminal = node.kind in ("flow", "stop")
    rx = box.h / 2 if terminal else 8
    tooltip = f"{node.title}: {node.detail}" if node.detail else node.title
    if node.line:
        tooltip += f" (line {node.line})"
    parts = [
        f'<g class="{css}" data-step="{escape(node.id)}" data-line="{node.line}">',
        f"<title>{escape(tooltip)}</title>",
        f'<rect x="{box.x:.0f}" y="{box.y:.0f}" width="{box.w:.0f}" height="{box.h:.0f}" '
        f'rx="{rx:.0f}" fill="{fill}" stroke="{stroke}" stroke-width="{width}"/>',
    ]
    if terminal:
        parts.append(
            f'<text x="{box.x + box.w / 2:.0f}" y="{box.y + box.h / 2 + 4:.0f}" font-size="{FONT}" '
            f'text-anchor="middle">{escape(node.title)}</text>'
        )
    else:
        badge = BADGES.get(node.kind, node.kind.upper())
        title = _wrapped(node.title, MAX_TITLE)
        parts += _lines(box.x + 10, box.y + 19, title, f'font-size="{FONT}" font-weight="600"')
        parts.append(
            f'<text x="{box.x + box.w - 10:.0f}" y="{box.y + 17:.0f}" font-size="9" '
            f'text-anchor="end" fill="{stroke}" letter-spacing="0.5">{escape(badge)}</text>'
        )
        parts += _lines(
            box.x + 10,
            box.y + 19 + len(title) * LINE_H,
            _wrapped(node.detail),
            'font-size="12" fill="#374151"',
        )
    if flag:
        parts.append(
            f'<text x="{box.x - 6:.0f}" y="{box.y + 16:.0f}" font-size="15" font-weight="700" '
            f'text-anchor="end" fill="{stroke}">!</text>'
        )
    parts.append("</g>")
    group = "\n".join(parts)
    if node.kind == "flow":
        target = node.id.removeprefix("flow:")
        return f'<a href="#{anchor}{escape(target)}">{group}</a>'
    return group
