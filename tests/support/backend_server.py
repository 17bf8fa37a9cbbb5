"""A business back end on loopback, for ``http`` steps: it checks Sandi's signature as a real one would."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Call:
    path: str
    headers: dict[str, str]
    body: bytes
    signature_ok: bool

    @property
    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class BackendServer:
    secret: str
    #: What to answer: (status, body bytes). Tests change it between calls.
    reply: tuple[int, bytes] = (200, b'{"ok": true}')
    #: Set to make the handler hang (until released) to test timeouts.
    hang: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    calls: list[Call] = field(default_factory=list)

    def start(self) -> BackendServer:
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                stamp = self.headers.get("X-Sandi-Timestamp", "")
                expected = (
                    "sha256="
                    + hmac.new(
                        outer.secret.encode(), stamp.encode() + b"." + body, hashlib.sha256
                    ).hexdigest()
                )
                given = self.headers.get("X-Sandi-Signature", "")
                outer.calls.append(
                    Call(self.path, dict(self.headers), body, hmac.compare_digest(expected, given))
                )
                if outer.hang.is_set():
                    outer.release.wait(5)
                status, payload = outer.reply
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self.thread.start()
        return self

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}"

    def stop(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()
