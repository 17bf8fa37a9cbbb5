"""``http`` steps against a real back end on loopback: signed JSON, saved answers, error branch."""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Iterator
from typing import Any

import pytest

from app import create_app
from app.edges.backend import HttpBackend, signature
from tests.support.backend_server import BackendServer
from tests.support.chat import Chat
from tests.support.redis_servers import free_port
from tests.support.sent_codes import SentCodes
from tests.support.twilio_webhooks import CUSTOMER, Twilio

SECRET = "test-secret-key-for-backend-signatures"


@pytest.fixture
def backend() -> Iterator[BackendServer]:
    server = BackendServer(SECRET).start()
    yield server
    server.stop()


def test_signature_is_hmac_sha256_of_timestamp_and_body() -> None:
    expected = hmac.new(b"k", b"1700000000.{}", hashlib.sha256).hexdigest()
    assert signature("k", "1700000000", b"{}") == f"sha256={expected}"


def test_call_posts_signed_json_and_returns_the_answer(backend: BackendServer) -> None:
    backend.reply = (200, b'{"reference": "REF-7", "customer": {"tier": "gold"}}')
    client = HttpBackend(backend.url + "/api/", SECRET, clock=lambda: 1764061200.0)
    result = client.call(
        "/customers/email", {"email": "a@b.co"}, conversation_id="wa:+62", timeout=2
    )
    assert result.ok and result.status == 200
    assert result.data["customer"] == {"tier": "gold"}
    (call,) = backend.calls
    assert call.path == "/api/customers/email"
    assert call.signature_ok
    assert call.headers["X-Sandi-Timestamp"] == "1764061200"
    assert call.headers["Content-Type"] == "application/json"
    assert call.json == {"email": "a@b.co"}


@pytest.mark.parametrize(
    ("reply", "error"),
    [
        ((500, b'{"error": "db down"}'), "HTTP 500"),
        ((404, b""), "HTTP 404"),
        ((200, b"<html>oops</html>"), "response is not JSON"),
        ((200, b"[1, 2]"), "response is not a JSON object"),
    ],
)
def test_failures_are_results_not_exceptions(
    backend: BackendServer, reply: tuple[int, bytes], error: str
) -> None:
    backend.reply = reply
    result = HttpBackend(backend.url, SECRET).call("/x", {}, conversation_id="c", timeout=2)
    assert not result.ok
    assert result.error == error


def test_timeout(backend: BackendServer) -> None:
    backend.hang.set()
    started = time.monotonic()
    result = HttpBackend(backend.url, SECRET).call("/slow", {}, conversation_id="c", timeout=0.2)
    assert not result.ok and result.error == "timed out"
    assert time.monotonic() - started < 2


def test_unreachable_back_end() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    result = HttpBackend(url, SECRET).call("/x", {}, conversation_id="c", timeout=1)
    assert not result.ok and result.error and result.error.startswith("unreachable")


def shop(app_config: dict[str, Any], backend: BackendServer) -> Chat:
    app_config.update(SANDI_BACKEND_URL=backend.url, SANDI_SECRET_KEY=SECRET)
    app = create_app(app_config)
    chat = Chat(Twilio(app.test_client()))
    chat.codes = SentCodes(app.extensions["sandi"])  # type: ignore[attr-defined]
    return chat


def change_email(chat: Chat) -> str:
    chat.say("ganti email")
    chat.say("budi@contoh.com")
    chat.say("ya")
    return chat.say(chat.codes.last().code)  # type: ignore[attr-defined]


def test_change_email_calls_the_back_end_and_saves_its_reference(
    app_config: dict[str, Any], backend: BackendServer, redis_client: Any
) -> None:
    backend.reply = (200, b'{"reference": "EM-2026-0042"}')
    chat = shop(app_config, backend)
    reply = change_email(chat)
    assert reply == (
        "Selesai! Alamat e-mail Anda sekarang budi@contoh.com. Nomor referensi: EM-2026-0042."
    )
    (call,) = backend.calls
    assert call.signature_ok and call.path == "/customers/email"
    assert call.json == {"phone": CUSTOMER, "email": "budi@contoh.com", "channel": "whatsapp"}


def test_back_end_failure_takes_the_error_branch(
    app_config: dict[str, Any], backend: BackendServer, redis_client: Any
) -> None:
    backend.reply = (503, b"{}")
    chat = shop(app_config, backend)
    assert change_email(chat).startswith("Maaf, sistem kami sedang sibuk")
    # The conversation is not stuck: the menu works.
    assert "Selamat datang" in chat.say("menu")
