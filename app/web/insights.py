"""``/insights``: OTP conversion, delivery and fraud-guard figures for staff.

The page (server-drawn SVG charts), its JSON (``/insights/data.json``) and
``GET /v1/insights`` (API key) all come from one
:func:`app.otp.insights_report.report`, so they always agree. The page is
behind the staff login like every page (``app.web.staff.protect``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, render_template, request

from app.otp.errors import OtpError
from app.otp.insights_report import WINDOWS, report, window_hours
from app.web.current import services
from app.web.insights_svg import bar_chart, series_chart
from app.web.staff import protect
from app.wiring.services import Services

bp = protect(Blueprint("insights", __name__, template_folder="templates"))

_TITLES = {"channel": "By channel", "country": "By country", "purpose": "By purpose",
           "flow": "By flow"}  # fmt: skip


def window_of(value: str | None) -> str:
    window = value or "day"
    if window not in WINDOWS:
        raise OtpError("invalid_parameter", f"window: must be one of {', '.join(WINDOWS)}")
    return window


def insights_json(s: Services, window: str) -> dict[str, Any]:
    """The report for ``window`` at the app's clock now."""
    now_ms = int(s.clock().timestamp() * 1000)
    buckets = s.insights.buckets(window_hours(window, now_ms))
    return report(window, now_ms, buckets)


def guard_json(s: Services) -> dict[str, Any]:
    """Blocks in force and the operator's lists (prefixes masked in blocks)."""
    store = s.fraud
    now_ms = int(s.clock().timestamp() * 1000)
    guard = s.otp.watch.guard if s.otp.watch else None
    return {
        "mode": guard.mode.name if guard else "off",
        "blocks": [
            {"id": f"{b.scope}:{b.id}", "scope": b.scope, "shown": b.shown,
             "country": b.country, "reason": b.reason, "until": _iso(b.until_ms)}
            for b in store.blocks(now_ms)
        ],
        "lists": [
            {"kind": e.kind, "value": e.value, "action": e.action, "note": e.note, "at": e.at}
            for e in store.entries()
        ],
    }  # fmt: skip


@bp.get("/insights")
def page() -> str | tuple[Response, int]:
    try:
        window = window_of(request.args.get("window"))
    except OtpError as err:
        return jsonify(error={"code": err.code, "message": err.message}), 400
    s = services()
    data = insights_json(s, window)
    charts = {
        d: bar_chart(data["by"][d], _TITLES[d]) for d in ("channel", "country", "purpose", "flow")
    }
    return render_template(
        "insights.html",
        page_name="insights",
        script="insights.js",
        data=data,
        guard=guard_json(s),
        window=window,
        windows=list(WINDOWS),
        series=series_chart(data["series"], f"Codes per {'day' if window == 'week' else 'hour'}"),
        charts=charts,
        titles=_TITLES,
        sandbox=s.settings.sandbox,
        url_map_endpoints=set(current_app.view_functions),
    )


@bp.get("/insights/data.json")
def page_json() -> tuple[Response, int] | Response:
    try:
        window = window_of(request.args.get("window"))
    except OtpError as err:
        return jsonify(error={"code": err.code, "message": err.message}), 400
    s = services()
    return jsonify({**insights_json(s, window), "guard": guard_json(s)})


def _iso(ms: int) -> str:
    return (
        datetime.fromtimestamp(ms / 1000, UTC).isoformat(timespec="minutes").replace("+00:00", "Z")
    )
