"""The sandbox outbox: what would have gone out, per address, newest last."""

from __future__ import annotations

from app import create_app
from app.web.current import EXTENSION
from tests.support.outbox import sandbox_send


def test_outbox_lists_what_was_sent_newest_last(app, client, clock) -> None:
    services = app.extensions[EXTENSION]
    sandbox_send(services, "sms", "+6281234567890", "pertama")
    clock.advance(seconds=5)
    sandbox_send(services, "whatsapp", "+6281234567890", "kedua")
    sandbox_send(services, "sms", "+6289999999999", "orang lain")

    data = client.get("/sandbox/outbox?to=%2B6281234567890").get_json()
    assert [m["body"] for m in data["messages"]] == ["pertama", "kedua"]
    first = data["messages"][0]
    assert first["channel"] == "sms"
    assert first["to"] == "+6281234567890"
    assert first["created_at"] == "2026-11-25T09:00:00+00:00"

    only_wa = client.get("/sandbox/outbox?to=whatsapp:%2B6281234567890").get_json()
    assert [m["body"] for m in only_wa["messages"]] == ["kedua"]


def test_outbox_normalises_and_validates_the_address(client) -> None:
    assert client.get("/sandbox/outbox").status_code == 400
    bad = client.get("/sandbox/outbox?to=halo")
    assert bad.status_code == 400
    assert "E.164" in bad.get_json()["error"]["message"]
    assert client.get("/sandbox/outbox?to=Budi@Example.COM").get_json()["to"] == "budi@example.com"


def test_outbox_can_be_cleared(app, client) -> None:
    sandbox_send(app.extensions[EXTENSION], "sms", "+6281234567890", "x")
    assert client.delete("/sandbox/outbox?to=%2B6281234567890").status_code == 200
    assert client.get("/sandbox/outbox?to=%2B6281234567890").get_json()["messages"] == []


def test_outbox_route_does_not_exist_outside_sandbox(app_config, redis_client) -> None:
    app_config.update(
        SANDI_SANDBOX="0", TWILIO_ACCOUNT_SID="AC" + "1" * 32, TWILIO_AUTH_TOKEN="tok"
    )
    client = create_app(app_config).test_client()
    assert client.get("/sandbox/outbox?to=%2B6281234567890").status_code == 404
