"""The one guard of every staff page and page API: login when live, CSRF always.

A page blueprint calls :func:`protect` once (``protect(bp)``) — or a single
view takes :func:`staff_required` — and gets:

- in development (``SANDI_ENV`` unset, no Twilio credentials): open pages,
  as ``make run`` promises, to requests from this machine (loopback); any
  other client logs in, even when a server is bound to 0.0.0.0;
- on a live server (Twilio credentials or ``SANDI_ENV=production``, see
  :attr:`app.config.Settings.pages_need_login`): a signed-in staff user, or a
  redirect to ``/staff/login`` (a JSON 401 for API paths);
- everywhere: a CSRF token on every request that changes something (the
  ``X-CSRF-Token`` header for page APIs, a ``csrf_token`` form field for
  forms), compared in constant time with the session's.

:func:`audit` writes who did what to the audit trail (Redis and the log).
Pages added later (inbox, insights) call the same three functions.
"""

from __future__ import annotations

import hmac
import ipaddress
import secrets
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import Blueprint, Response, g, redirect, request, session, url_for
from werkzeug.wrappers import Response as BaseResponse

from app.logs import mask_ip
from app.store.staff import StaffSession
from app.web.current import services
from app.web.errors import json_error

F = TypeVar("F", bound=Callable[..., Any])

COOKIE = "sandi_staff"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def current_staff() -> StaffSession | None:
    """The signed-in staff user of this request (looked up once), or None."""
    if "staff" not in g:
        token = request.cookies.get(COOKIE, "")
        g.staff = services().staff.session(token) if token else None
    found: StaffSession | None = g.staff
    return found


def csrf_token() -> str:
    """The token a page puts in its forms and its API calls."""
    staff = current_staff()
    if staff is not None:
        return staff.csrf
    token = session.get("csrf")
    if not isinstance(token, str) or len(token) < 32:
        token = session["csrf"] = secrets.token_urlsafe(32)
    return token


def csrf_ok() -> bool:
    given = request.headers.get(CSRF_HEADER) or request.form.get(CSRF_FIELD) or ""
    staff = current_staff()
    expected = staff.csrf if staff is not None else session.get("csrf")
    if not isinstance(expected, str) or not expected or not given:
        return False
    return hmac.compare_digest(given.encode(), expected.encode())


def _wants_json() -> bool:
    """A page's API (``/.../api/...``, ``*.json``, the outbox) gets a 401, a page the login form."""
    path = request.path
    return (
        "/api/" in path or path.endswith(".json") or path.startswith("/sandbox/") or request.is_json
    )


def _from_this_machine() -> bool:
    """Development's open pages are open to this machine only (a gunicorn bound to
    0.0.0.0 in development still asks anyone else to log in)."""
    try:
        return ipaddress.ip_address(request.remote_addr or "").is_loopback
    except ValueError:
        return False


def check_staff() -> BaseResponse | tuple[Response, int] | None:
    """None when the request may go on; else the answer that stops it."""
    endpoint = request.endpoint or ""
    if endpoint.endswith(".static"):
        return None
    locked = services().settings.pages_need_login or not _from_this_machine()
    if locked and current_staff() is None:
        if _wants_json():
            return json_error(401, "login_required", "log in at /staff/login first")
        target = request.full_path if request.query_string else request.path
        return redirect(url_for("staff.login", next=target))
    if request.method not in _SAFE_METHODS and not csrf_ok():
        services().metrics.csrf_failures.inc()
        return json_error(
            403, "csrf", f"missing or wrong {CSRF_HEADER}: reload the page and try again"
        )
    return None


def protect(bp: Blueprint) -> Blueprint:
    """Put every view of ``bp`` behind :func:`check_staff`."""
    bp.before_request(check_staff)
    return bp


def staff_required(view: F) -> F:
    """:func:`check_staff` for one view (when its blueprint is not protected whole)."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        stopped = check_staff()
        return stopped if stopped is not None else view(*args, **kwargs)

    return wrapped  # type: ignore[return-value]


def staff_name() -> str:
    """Who is acting: the signed-in user, or ``dev`` on an open development server."""
    staff = current_staff()
    return staff.user if staff is not None else "dev"


def audit(action: str, detail: str = "") -> None:
    """Record ``action`` by the current staff user (numbers in ``detail`` already masked)."""
    svc = services()
    svc.audit.record(svc.clock(), staff_name(), action, detail, mask_ip(request.remote_addr))


def template_context() -> dict[str, Any]:
    """What every page template may use: the CSRF token and who is signed in."""
    return {"csrf_token": csrf_token, "staff_user": current_staff}
