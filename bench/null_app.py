"""The ceiling for bench/otp: an app that answers the OTP API's two calls
without doing anything (no Flask, no Redis, no code sent).

Run by ``bench/otp.py --null`` under the same gunicorn settings and the same
load: what it reaches is what gunicorn and the load generator leave for Sandi
on this machine. Its "code" is always 000000; the start answers with an id
and the sandbox outbox entry the client reads is written by the client.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Iterable
from typing import Any


def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    length = int(environ.get("CONTENT_LENGTH") or 0)
    environ["wsgi.input"].read(length)
    if environ["PATH_INFO"] == "/v1/verifications":
        status = "201 CREATED"
        body = json.dumps({"id": "VE" + secrets.token_hex(16), "status": "pending"}).encode()
    else:
        status = "200 OK"
        body = json.dumps({"status": "approved", "valid": True}).encode()
    start_response(
        status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
    )
    return [body]
