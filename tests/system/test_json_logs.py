"""SANDI_LOG_FORMAT=json: one JSON object per line, each carrying its request's context."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from app import logs
from tests.support.twilio_webhooks import Twilio, inbound_form


@pytest.fixture
def json_lines(monkeypatch: pytest.MonkeyPatch) -> Iterator[io.StringIO]:
    """Sandi's JSON handler on the root logger, writing to a buffer."""
    monkeypatch.setenv("SANDI_LOG_FORMAT", "json")
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(logs.formatter())
    handler.addFilter(logs.RequestContext())
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield out
    finally:
        root.removeHandler(handler)


def _records(out: io.StringIO) -> list[dict[str, str]]:
    return [json.loads(line) for line in out.getvalue().splitlines()]


def test_a_webhook_turns_lines_carry_request_conversation_and_message(
    json_lines: io.StringIO, twilio: Twilio
) -> None:
    form = inbound_form("halo")
    response = twilio.post(form, headers={"X-Request-Id": "req-abc.1"})
    assert response.status_code == 200
    assert response.headers["X-Request-Id"] == "req-abc.1"
    records = [r for r in _records(json_lines) if r["request_id"] == "req-abc.1"]
    assert records, json_lines.getvalue()
    for record in records:
        assert {"time", "level", "logger", "message"} <= record.keys()
        assert record["message_sid"] == form["MessageSid"]
        assert record["conversation"] == logs.mask(form["From"])
        assert "81234567890" not in json.dumps(record)  # the number only masked


def test_an_otp_requests_lines_carry_the_verification_id(
    json_lines: io.StringIO, client: object, app_config: dict[str, object]
) -> None:
    from app import create_app

    app_config["SANDI_API_KEYS"] = "k1"
    api = create_app(app_config).test_client()
    started = api.post(
        "/v1/verifications",
        json={"to": "+6281234567890", "channel": "sms"},
        headers={"Authorization": "Bearer k1"},
    )
    assert started.status_code == 201
    vid = started.get_json()["id"]
    request_id = started.headers["X-Request-Id"]
    assert len(request_id) == 32  # made for it: the caller sent none
    lines = [r for r in _records(json_lines) if r["request_id"] == request_id]
    assert any(r["verification_id"] == vid and "otp new" in r["message"] for r in lines)


def test_an_injected_request_id_is_replaced(json_lines: io.StringIO, twilio: Twilio) -> None:
    response = twilio.post(inbound_form("halo"), headers={"X-Request-Id": "bad id; level=ERROR"})
    assert response.headers["X-Request-Id"] != "bad id; level=ERROR"
    assert all(r["request_id"] != "bad id; level=ERROR" for r in _records(json_lines))


def test_an_unknown_format_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SANDI_LOG_FORMAT", "xml")
    with pytest.raises(ValueError, match="SANDI_LOG_FORMAT must be text or json"):
        logs.formatter()
