"""The simulator shows every code a conversation sent, and Reset cancels them."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.support.staff import with_csrf

CUSTOMER = {"channel": "whatsapp", "from": "+6281234567890"}
OUTBOX = "/simulator/api/outbox?to=%2B6281234567890&channel=whatsapp"


@pytest.fixture
def client(app):
    """A browser on the simulator page: its state-changing calls carry the page's CSRF token."""
    return with_csrf(app.test_client())


def say(client: FlaskClient, body: str) -> str:
    data = client.post("/simulator/api/send", json={**CUSTOMER, "body": body}).get_json()
    return "\n".join(r["text"] for r in data["replies"])


def outbox(client: FlaskClient, *also: str) -> dict[str, Any]:
    query = "".join(f"&also={a}" for a in also)
    data: dict[str, Any] = client.get(OUTBOX + query).get_json()
    return data


def test_an_email_code_shows_in_the_numbers_outbox_pane(client: FlaskClient) -> None:
    say(client, "ganti email")
    say(client, "budi.baru@contoh.co.id")
    assert "budi.baru@contoh.co.id" in say(client, "ya")
    data = outbox(client)
    assert data["addresses"] == ["+6281234567890", "budi.baru@contoh.co.id"]
    emails = [m for m in data["messages"] if m["channel"] == "email"]
    assert len(emails) == 1 and emails[0]["to"] == "budi.baru@contoh.co.id"
    code = emails[0]["code"]
    assert say(client, code).startswith("Selesai!")
    # The code was used; the page still passes the address it saw, and still shows it.
    later = outbox(client, "budi.baru@contoh.co.id")
    assert [m["code"] for m in later["messages"] if m["channel"] == "email"] == [code]


def test_reset_cancels_the_pending_code_so_the_next_one_goes_at_once(
    client: FlaskClient,
) -> None:
    say(client, "verifikasi")
    assert "Kode sudah dikirim" in say(client, "sms")
    reset = client.post("/simulator/api/reset", json=CUSTOMER).get_json()
    assert reset["cancelled"] == 1
    assert outbox(client)["messages"] == []
    say(client, "verifikasi")
    reply = say(client, "sms")
    assert "Kode sudah dikirim" in reply, reply  # not "the previous code is still valid"
    assert len(outbox(client)["messages"]) == 1


def test_reset_cancels_an_email_code_too(client: FlaskClient) -> None:
    say(client, "ganti email")
    say(client, "budi.baru@contoh.co.id")
    say(client, "ya")
    assert client.post("/simulator/api/reset", json=CUSTOMER).get_json()["cancelled"] == 1
    assert outbox(client, "budi.baru@contoh.co.id")["messages"] == []


def test_the_language_is_auto_by_default_as_on_the_webhook(client: FlaskClient) -> None:
    page = client.get("/simulator").get_data(as_text=True)
    assert '<option value="" selected>Auto' in page
    client.post("/simulator/api/reset", json={**CUSTOMER, "locale": ""})
    assert say(client, "hello").startswith("Hello! Welcome")  # English, though +62
