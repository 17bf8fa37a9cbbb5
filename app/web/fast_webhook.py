"""The inbound-message webhook without Flask's request machinery, every check kept.

A turn spent ~30% of its CPU in Flask and werkzeug around the view: the
request context, URL matching, the request hooks, werkzeug's form parser
(``parse_qsl`` with an ``unquote`` per name and value) and the response
object. This WSGI layer answers ``POST /webhooks/twilio/messages`` itself
when the request is one Twilio sends on a good day — the Host this server
answers for, a form body under the size limit that is strict UTF-8, a valid
signature of the exact URL, a well-formed message — and runs the turn
through the view's own code (:func:`app.web.messages.answer`), with the same
request id, log context, log line, metrics and response bytes as Flask.

Anything else goes to Flask unchanged, the body handed back as it was read:
every refusal (413, 415, 400, 403, a bad Host) is Flask's own, counted and
logged there exactly once. An error while the turn runs is answered by
Flask's error handlers inside a request context, as the view's would be.

The layer serves only while the app's request hooks are the ones it does the
work of (checked on every request: a hook added later sends every request to
Flask again); :func:`install` says whether it is on.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import TYPE_CHECKING

from flask import Flask
from werkzeug.http import parse_options_header

from app.content.messages import InboundMessage
from app.request_context import bind_webhook_context
from app.web.fast_wsgi import (
    FastPath,
    allowed_host,
    flask_error,
    put_back,
    read_body,
)
from app.web.messages import answer
from app.web.twilio_request import Rejected, parse_inbound, signature_matches, strict_pairs

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment


PATH = "/webhooks/twilio/messages"
FORM = "application/x-www-form-urlencoded"
_HEADERS = [("Content-Type", "application/xml; charset=utf-8")]


class FastWebhook(FastPath):
    """The webhook's fast path (see the module's docstring)."""

    blueprint = "messages"

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if self.declines(environ, environ.get("PATH_INFO") == PATH):
            return self.flask(environ, start_response)
        started = time.perf_counter()
        checked = self._check(environ)
        if checked is None:
            return self.flask(environ, start_response)
        form, message = checked
        rid = self.serving(environ)
        bind_webhook_context(form)
        try:
            body = answer(self.services, message, started).encode()
        except Exception as err:  # answered by Flask's error handlers
            return flask_error(self.app, environ, start_response, err, rid, started)
        start_response(
            "200 OK", [*_HEADERS, ("Content-Length", str(len(body))), ("X-Request-Id", rid)]
        )
        return [body]

    def _check(self, environ: WSGIEnvironment) -> tuple[dict[str, str], InboundMessage] | None:
        """The form and the message, or None for Flask to answer (the body put back)."""
        host = allowed_host(environ, self.allowed)
        if host is None:
            return None
        content_type = environ.get("CONTENT_TYPE", "")
        if content_type != FORM and parse_options_header(content_type)[0].lower() != FORM:
            return None
        raw = read_body(environ, self.max_bytes)
        if raw is None:
            return None
        scheme = environ.get("wsgi.url_scheme", "http")
        try:
            checked = self._checked_body(environ, raw, scheme, host)
        except Exception:  # nothing done yet: Flask raises it again, in its own context
            checked = None
        if checked is None:
            put_back(environ, raw)
        return checked

    def _checked_body(
        self, environ: WSGIEnvironment, raw: bytes, scheme: str, host: str
    ) -> tuple[dict[str, str], InboundMessage] | None:
        signature = environ.get("HTTP_X_TWILIO_SIGNATURE", "")
        pairs = strict_pairs(raw)
        if not signature or pairs is None:
            return None
        settings = self.services.settings
        url = (settings.public_url or f"{scheme}://{host}") + PATH
        if environ.get("QUERY_STRING"):
            url += "?" + environ["QUERY_STRING"]
        if not signature_matches(settings.webhook_auth_token, url, pairs, signature):
            return None  # Flask tries the port variants, then refuses and counts
        form = dict(reversed(pairs))  # a repeated name: its first value, as MultiDict.get
        try:
            return form, parse_inbound(form, self.services.clock())
        except Rejected:
            return None


def install(app: Flask) -> bool:
    """Put the fast path in front of ``app.wsgi_app``; whether it serves requests."""
    fast = FastWebhook(app, app.wsgi_app)
    app.wsgi_app = fast  # type: ignore[method-assign]
    return fast.enabled
