"""Server-drawn SVG charts for ``/insights``: no script, no network, no library.

Two shapes cover the page: :func:`series_chart` (codes started per hour or
day, the approved share inside each bar, fraud blocks stacked on top in
red) and :func:`bar_chart` (one horizontal bar per row: approved inside
started, the conversion written at the end). Every text is escaped.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from markupsafe import Markup, escape

STARTED, APPROVED, BLOCKED, INK, GRID = "#93c5fd", "#15803d", "#dc2626", "#1f2933", "#e5e7eb"


def _axis_top(value: float) -> int:
    """A round axis top at or above ``value``: 1, 2 or 5 times a power of ten."""
    scale = 1
    while True:
        for step in (1, 2, 5):
            if step * scale >= value:
                return step * scale
        scale *= 10


def series_chart(points: Sequence[dict[str, Any]], label: str, width: int = 1240) -> Markup:
    """Bars per time step: started (blue), approved (green) inside, blocked (red) on top."""
    height, left, bottom, top_pad = 220, 44, 28, 12
    plot_w, plot_h = width - left - 8, height - bottom - top_pad
    peak = max([p["verifications"] + p["blocked"] for p in points] + [1])
    top = _axis_top(peak)
    slot = plot_w / max(1, len(points))
    bar = max(2.0, slot * 0.7)
    parts = [
        f'<svg class="chart" data-chart="series" role="img" aria-label="{escape(label)}" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}">'
    ]
    for i in range(5):
        value = top * i / 4
        y = top_pad + plot_h - plot_h * i / 4
        parts.append(
            f'<line x1="{left}" x2="{width - 8}" y1="{y:.1f}" y2="{y:.1f}" stroke="{GRID}"/>'
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11" '
            f'fill="{INK}">{int(value)}</text>'
        )
    every = max(1, len(points) // 12)
    base = top_pad + plot_h
    for i, p in enumerate(points):
        x = left + i * slot + (slot - bar) / 2
        stack = (
            ("started", p["verifications"], base, STARTED),
            ("approved", p["approved"], base, APPROVED),
            ("blocked", p["blocked"], base - plot_h * p["verifications"] / top, BLOCKED),
        )
        for kind, value, y_from, colour in stack:
            h = plot_h * value / top
            if value:
                parts.append(
                    f'<rect data-kind="{kind}" x="{x:.1f}" y="{y_from - h:.1f}" width="{bar:.1f}" '
                    f'height="{h:.1f}" fill="{colour}"><title>{escape(p["at"])}: {value} {kind}'
                    "</title></rect>"
                )
        if i % every == 0:
            tick = str(p["at"])[11:16] if len(points) > 8 else str(p["at"])[5:10]
            parts.append(
                f'<text x="{x + bar / 2:.1f}" y="{height - 10}" text-anchor="middle" '
                f'font-size="11" fill="{INK}">{escape(tick)}</text>'
            )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text above is escaped


def bar_chart(rows: Sequence[dict[str, Any]], label: str, width: int = 580) -> Markup:
    """One bar per row: approved (green) inside started (blue), blocked (red) after;
    the conversion at the end."""
    shown = list(rows)[:8]
    line, left = 26, 86
    height = max(1, len(shown)) * line + 8
    peak = max([r["verifications"] + r["blocked"] for r in shown] + [1])
    room = width - left - 190  # the rest is for the figures after the bar
    parts = [
        f'<svg class="chart" data-chart="bars" role="img" aria-label="{escape(label)}" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}">'
    ]
    for i, r in enumerate(shown):
        y = 4 + i * line
        started = room * r["verifications"] / peak
        approved = room * r["approved"] / peak
        blocked = room * r["blocked"] / peak
        conversion = "–" if r["conversion"] is None else f"{100 * r['conversion']:.0f}%"
        parts.append(
            f'<text x="{left - 8}" y="{y + 15}" text-anchor="end" font-size="12" '
            f'fill="{INK}">{escape(r["key"])}</text>'
            f'<rect data-kind="started" x="{left}" y="{y + 3}" width="{max(started, 1):.1f}" '
            f'height="16" fill="{STARTED}"/>'
            f'<rect data-kind="approved" x="{left}" y="{y + 3}" width="{approved:.1f}" '
            f'height="16" fill="{APPROVED}"/>'
        )
        if r["blocked"]:
            parts.append(
                f'<rect data-kind="blocked" x="{left + started:.1f}" y="{y + 3}" '
                f'width="{max(blocked, 1):.1f}" height="16" fill="{BLOCKED}"/>'
            )
        detail = f"{r['verifications']} · {conversion}"
        if r["blocked"]:
            detail += f" · {r['blocked']} blocked"
        parts.append(
            f'<text x="{left + started + blocked + 6:.1f}" y="{y + 15}" font-size="12" '
            f'fill="{INK}">{escape(detail)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text above is escaped
