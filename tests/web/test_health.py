"""Health, readiness and metrics — including a Redis that goes away and comes back."""

from __future__ import annotations

from app import create_app
from tests.support.twilio_webhooks import Twilio


def test_healthz(client) -> None:
    assert client.get("/healthz").get_json() == {"status": "ok"}


def test_readyz_when_redis_answers(client) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_json()["redis"] == "ok"


def test_redis_outage_gives_503_and_recovers(app_config, redis_process) -> None:
    app_config["REDIS_URL"] = redis_process.url
    app = create_app(app_config)
    client = app.test_client()
    twilio = Twilio(client)
    assert twilio.send("halo").status_code == 200

    redis_process.stop()
    assert client.get("/readyz").status_code == 503
    down = twilio.send("halo lagi")
    assert down.status_code == 503
    assert down.headers["Retry-After"] == "1"
    assert client.get("/healthz").status_code == 200  # the process itself is fine

    redis_process.start()
    assert client.get("/readyz").status_code == 200
    assert twilio.send("sudah kembali").status_code == 200


def test_metrics_count_messages_duplicates_and_forgeries(twilio: Twilio, client) -> None:
    from tests.support.twilio_webhooks import inbound_form

    form = inbound_form("halo")
    twilio.post(form)
    twilio.post(form)
    twilio.send("hello", channel="sms", sender="+6591234567")
    twilio.post(inbound_form("x"), signature="bad")
    text = client.get("/metrics").get_data(as_text=True)
    assert 'sandi_inbound_messages_total{channel="whatsapp"} 1.0' in text
    assert 'sandi_inbound_messages_total{channel="sms"} 1.0' in text
    assert "sandi_duplicate_messages_total 1.0" in text
    assert "sandi_signature_failures_total 1.0" in text
    assert 'sandi_reply_seconds_count{channel="whatsapp"} 2.0' in text
    assert "+62" not in text
