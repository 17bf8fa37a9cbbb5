"""What every request carries through the logs and the OTP API's latency histogram.

Each request gets a request id (the caller's ``X-Request-Id`` when it is a plain
token, else a new one; sent back in the response), and Twilio's webhooks add the
masked conversation (``From``) and the ``MessageSid``. They are bound to the log
context (app.logs), so every line written while the request runs — Sandi's and
gunicorn's access line after it — says which request, conversation and message it
belongs to. The OTP service binds the verification id itself once it knows it.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Mapping

from flask import Flask, Request, Response, g, request

from app.logs import bind_log_context, clear_log_context, mask
from app.metrics import Metrics

#: A caller's request id is kept only if it is a plain token (no log injection).
_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")
_SID = re.compile(r"[A-Za-z0-9]{2,64}")
#: The blueprints of the OTP APIs whose answers are timed.
OTP_API_BLUEPRINTS = frozenset({"api", "verify_v2"})


def request_id(req: Request) -> str:
    return new_request_id(req.headers.get("X-Request-Id", ""))


def new_request_id(given: str) -> str:
    """The caller's ``X-Request-Id`` when it is a plain token, else a new one."""
    return given if _REQUEST_ID.fullmatch(given) else _uuid4_hex()


def _uuid4_hex() -> str:
    """``uuid.uuid4().hex``: 16 random bytes with the version (4) and variant (RFC 4122)
    bits set, in hex, without building a UUID object on every request."""
    raw = bytearray(os.urandom(16))
    raw[6] = (raw[6] & 0x0F) | 0x40
    raw[8] = (raw[8] & 0x3F) | 0x80
    return raw.hex()


def bind_webhook_context(form: Mapping[str, str]) -> None:
    """A Twilio webhook's masked conversation and its message (or call) SID."""
    sid = form.get("MessageSid") or form.get("CallSid") or ""
    sender = form.get("From")
    bind_log_context(
        conversation=mask(sender) if sender else None,
        message_sid=sid if _SID.fullmatch(sid) else None,
    )


def init_app(app: Flask, metrics: Metrics) -> None:
    @app.before_request
    def bind() -> None:
        # The request object itself, not the proxy: this runs on every request, and
        # each attribute read through the proxy is a context-variable lookup.
        req = request._get_current_object()  # type: ignore[attr-defined]
        g.sandi_started = time.perf_counter()
        g.sandi_request_id = request_id(req)
        clear_log_context()
        bind_log_context(request_id=g.sandi_request_id)
        if req.path.startswith("/webhooks/twilio/"):
            # Cache the raw body first: the webhook checks its bytes (strict UTF-8) and
            # its signature after this has parsed the form.
            req.get_data(cache=True)
            bind_webhook_context(req.form)
        vid = (req.view_args or {}).get("verification_id")
        if isinstance(vid, str) and _SID.fullmatch(vid):
            bind_log_context(verification_id=vid)

    @app.after_request
    def finish(response: Response) -> Response:
        response.headers.setdefault("X-Request-Id", g.get("sandi_request_id", ""))
        started = g.get("sandi_started")
        if started is not None and request.blueprint in OTP_API_BLUEPRINTS:
            metrics.otp_api_seconds.labels(
                request.endpoint or "unknown", str(response.status_code)
            ).observe(time.perf_counter() - started)
        return response
