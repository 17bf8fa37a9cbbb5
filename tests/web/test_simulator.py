"""The simulator: its JSON API, its access rules, and the page in a real Chromium."""

from __future__ import annotations

import base64

import pytest

from app import create_app
from app.web.current import EXTENSION
from tests.support.browser import chromium, screenshot_path
from tests.support.live_server import serve
from tests.support.outbox import sandbox_send

CUSTOMER = {"channel": "whatsapp", "from": "+6281234567890"}


def test_send_goes_through_the_signed_webhook(client, redis_client) -> None:
    data = client.post("/simulator/api/send", json={**CUSTOMER, "body": "halo"}).get_json()
    assert data["status"] == 200
    assert data["replies"][0]["text"].startswith("Halo")
    assert "<Message" in data["twiml"]
    assert redis_client.get("sandi:{wa:+6281234567890}:session")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"channel": "fax", "from": "+6281234567890", "body": "x"}, "channel"),
        ({"channel": "sms", "from": "0812", "body": "x"}, "E.164"),
        ({**CUSTOMER, "body": 42}, "body"),
        ({**CUSTOMER, "body": "x" * 1601}, "body"),
    ],
)
def test_send_refuses_bad_input(client, body, message) -> None:
    response = client.post("/simulator/api/send", json=body)
    assert response.status_code == 400
    assert message in response.get_json()["error"]["message"]


def test_send_needs_json(client) -> None:
    assert client.post("/simulator/api/send", data="halo").status_code == 400


def test_reset_forgets_the_conversation_and_sets_the_language(client, redis_client) -> None:
    client.post("/simulator/api/send", json={**CUSTOMER, "body": "apa kabar"})
    response = client.post("/simulator/api/reset", json={**CUSTOMER, "locale": "en"})
    assert response.get_json()["profile"] == {"locale": "en"}
    assert redis_client.get("sandi:{wa:+6281234567890}:session") is None
    reply = client.post("/simulator/api/send", json={**CUSTOMER, "body": "apa kabar"}).get_json()
    assert reply["replies"][0]["text"].startswith("Hello! Welcome")  # the chosen language wins


def test_pages_are_off_in_production_unless_enabled(redis_url, redis_client, tmp_path) -> None:
    base = {
        "TESTING": True,
        "REDIS_URL": redis_url,
        "SANDI_ENV": "production",
        "SANDI_SECRET_KEY": "s",
        "TWILIO_AUTH_TOKEN": "t",
        "SANDI_INSTANCE_DIR": str(tmp_path),
    }
    assert create_app(base).test_client().get("/simulator").status_code == 404
    enabled = create_app({**base, "SANDI_PAGES": "1", "SANDI_ADMIN_PASSWORD": "rahasia"})
    client = enabled.test_client()
    assert client.get("/simulator").status_code == 401
    wrong = base64.b64encode(b"admin:salah").decode()
    assert client.get("/simulator", headers={"Authorization": f"Basic {wrong}"}).status_code == 401
    right = base64.b64encode(b"admin:rahasia").decode()
    assert client.get("/simulator", headers={"Authorization": f"Basic {right}"}).status_code == 200


@pytest.mark.browser
def test_simulator_page_chats_and_shows_the_outbox(app) -> None:
    sandbox_send(app.extensions[EXTENSION], "sms", "+6281234567890", "Kode verifikasi TOKO: 482913")
    with serve(app) as base, chromium() as browser:
        page = browser.new_page()
        page.goto(base + "/simulator")
        page.fill("#message", "halo")
        page.press("#message", "Enter")
        page.wait_for_selector(".bubble.out")
        assert page.inner_text(".bubble.out").startswith("Halo Budi")
        page.wait_for_selector("#outbox .entry")
        assert "482913" in page.inner_text("#outbox")
        page.screenshot(path=screenshot_path("simulator"), full_page=True)
        page.select_option("#locale", "en")
        page.wait_for_function("document.querySelectorAll('.bubble').length === 0")
        page.fill("#message", "apa kabar")
        page.press("#message", "Enter")
        page.wait_for_selector(".bubble.out")
        assert page.inner_text(".bubble.out").startswith("Hello Budi! Welcome")
        # Quick replies are buttons on WhatsApp; tapping one sends its payload.
        page.click(".buttons button:has-text('Verify my number')")
        page.wait_for_function("document.querySelectorAll('.bubble.out').length === 2")
        assert "How should we send it?" in page.inner_text(".bubble.out >> nth=1")
