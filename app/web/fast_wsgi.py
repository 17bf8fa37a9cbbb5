"""What the WSGI fast paths in front of Flask share (app.web.fast_webhook, app.web.fast_api).

A fast path answers one hot route without Flask's request machinery, but only
while Flask would do no more for that route than the fast path does itself:
the app's request hooks are the known ones (:func:`hooks`, :func:`known`), no
Host rules beyond Sandi's own, nothing listening to Flask's request signals.
Anything it is unsure of goes to Flask; an error raised while it answers is
answered by Flask's own error handlers (:func:`flask_error`).
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from typing import TYPE_CHECKING

from flask import Flask, g
from flask.signals import got_request_exception, request_finished, request_started
from werkzeug.sansio.utils import get_host

from app.logs import bind_log_context, clear_log_context
from app.request_context import new_request_id
from app.web.hosts import allowed_hosts, hostname
from app.wiring.flows_reload import RELOADER

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

    from app.wiring.services import Services

#: The app-level hooks whose work a fast path does itself (by module and name).
APP_HOOKS = frozenset(
    {
        ("app.wiring.flows_reload", "init_app.<locals>.start_reloader"),
        ("app.web.hosts", "init_app.<locals>.check_host"),
        ("app.request_context", "init_app.<locals>.bind"),
        ("app.request_context", "init_app.<locals>.finish"),
    }
)


#: A scope without hooks (compared, never filled).
_NONE: list[object] = []


def hooks(app: Flask, blueprint: str) -> tuple[list[object], ...]:
    """Every hook Flask would run for a route of ``blueprint``: Flask's own lists
    (not copies: compared on every request, and copied once by :class:`FastPath`)."""
    before, after = app.before_request_funcs, app.after_request_funcs
    teardown, preprocess = app.teardown_request_funcs, app.url_value_preprocessors
    return (
        before.get(None, _NONE), before.get(blueprint, _NONE),
        after.get(None, _NONE), after.get(blueprint, _NONE),
        teardown.get(None, _NONE), teardown.get(blueprint, _NONE),
        preprocess.get(None, _NONE), preprocess.get(blueprint, _NONE),
        app.teardown_appcontext_funcs,
    )  # type: ignore[return-value]  # fmt: skip


def known(app: Flask, found: tuple[object, ...], extra: frozenset[tuple[str, str]]) -> bool:
    """Whether a fast path may serve: plain Host rules and only hooks it replaces."""
    plain_hosts = app.config.get("TRUSTED_HOSTS") is None and not (
        app.config.get("SERVER_NAME") or app.url_map.host_matching
    )
    allowed = APP_HOOKS | extra
    return plain_hosts and all(
        (f.__module__, f.__qualname__) in allowed
        for group in found
        for f in group  # type: ignore[attr-defined]
    )


def signalled() -> bool:
    """Someone listens to Flask's request signals (that a fast path would not send)."""
    return bool(
        request_started.receivers or request_finished.receivers or got_request_exception.receivers
    )


#: Host headers found allowed, by (scheme, header, allowed names): a server answers
#: for a few names, and werkzeug's parse of the same header is the same every time.
#: Only allowed ones are kept, and only so many (a stream of made-up headers is
#: judged anew each time, as every header was before).
_ALLOWED: dict[tuple[str, str, frozenset[str]], str] = {}
_ALLOWED_KEPT = 64


def allowed_host(environ: WSGIEnvironment, allowed: frozenset[str]) -> str | None:
    """The request's Host when this server answers for it (as Flask would read it)."""
    header = environ.get("HTTP_HOST")
    if header is None:
        return None
    scheme = environ.get("wsgi.url_scheme", "http")
    known = _ALLOWED.get((scheme, header, allowed))
    if known is not None:
        return known
    host = get_host(scheme, header)
    if hostname(host) not in allowed:
        return None
    if len(_ALLOWED) < _ALLOWED_KEPT:
        _ALLOWED[(scheme, header, allowed)] = host
    return host


def read_body(environ: WSGIEnvironment, max_bytes: int) -> bytes | None:
    """The whole body when it has a plain length within ``max_bytes``, else None
    (nothing read: Flask answers, 413 and all). Put back with :func:`put_back`."""
    length = environ.get("CONTENT_LENGTH", "")
    if "HTTP_TRANSFER_ENCODING" in environ or not (length.isascii() and length.isdigit()):
        return None
    if int(length) > max_bytes:
        return None
    raw: bytes = environ["wsgi.input"].read(int(length))
    if len(raw) != int(length):  # a short body: Flask's to judge
        put_back(environ, raw)
        return None
    return raw


def put_back(environ: WSGIEnvironment, raw: bytes) -> None:
    """Hand the body back to Flask as it was read."""
    environ["wsgi.input"] = io.BytesIO(raw)


def flask_error(
    app: Flask,
    environ: WSGIEnvironment,
    start_response: StartResponse,
    err: Exception,
    rid: str,
    started: float,
) -> Iterable[bytes]:
    """Flask's answer to an error raised by the view (its wsgi_app's steps)."""
    with app.request_context(environ):
        g.sandi_started, g.sandi_request_id = started, rid
        try:
            response = app.finalize_request(app.handle_user_exception(err))
        except Exception as again:  # what Flask's wsgi_app does
            response = app.handle_exception(again)
        return response(environ, start_response)


class FastPath:
    """WSGI middleware in front of Flask's ``wsgi_app`` (inside ProxyFix, if any)
    that answers POSTs to its own routes: what every fast path keeps and checks."""

    #: The blueprint of its routes (whose hooks it compares), and the hooks of
    #: that blueprint whose work it does itself.
    blueprint = ""
    own_hooks: frozenset[tuple[str, str]] = frozenset()

    def __init__(self, app: Flask, flask_wsgi: WSGIApplication) -> None:
        self.app = app
        self.flask = flask_wsgi
        self.services: Services = app.extensions["sandi"]
        self.allowed = allowed_hosts(self.services.settings)
        self.max_bytes = int(app.config["MAX_CONTENT_LENGTH"])
        #: The hooks when it was made, copied: a hook added in place later differs.
        self.hooks = tuple(list(group) for group in hooks(app, self.blueprint))
        self.enabled = known(app, self.hooks, self.own_hooks)
        self.reloader = app.extensions[RELOADER] if not app.testing else None
        #: Requests answered here (not by Flask): what the tests and a debugger look at.
        self.served = 0

    def declines(self, environ: WSGIEnvironment, route: bool) -> bool:
        """Whether Flask answers this request (``route``: the path is one of ours)."""
        return (
            not route
            or environ.get("REQUEST_METHOD") != "POST"
            or bool(environ.get("SCRIPT_NAME"))
            or not self.enabled
            or hooks(self.app, self.blueprint) != self.hooks
            or signalled()
        )

    def serving(self, environ: WSGIEnvironment) -> str:
        """Count the request as served here, start what Flask's first request would
        (the flows reloader), and bind its log context; its request id."""
        self.served += 1
        if self.reloader is not None and not self.reloader.running:
            self.reloader.start()
        rid = new_request_id(environ.get("HTTP_X_REQUEST_ID", ""))
        clear_log_context()
        bind_log_context(request_id=rid)
        return rid
