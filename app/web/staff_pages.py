"""``/staff/login``, ``/staff/logout`` and ``/staff/audit``.

Login: the form carries a CSRF token (login CSRF), every attempt is counted
per account, per address and server-wide before the password is hashed
(:class:`app.store.login_limits.LoginLimiter`), a refusal is logged with the
masked source and counted in ``/metrics``. The session cookie is HttpOnly,
SameSite=Strict, and Secure when ``SANDI_PUBLIC_URL`` is https.
"""

from __future__ import annotations

import logging

from flask import Blueprint, Response, redirect, render_template, request
from werkzeug.wrappers import Response as BaseResponse

from app.logs import mask_ip
from app.web.current import services
from app.web.staff import COOKIE, audit, csrf_ok, current_staff, staff_required

log = logging.getLogger(__name__)

bp = Blueprint("staff", __name__, url_prefix="/staff", template_folder="templates")


def _next_page() -> str:
    """Where to go after login: a path on this server only (never ``//evil`` or a URL)."""
    target = request.values.get("next", "")
    if target.startswith("/") and not target.startswith(("//", "/\\")):
        return target
    return "/simulator"


def _login_page(message: str = "", status: int = 200) -> tuple[str, int]:
    return render_template(
        "login.html", message=message, next=_next_page(), page_name="login"
    ), status


@bp.get("/login")
def login() -> str | tuple[str, int]:
    return _login_page()


@bp.post("/login")
def login_post() -> BaseResponse | tuple[str, int]:
    svc = services()
    if not csrf_ok():
        svc.metrics.csrf_failures.inc()
        return _login_page("The form expired: please try again.", 403)
    name = request.form.get("user", "").strip().lower()[:64]
    password = request.form.get("password", "")
    source = mask_ip(request.remote_addr)
    refused = svc.login_limits.attempt(name, request.remote_addr or "-")
    if refused is not None:
        scope, wait = refused
        svc.metrics.login_failures.labels("throttled").inc()
        log.warning("staff login throttled (%s) for %r from %s", scope, name, source)
        page, _ = _login_page(f"Too many attempts: try again in {wait} seconds.", 429)
        return Response(page, status=429, headers={"Retry-After": str(wait)})
    if not svc.staff.verify(name, password):
        svc.metrics.login_failures.labels("password").inc()
        log.warning("staff login failed for %r from %s", name, source)
        return _login_page("Wrong user name or password.", 401)
    svc.login_limits.succeeded(name)
    token = svc.staff.start_session(name, svc.clock())
    svc.audit.record(svc.clock(), name, "login", "", source)
    response = redirect(_next_page(), code=303)
    public = svc.settings.public_url or ""
    response.set_cookie(
        COOKIE,
        token,
        max_age=None,
        httponly=True,
        secure=public.startswith("https://"),
        samesite="Strict",
        path="/",
    )
    return response


@bp.post("/logout")
@staff_required
def logout() -> BaseResponse:
    token = request.cookies.get(COOKIE, "")
    if current_staff() is not None:
        audit("logout")
        services().staff.end_session(token)
    response = redirect("/staff/login", code=303)
    response.delete_cookie(COOKIE, path="/")
    return response


@bp.get("/audit")
@staff_required
def audit_page() -> str:
    return render_template(
        "audit.html",
        entries=services().audit.recent(200),
        page_name="audit",
        sandbox=services().settings.sandbox,
    )
