"""The OTP API's start and check without Flask's request machinery, every check kept.

An OTP start+check pair spent ~20% of its CPU in Flask and werkzeug around the
two views (request context, URL matching, hooks, the ``request`` and ``g``
proxies, the response object). This WSGI layer answers ``POST
/v1/verifications`` and ``POST /v1/verifications/check`` itself when the
request names a Host this server answers for and has a body of plain length
under the size limit, and runs them through the views' own code
(:func:`app.web.api.start_answer`, :func:`~app.web.api.check_answer`, the same
body validation and refusals): the same API-key check, status, JSON, headers,
request id, log context and lines, and latency histogram as Flask.

Anything else goes to Flask unchanged (other methods and paths, a bad Host, a
chunked or oversized body: the body handed back as it was read). An error
other than the API's own refusals (Redis down, ...) is answered by Flask's
error handlers inside a request context, as the view's would be. As with the
webhook's fast path (app.web.fast_webhook), it serves only while the app's
request hooks are the ones whose work it does (checked on every request).
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from flask import Flask
from werkzeug.http import HTTP_STATUS_CODES

from app.otp.errors import OtpError
from app.web import api
from app.web.auth import bearer_secret
from app.web.fast_wsgi import FastPath, allowed_host, flask_error, read_body

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment


#: Path -> the view's endpoint (what the latency histogram is labelled with).
ROUTES = {"/v1/verifications": "api.start", "/v1/verifications/check": "api.check"}
Answer = tuple[int, dict[str, Any], list[tuple[str, str]]]


class FastApi(FastPath):
    """The OTP API's fast path (see the module's docstring)."""

    blueprint = "api"
    own_hooks = frozenset({("app.web.api", "require_key")})

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        endpoint = ROUTES.get(environ.get("PATH_INFO", ""))
        if (
            endpoint is None
            or self.declines(environ, route=True)
            or allowed_host(environ, self.allowed) is None
        ):
            return self.flask(environ, start_response)
        started = time.perf_counter()
        raw = read_body(environ, self.max_bytes)
        if raw is None:
            return self.flask(environ, start_response)
        rid = self.serving(environ)
        try:
            status, payload, headers = self._answer(endpoint, environ, raw)
        except Exception as err:  # answered by Flask's error handlers
            return flask_error(self.app, environ, start_response, err, rid, started)
        return self._respond(start_response, endpoint, status, payload, headers, rid, started)

    def _answer(self, endpoint: str, environ: WSGIEnvironment, raw: bytes) -> Answer:
        """What the view (and the blueprint's key check before it) answers."""
        s = self.services
        secret = bearer_secret(environ.get("HTTP_AUTHORIZATION", ""))
        key = s.api_keys.authenticate(secret) if secret is not None else None
        if key is None:
            return _refused(api.UNAUTHORIZED, environ)
        try:
            data = self.app.json.loads(raw)
        except ValueError:  # get_json(silent=True): not JSON (or too deep) is None
            data = None
        try:
            if endpoint == "api.start":
                body = api.start_body(data)
                return 201, api.start_answer(s, body, environ.get("REMOTE_ADDR"), key.sid), []
            return 200, api.check_answer(s, api.check_body(data)), []
        except OtpError as err:
            return _refused(err, environ)

    def _respond(
        self,
        start_response: StartResponse,
        endpoint: str,
        status: int,
        payload: dict[str, Any],
        headers: list[tuple[str, str]],
        rid: str,
        started: float,
    ) -> Iterable[bytes]:
        """The bytes and headers ``jsonify`` and the ``finish`` hook would send."""
        json = self.app.json
        compact = not ((json.compact is None and self.app.debug) or json.compact is False)  # type: ignore[attr-defined]
        dumped = json.dumps(payload, **({"separators": (",", ":")} if compact else {"indent": 2}))
        body = f"{dumped}\n".encode()
        self.services.metrics.otp_api_seconds.labels(endpoint, str(status)).observe(
            time.perf_counter() - started
        )
        start_response(
            f"{status} {HTTP_STATUS_CODES.get(status, 'UNKNOWN').upper()}",
            [
                ("Content-Type", "application/json"),
                ("Content-Length", str(len(body))),
                *headers,
                ("X-Request-Id", rid),
            ],
        )
        return [body]


def _refused(err: OtpError, environ: WSGIEnvironment) -> Answer:
    status, error, headers = api.error_answer(err, "POST", environ["PATH_INFO"])
    return status, {"error": error}, headers


def install(app: Flask) -> bool:
    """Put the fast path in front of ``app.wsgi_app``; whether it serves requests."""
    fast = FastApi(app, app.wsgi_app)
    app.wsgi_app = fast  # type: ignore[method-assign]
    return fast.enabled
