"""``/``: where a newcomer starts — links to everything a first hour needs.

The same list is what ``make run`` / ``sandi run`` print at start-up
(:func:`links`), so the terminal and the browser point at the same places.
``/favicon.ico`` answers 204: browsers ask for it on every page, and a 404
logged as a warning each time is noise.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, Flask, Response, current_app, render_template

from app.web.current import services
from app.web.staff import protect

bp = protect(Blueprint("start", __name__, template_folder="templates"))


@dataclass(frozen=True, slots=True)
class Link:
    path: str
    label: str
    what: str


#: (endpoint that must exist, path, label, what it is for), in the order a newcomer needs them.
LINKS = (
    ("simulator.page", "/simulator", "Simulator", "chat with the flows as a WhatsApp or SMS customer; codes appear in its outbox"),
    ("flows.page", "/flows", "Flows", "every flow as a diagram, and any problem in flows/ or templates/"),
    ("inbox.page", "/inbox", "Inbox", "answer conversations handed over to a person"),
    ("insights.page", "/insights", "Insights", "OTP conversion, delivery and fraud-guard figures"),
    ("staff.audit_page", "/staff/audit", "Audit", "who did what on the pages and the command line"),
    ("api.openapi_json", "/v1/openapi.json", "API docs", "the OTP API (OpenAPI 3), for your apps and back end"),
    ("health.healthz", "/healthz", "Health", "alive? (/readyz: Redis takes writes and a worker runs; /metrics: Prometheus)"),
)  # fmt: skip


def links(app: Flask) -> list[Link]:
    """The pages this app serves, in the start page's order."""
    return [Link(path, label, what) for ep, path, label, what in LINKS if ep in app.view_functions]


@bp.get("/")
def page() -> str:
    s = services().settings
    return render_template(
        "start.html",
        links=links(current_app),
        sandbox=s.sandbox,
        env=s.env,
        url_map_endpoints=set(current_app.view_functions),
    )


def favicon() -> Response:
    return Response(status=204)
