"""The REST API: every status and error, each answer checked against the OpenAPI document."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app import create_app
from app.store.outbox import OutboxStore
from app.web.openapi import document
from app.wiring.services import Services
from tests.support.api import Api
from tests.support.clock import FakeClock
from tests.support.fake_twilio import ACCOUNT_SID as FAKE_ACCOUNT
from tests.support.fake_twilio import AUTH_TOKEN as FAKE_TOKEN
from tests.support.fake_twilio import FakeTwilio
from tests.support.otp import CUSTOMER, code_in, last_code, wrong

V = "/v1/verifications"


@pytest.fixture
def api(client: FlaskClient) -> Api:
    return Api(client)


def start(api: Api, status: int = 201, **body: Any) -> Any:
    return api.post(V, status, {"to": CUSTOMER, "channel": "sms", **body})


def test_done_means(api: Api, outbox: OutboxStore) -> None:
    """The issue's acceptance scenario, step by step."""
    v = start(api)
    assert v["status"] == "pending" and v["to"] == CUSTOMER and v["send_count"] == 1
    assert v["expires_at"] == "2026-11-25T09:05:00Z"
    code = last_code(outbox)
    bad = api.post(f"{V}/check", 200, {"to": CUSTOMER, "code": wrong(code)})
    assert (bad["valid"], bad["attempts_left"], bad["status"]) == (False, 4, "pending")
    good = api.post(f"{V}/check", 200, {"to": CUSTOMER, "code": code})
    assert (good["valid"], good["status"], good["id"]) == (True, "approved", v["id"])
    api.error("POST", f"{V}/check", 404, "not_found", json={"to": CUSTOMER, "code": code})
    api.error("POST", f"{V}/check", 404, "not_found", json={"id": v["id"], "code": code})
    assert api.get(f"{V}/{v['id']}")["status"] == "approved"

    locked = start(api, purpose="login")
    code = last_code(outbox)
    for left in (4, 3, 2, 1, 0):
        r = api.post(f"{V}/check", 200, {"id": locked["id"], "code": wrong(code)})
        assert r["attempts_left"] == left and not r["valid"]
    assert r["status"] == "max_attempts_reached"
    response = api.call("POST", f"{V}/check", 429, json={"id": locked["id"], "code": code})
    assert response.get_json()["error"]["code"] == "max_attempts_reached"
    assert response.headers["Retry-After"] == "300"

    err = api.error(
        "POST", V, 422, "country_not_allowed", json={"to": "+12025550123", "channel": "sms"}
    )
    assert "SANDI_ALLOWED_COUNTRIES" in err["message"] and err["field"] == "to"
    for body in api.bodies:
        assert code not in body


def test_auth(client: FlaskClient, services: Services, clock: FakeClock) -> None:
    body = {"to": CUSTOMER, "channel": "sms"}
    for headers in ({}, {"Authorization": "Bearer nope"}, {"Authorization": "Basic dGVzdA=="}):
        response = Api(client, headers).call("POST", V, 401, json=body)
        assert response.get_json()["error"]["code"] == "unauthorized"
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    Api(client, {"Authorization": "Bearer second-key"}).post(V, 201, body)

    key, secret = services.api_keys.create("backend", clock())
    assert key.sid.startswith("SK") and len(key.sid) == 34
    made = Api(client, {"Authorization": f"bearer {secret}"})
    made.get(f"{V}/VE{'0' * 32}", 404)
    assert services.api_keys.authenticate(secret, key.sid) == key
    assert services.api_keys.authenticate(secret, "SK" + "0" * 32) is None
    assert services.api_keys.revoke(key.sid, clock())
    made.call("GET", f"{V}/VE{'0' * 32}", 401)
    assert services.api_keys.authenticate(secret, key.sid) is None


def test_resend_is_the_same_verification_after_the_cooldown(
    api: Api, outbox: OutboxStore, clock: FakeClock
) -> None:
    first = start(api)
    clock.advance(seconds=12)
    response = api.call("POST", V, 429, json={"to": CUSTOMER, "channel": "sms"})
    error = response.get_json()["error"]
    assert error["code"] == "resend_cooldown" and error["retry_after"] == 18
    assert response.headers["Retry-After"] == "18"
    clock.advance(seconds=18)
    again = start(api, channel="whatsapp")
    assert again["id"] == first["id"] and again["send_count"] == 2
    assert again["channel"] == "whatsapp" and again["delivery"]["channel"] == "whatsapp"
    sent = outbox.read(CUSTOMER)
    assert len(sent) == 2
    # As Twilio Verify: the same code again, with its own expiry.
    assert code_in(sent[0]) == code_in(sent[1])
    assert again["expires_at"] == first["expires_at"]


@pytest.mark.parametrize(
    ("body", "status", "code", "field"),
    [
        ({"channel": "sms"}, 400, "invalid_parameter", "to"),
        ({"to": CUSTOMER}, 400, "invalid_parameter", "channel"),
        ({"to": 6281234567890, "channel": "sms"}, 400, "invalid_parameter", "to"),
        ({"to": CUSTOMER, "channel": "fax"}, 400, "invalid_parameter", "channel"),
        ({"to": CUSTOMER, "channel": "sms", "chanel": "x"}, 400, "invalid_parameter", "chanel"),
        ({"to": CUSTOMER, "channel": "sms", "purpose": "Log In"}, 400, "invalid_parameter", "purpose"),
        ({"to": CUSTOMER, "channel": "sms", "locale": "fr"}, 400, "invalid_parameter", "locale"),
        ({"to": CUSTOMER, "channel": "sms", "amount": 5}, 400, "invalid_parameter", "amount"),
        # The schema's patterns (E.164, an e-mail for email): 400 before the service.
        ({"to": "0812-3456-7890", "channel": "sms"}, 400, "invalid_parameter", "to"),
        ({"to": "+62 12", "channel": "sms"}, 400, "invalid_parameter", "to"),
        ({"to": "budi@", "channel": "email"}, 400, "invalid_parameter", "to"),
        ({"to": CUSTOMER, "channel": "email"}, 400, "invalid_parameter", "to"),
        # Well formed, but no such number: the service's 422.
        ({"to": "+6200000000", "channel": "sms"}, 422, "invalid_destination", "to"),
        ({"to": "+6591234567", "channel": "sms"}, 422, "country_not_allowed", "to"),
        ({"to": "a@b.co.id", "channel": "email", "purpose": "login"}, 422, "channel_not_allowed", "channel"),
        ({"to": CUSTOMER, "channel": "sms", "purpose": "payment"}, 422, "payment_binding_required", "amount"),
        ({"to": CUSTOMER, "channel": "sms", "amount": "1", "payee": "x"}, 400, "invalid_parameter", "amount"),
    ],
)  # fmt: skip
def test_start_refusals_name_the_field(
    api: Api, body: dict[str, Any], status: int, code: str, field: str, outbox: OutboxStore
) -> None:
    error = api.error("POST", V, status, code, json=body)
    assert error["field"] == field and field in error["message"]
    assert outbox.read(CUSTOMER) == []


@pytest.mark.parametrize(
    "raw",
    ["{not json", "[]", '"text"', "null", "", '{"to": "+62", "channel": "sms"'],
)
def test_malformed_bodies_are_400(api: Api, raw: str) -> None:
    api.error("POST", V, 400, "invalid_json", data=raw, content_type="application/json")
    api.error("POST", f"{V}/check", 400, "invalid_json", data=raw, content_type="text/plain")


def test_check_refusals(api: Api, outbox: OutboxStore) -> None:
    v = start(api)
    code = last_code(outbox)
    cases = [
        ({"id": v["id"]}, 400, "invalid_parameter", "code"),
        ({"id": v["id"], "code": 123456}, 400, "invalid_parameter", "code"),
        ({"id": v["id"], "code": "12a456"}, 400, "invalid_parameter", "code"),
        ({"id": v["id"], "code": "123"}, 400, "invalid_parameter", "code"),
        ({"id": v["id"], "code": "12345"}, 422, "invalid_code", "code"),
        ({"id": v["id"], "to": CUSTOMER, "code": code}, 400, "invalid_parameter", "to"),
        ({"code": code}, 400, "invalid_parameter", "to"),
        # Well formed; only the verification's state says it binds nothing: 422.
        ({"id": v["id"], "code": code, "amount": "1", "payee": "x"}, 422, "binding_not_allowed", "amount"),
        ({"to": CUSTOMER, "code": code, "amount": "1", "payee": "x"}, 400, "invalid_parameter", "amount"),
        ({"id": v["id"], "code": code, "amount": "1"}, 400, "invalid_parameter", "payee"),
        ({"id": v["id"], "code": code, "purpose": 7}, 400, "invalid_parameter", "purpose"),
    ]  # fmt: skip
    for body, status, error_code, field in cases:
        error = api.error("POST", f"{V}/check", status, error_code, json=body)
        assert error["field"] == field, (body, error)
        assert code not in error["message"] and "12a456" not in error["message"]
    for body in (
        {"id": "VE" + "1" * 32, "code": code},
        {"id": "nonsense", "code": code},
        {"to": "+6281298765432", "code": code},
        {"to": CUSTOMER, "code": code, "purpose": "signup"},
    ):
        api.error("POST", f"{V}/check", 404, "not_found", json=body)
    assert api.get(f"{V}/{v['id']}")["attempts_left"] == 5  # nothing above was a guess
    ok = api.post(f"{V}/check", 200, {"id": v["id"], "code": f"{code[:3]}-{code[3:]}"})
    assert ok["valid"]


def test_payment_check_needs_amount_and_payee(api: Api, outbox: OutboxStore) -> None:
    pay = {"purpose": "payment", "amount": "Rp150.000", "payee": "Toko Budi"}
    v = start(api, **pay)
    assert (v["amount"], v["payee"]) == ("Rp150.000", "Toko Budi")
    code = last_code(outbox)
    api.error(
        "POST", f"{V}/check", 422, "payment_binding_required", json={"id": v["id"], "code": code}
    )
    error = api.error(
        "POST", V, 409, "conflict", json={"to": CUSTOMER, "channel": "sms", **pay, "amount": "Rp1"}
    )
    assert error["verification_id"] == v["id"]
    ok = api.post(f"{V}/check", 200, {"to": CUSTOMER, "code": code, **pay})
    assert ok["valid"]  # fmt: skip


def test_get_and_cancel(api: Api, outbox: OutboxStore, clock: FakeClock) -> None:
    v = start(api)
    got = api.get(f"{V}/{v['id']}")
    assert got == v
    canceled = api.post(f"{V}/{v['id']}/cancel", 200)
    assert canceled["status"] == "canceled"
    assert api.error("POST", f"{V}/{v['id']}/cancel", 409, "not_pending")["message"].count(
        "canceled"
    )
    api.error("POST", f"{V}/VE{'2' * 32}/cancel", 404, "not_found")
    api.error("GET", f"{V}/VE{'2' * 32}", 404, "not_found")
    api.error("GET", f"{V}/not-an-id", 404, "not_found")
    w = start(api)
    clock.advance(minutes=5)
    assert api.get(f"{V}/{w['id']}")["status"] == "expired"
    api.error("POST", f"{V}/{w['id']}/cancel", 409, "not_pending")
    clock.advance(hours=23)
    assert api.get(f"{V}/{w['id']}")["status"] == "expired"  # still readable the next day


def test_delivery_failure_is_502_and_recorded(app_config: dict[str, Any]) -> None:
    """Twilio refuses the number: the caller gets 502, the verification records why."""
    fake = FakeTwilio().start()
    try:
        app = create_app(
            {
                **app_config,
                "SANDI_SANDBOX": "0",
                "TWILIO_ACCOUNT_SID": FAKE_ACCOUNT,
                "TWILIO_AUTH_TOKEN": FAKE_TOKEN,
                "TWILIO_SMS_FROM": "+14155550100",
                "SANDI_PUBLIC_URL": "http://localhost",
                "TWILIO_API_BASE_URL": fake.base_url,
            }
        )
        fake.reject(CUSTOMER, 21211)
        api = Api(app.test_client())
        error = api.error(
            "POST", V, 502, "delivery_failed", json={"to": CUSTOMER, "channel": "sms"}
        )
        v = api.get(f"{V}/{error['verification_id']}")
    finally:
        fake.stop()
    assert v["delivery"] == {
        "channel": "sms",
        "status": "failed",
        "error_code": "invalid_destination",
    }


def test_email_codes_for_login_are_refused_as_nist_asks(api: Api) -> None:
    error = api.error(
        "POST", V, 422, "channel_not_allowed",
        json={"to": "budi@example.co.id", "channel": "email", "purpose": "login"},
    )  # fmt: skip
    assert "NIST" in error["message"]


def test_send_limit_is_429_with_retry_after(api: Api) -> None:
    for i in range(10):
        start(api, purpose=f"p{i}")
    response = api.call("POST", V, 429, json={"to": CUSTOMER, "channel": "sms", "purpose": "p10"})
    assert response.get_json()["error"]["code"] == "rate_limited"
    assert 3500 < int(response.headers["Retry-After"]) <= 3600


def test_wrong_method_and_oversized_bodies_get_json_errors(api: Api, client: FlaskClient) -> None:
    response = client.get(V, headers=api.headers)
    assert response.status_code == 405 and response.get_json()["error"]["code"]
    response = client.post(
        V, data="x" * 70_000, headers=api.headers, content_type="application/json"
    )
    assert response.status_code == 413 and response.get_json()["error"]


def test_openapi_lists_every_route_and_needs_no_key(app: Flask, client: FlaskClient) -> None:
    served = client.get("/v1/openapi.json")
    assert served.status_code == 200
    doc = served.get_json()
    assert doc == document()
    assert doc["openapi"].startswith("3.1")
    routes = {
        (
            re.sub(
                r"<(\w+)>", r"{\1}", rule.rule.replace("<verification_id:verification_id>", "{id}")
            ),
            method.lower(),
        )
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/v1/")
        for method in rule.methods or ()
        if method not in {"HEAD", "OPTIONS"}
    }
    documented = {
        (path, method)
        for path, ops in doc["paths"].items()
        if path.startswith("/v1/")
        for method in ops
    }
    assert routes == documented


def test_client_ip_comes_from_the_proxy_only_when_trusted(app_config: dict[str, Any]) -> None:
    headers = {"X-Forwarded-For": "203.0.113.9", "Authorization": "Bearer test-api-key-1"}
    for trust, expected in (("1", "203.0.113.9"), ("0", "127.0.0.1")):
        app = create_app(
            {**app_config, "SANDI_TRUST_PROXY": trust, "SANDI_OTP_IP_LIMITS": "1/minute"}
        )
        app.extensions["sandi"].redis.flushdb()
        client = app.test_client()
        client.post(V, json={"to": CUSTOMER, "channel": "sms"}, headers=headers,
                    environ_base={"REMOTE_ADDR": "127.0.0.1"})  # fmt: skip
        keys = app.extensions["sandi"].redis.keys("sandi:ratelimit:*client_ip*")
        assert any(expected in k for k in keys), keys


def test_timestamps_are_utc(api: Api) -> None:
    v = start(api)
    created = datetime.fromisoformat(v["created_at"].replace("Z", "+00:00"))
    assert created == datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


def test_redis_down_is_503_not_500(app_config: dict[str, Any], redis_process: Any) -> None:
    app = create_app({**app_config, "REDIS_URL": redis_process.url})
    client = app.test_client()
    headers = {"Authorization": "Bearer test-api-key-1"}
    assert (
        client.post(V, json={"to": CUSTOMER, "channel": "sms"}, headers=headers).status_code == 201
    )
    redis_process.stop()
    for call in (
        lambda: client.post(V, json={"to": "+6281298765432", "channel": "sms"}, headers=headers),
        lambda: client.post(f"{V}/check", json={"to": CUSTOMER, "code": "123456"}, headers=headers),
    ):
        response = call()
        assert response.status_code == 503
        assert response.get_json()["error"]["code"] == "unavailable"
