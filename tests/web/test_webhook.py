"""The inbound Messaging webhook, driven exactly as Twilio drives it."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from tests.support.twilio_webhooks import (
    BUSINESS_SMS,
    BUSINESS_WHATSAPP,
    CUSTOMER,
    Twilio,
    inbound_form,
    sign,
)


def messages(response) -> list[ET.Element]:
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "application/xml"
    root = ET.fromstring(response.get_data())
    assert root.tag == "Response"
    return root.findall("Message")


def test_whatsapp_greeting_gets_a_twiml_reply_from_the_business_number(twilio: Twilio) -> None:
    (reply,) = messages(twilio.send("halo"))
    assert reply.get("from") == f"whatsapp:{BUSINESS_WHATSAPP}"
    assert reply.get("to") == f"whatsapp:{CUSTOMER}"
    assert reply.text.startswith("Halo Budi! Selamat datang di Toko Kenari.")


def test_sms_reply_comes_from_the_number_written_to(twilio: Twilio) -> None:
    (reply,) = messages(twilio.send("hello", channel="sms", sender="+6591234567"))
    assert reply.get("from") == BUSINESS_SMS
    assert reply.get("to") == "+6591234567"
    assert reply.text.startswith("Hello! Welcome to Toko Kenari.")


def test_reply_uses_the_to_number_even_when_the_business_has_several(twilio: Twilio) -> None:
    (reply,) = messages(twilio.send("halo", to="+6221555000"))
    assert reply.get("from") == "whatsapp:+6221555000"


def test_forged_signature_is_refused_with_no_detail(twilio: Twilio, redis_client) -> None:
    response = twilio.post(inbound_form("halo"), signature="Zm9yZ2Vk")
    assert response.status_code == 403
    assert response.get_data() == b""
    assert redis_client.dbsize() == 0


def test_missing_signature_is_refused(client, redis_client) -> None:
    from tests.support.twilio_webhooks import encode

    response = client.post(
        "/webhooks/twilio/messages",
        data=encode(inbound_form("halo")),
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 403
    assert redis_client.dbsize() == 0


def test_signature_from_another_token_is_refused(client) -> None:
    response = Twilio(client, token="not-the-token").send("halo")
    assert response.status_code == 403


def test_signature_covers_a_raw_query_string_with_percent_escapes(twilio: Twilio) -> None:
    # request.url would decode %27 to ' and break the signature; the raw query must be used.
    (reply,) = messages(twilio.post(inbound_form("halo"), query="src=Couldn%27t+find&z=%C3%A9"))
    assert reply.text.startswith("Halo")


def test_tampered_parameter_is_refused(twilio: Twilio) -> None:
    form = inbound_form("halo")
    signature = sign("http://localhost/webhooks/twilio/messages", form)
    form["Body"] = "halo!"
    assert twilio.post(form, signature=signature).status_code == 403


def test_repeated_keys_are_all_signed(twilio: Twilio) -> None:
    form = inbound_form("halo")
    form.add("MediaUrl0", "https://api.twilio.com/a")
    form.add("MediaUrl0", "https://api.twilio.com/b")
    (reply,) = messages(twilio.post(form))
    assert reply.text.startswith("Halo")


def test_public_url_is_what_gets_checked_behind_a_proxy(app_config, redis_client) -> None:
    from app import create_app

    app_config["SANDI_PUBLIC_URL"] = "https://bot.example.co.id/"
    client = create_app(app_config).test_client()
    twilio = Twilio(client)
    form = inbound_form("halo")
    good = sign("https://bot.example.co.id/webhooks/twilio/messages?x=1", form)
    assert twilio.post(form, query="x=1", signature=good).status_code == 200
    # The internal URL the proxy forwarded to is not what Twilio signed.
    internal = sign("http://localhost/webhooks/twilio/messages?x=1", inbound_form("halo"))
    assert twilio.post(inbound_form("halo"), query="x=1", signature=internal).status_code == 403


def test_trust_proxy_uses_forwarded_scheme_and_host(app_config, redis_client) -> None:
    from app import create_app

    app_config["SANDI_TRUST_PROXY"] = "1"
    app_config["SANDI_ALLOWED_HOSTS"] = "bot.example.co.id"  # the Host check (issue 13)
    client = create_app(app_config).test_client()
    twilio = Twilio(client)
    form = inbound_form("halo")
    signature = sign("https://bot.example.co.id/webhooks/twilio/messages", form)
    response = twilio.post(
        form,
        signature=signature,
        headers={"X-Forwarded-Proto": "https", "X-Forwarded-Host": "bot.example.co.id"},
    )
    assert response.status_code == 200


def test_duplicate_message_sid_gets_the_same_reply_and_runs_once(
    twilio: Twilio, redis_client
) -> None:
    form = inbound_form("apa kabar")
    first = twilio.post(form)
    second = twilio.post(form)
    assert first.get_data() == second.get_data()
    session = redis_client.get("sandi:{wa:+6281234567890}:session")
    import json

    assert len(json.loads(session)["history"]) == 1


def test_nothing_to_say_is_an_empty_response(twilio: Twilio) -> None:
    # After STOP the bot says nothing at all: a well-formed, empty TwiML document.
    from app.web.twiml import empty_twiml

    assert ET.fromstring(empty_twiml()).tag == "Response"
    assert messages(twilio.send("   ")) != []
    assert messages(twilio.send("STOP")) != []
    assert messages(twilio.send("halo")) == []


def test_signature_with_the_default_port_is_accepted(twilio: Twilio) -> None:
    # Twilio may sign the URL with ":80" (":443") that the request's Host lacks.
    form = inbound_form("halo")
    signature = sign("http://localhost:80/webhooks/twilio/messages", form)
    (reply,) = messages(twilio.post(form, signature=signature))
    assert reply.text.startswith("Halo")
    other_port = sign("http://localhost:8080/webhooks/twilio/messages", form)
    assert twilio.post(form, signature=other_port).status_code == 403


def test_own_signature_is_the_twilio_librarys() -> None:
    from twilio.request_validator import RequestValidator
    from werkzeug.datastructures import MultiDict

    from app.web.twilio_request import twilio_signature

    url = "https://bot.example.co.id/webhooks/twilio/messages?src=Couldn%27t"
    forms = [
        MultiDict(),
        MultiDict(inbound_form("apa itu kode OTP? é ✓")),
        MultiDict([("b", "2"), ("a", "x"), ("a", "y"), ("a", "x"), ("A", ""), ("a", "")]),
    ]
    for form in forms:
        expected = RequestValidator("tok-ën").compute_signature(url, form)
        assert twilio_signature("tok-ën", url, form) == expected
    assert twilio_signature("tok", url, forms[2]) != twilio_signature("tok", url + "x", forms[2])
