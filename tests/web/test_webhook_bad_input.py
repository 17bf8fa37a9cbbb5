"""Malformed webhooks get a 4xx and a log line; never a 500, never a state change."""

from __future__ import annotations

import logging

import pytest

from tests.support.twilio_webhooks import Twilio, encode, inbound_form, sign

URL = "http://localhost/webhooks/twilio/messages"


def without(field: str):
    form = inbound_form("halo")
    form.pop(field)
    return form


@pytest.mark.parametrize(
    ("form", "status", "needle"),
    [
        (without("From"), 400, "From and To are required"),
        (without("To"), 400, "From and To are required"),
        (inbound_form("halo", extra={"From": "messenger:12345"}), 400, "unsupported channel"),
        (inbound_form("halo", extra={"From": "whatsapp:12345"}), 400, "E.164"),
        (inbound_form("halo", extra={"From": "+6281234567890"}), 400, "same channel"),
        (inbound_form("x" * 1601), 400, "longer than 1600"),
        (inbound_form("halo", extra={"NumMedia": "lots"}), 400, "NumMedia"),
        (inbound_form("halo", extra={"Latitude": "north", "Longitude": "1"}), 400, "numbers"),
        (
            inbound_form("halo", extra={"MessageSid": "bogus", "SmsMessageSid": ""}),
            400,
            "MessageSid",
        ),
    ],
)
def test_signed_but_malformed_forms_are_400(
    twilio: Twilio, redis_client, caplog, form, status, needle
) -> None:
    with caplog.at_level(logging.WARNING):
        response = twilio.post(form)
    assert response.status_code == status
    assert needle in response.get_data(as_text=True)
    assert any("webhook refused" in r.getMessage() for r in caplog.records)
    assert redis_client.dbsize() == 0


def test_a_megabyte_body_is_refused(client, redis_client) -> None:
    form = inbound_form("x" * (1024 * 1024))
    response = client.post(
        "/webhooks/twilio/messages",
        data=encode(form),
        content_type="application/x-www-form-urlencoded",
        headers={"X-Twilio-Signature": sign(URL, form)},
    )
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "request_entity_too_large"
    assert redis_client.dbsize() == 0


def test_invalid_utf8_is_refused(client, redis_client) -> None:
    body = encode(inbound_form("halo")).encode() + b"&Extra=%FF%FE"
    response = client.post(
        "/webhooks/twilio/messages",
        data=body,
        content_type="application/x-www-form-urlencoded",
        headers={"X-Twilio-Signature": "x"},
    )
    assert response.status_code == 400
    assert "UTF-8" in response.get_data(as_text=True)
    assert redis_client.dbsize() == 0


def test_raw_invalid_utf8_bytes_are_refused(client, redis_client) -> None:
    response = client.post(
        "/webhooks/twilio/messages",
        data=b"Body=\xff\xfe&From=%2B6281234567890",
        content_type="application/x-www-form-urlencoded",
        headers={"X-Twilio-Signature": "x"},
    )
    assert response.status_code == 400
    assert redis_client.dbsize() == 0


def test_get_is_not_allowed(client, caplog) -> None:
    with caplog.at_level(logging.WARNING):
        response = client.get("/webhooks/twilio/messages?Body=halo")
    assert response.status_code == 405
    assert "POST" in response.headers["Allow"]
    assert any("405" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize("content_type", ["application/json", "text/plain", "multipart/form-data"])
def test_wrong_content_type_is_415(client, redis_client, content_type) -> None:
    response = client.post(
        "/webhooks/twilio/messages",
        data='{"Body": "halo"}',
        content_type=content_type,
        headers={"X-Twilio-Signature": "x"},
    )
    assert response.status_code == 415
    assert redis_client.dbsize() == 0


def test_unknown_extra_fields_are_accepted_and_signed(twilio: Twilio) -> None:
    form = inbound_form("halo", extra={"SomeNewTwilioField": "42", "ChannelMetadata": "{}"})
    assert twilio.post(form).status_code == 200


def test_media_and_location_messages_parse(twilio: Twilio) -> None:
    media = inbound_form(
        "",
        extra={
            "NumMedia": "1",
            "MediaUrl0": "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1",
            "MediaContentType0": "image/jpeg",
        },
    )
    assert twilio.post(media).status_code == 200
    location = inbound_form(
        "", extra={"Latitude": "-6.2", "Longitude": "106.8", "MessageType": "location"}
    )
    assert twilio.post(location).status_code == 200
