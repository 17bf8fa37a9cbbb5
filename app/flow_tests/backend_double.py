"""A real HTTP back end on loopback that answers as a conversation test declares.

A test's ``http:`` says what each path answers (``status`` and ``json``, or
``down``); the runner points that test's conversation at this server, so the
real signed adapter (:class:`app.edges.backend.HttpBackend`) makes a real
request: the signature is checked here as a business back end would check
it, and ``down`` drops the connection without a byte of answer. What each
call sent is kept for the ``http_called:`` steps.
"""

from __future__ import annotations

import hmac
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from app.edges.backend import signature

DOWN = "down"


@dataclass(frozen=True)
class HttpAnswer:
    """What one path answers: a status and a JSON body, or nothing at all (down)."""

    status: int = 200
    body: Any = field(default_factory=dict)
    down: bool = False


@dataclass(frozen=True)
class HttpCall:
    path: str
    body: Any
    #: Whether the request carried a valid ``X-Sandi-Signature``.
    signed: bool


class BackendDouble:
    """One server for a whole run; :meth:`answer` sets the answers for the next test."""

    def __init__(self, secret: str) -> None:
        self.secret = secret
        self.answers: dict[str, HttpAnswer] = {}
        self.calls: list[HttpCall] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def answer(self, answers: dict[str, HttpAnswer]) -> None:
        with self._lock:
            self.answers = dict(answers)
            self.calls = []

    def record(self, call: HttpCall) -> HttpAnswer | None:
        with self._lock:
            self.calls.append(call)
            return self.answers.get(call.path)

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def verify(self, timestamp: str, raw: bytes, given: str) -> bool:
        return bool(timestamp) and hmac.compare_digest(
            signature(self.secret, timestamp, raw), given
        )


def _handler(double: BackendDouble) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length)
            signed = double.verify(
                self.headers.get("X-Sandi-Timestamp", ""),
                raw,
                self.headers.get("X-Sandi-Signature", ""),
            )
            try:
                body = json.loads(raw or b"null")
            except ValueError:
                body = raw.decode("utf-8", "replace")
            path = self.path.split("?", 1)[0]
            answer = double.record(HttpCall(path, body, signed))
            if answer is not None and answer.down:
                self.close_connection = True
                self.connection.close()  # no status line, no body: a back end that is down
                return
            if not signed:
                self._json(401, {"error": "bad or missing X-Sandi-Signature"})
            elif answer is None:
                self._json(404, {"error": f"the test declares no answer for {path}"})
            else:
                self._json(answer.status, answer.body)

        def _json(self, status: int, payload: Any) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: the runner reports what matters."""

    return Handler
