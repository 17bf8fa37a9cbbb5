"""The two OpenAPI documents are valid, served, complete, and say what the code does.

openapi-spec-validator checks both documents as served; every example in them
validates against its own schema; the routes of each API are exactly the
documented ones; and the bodies the issue found refused although schema-valid
are now outside the schema and answered 400, while their valid neighbours pass.
"""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate

from app.web import openapi_v2
from app.web.openapi import SCHEMAS
from app.web.openapi_schemas import CHECK_REQUEST, RELEASE_REQUEST, START_REQUEST
from tests.support.otp import CUSTOMER

V1_KEY = "contract-key"


@pytest.fixture(autouse=True)
def _config(app_config: dict[str, Any], redis_client: Any) -> None:
    app_config.update(SANDI_API_KEYS=V1_KEY, SANDI_SECRET_KEY="contract-secret")


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.mark.parametrize("path", ["/v1/openapi.json", "/v2/openapi.json"])
def test_both_documents_are_valid_openapi_and_need_no_key(client: FlaskClient, path: str) -> None:
    served = client.get(path)
    assert served.status_code == 200
    doc = served.get_json()
    assert doc["openapi"] == "3.1.0" and doc["servers"]
    validate(doc)  # openapi-spec-validator: raises on any fault


def test_every_example_is_valid_against_its_schema() -> None:
    for name, schema in SCHEMAS.items():
        validator = Draft202012Validator(schema)
        assert schema.get("examples"), f"{name} has no example"
        for example in schema["examples"]:
            assert not list(validator.iter_errors(example)), (name, example)
    for schema in openapi_v2.document()["components"]["schemas"].values():
        for example in schema.get("examples", []):
            Draft202012Validator(schema).validate(example)


def test_the_v2_document_lists_exactly_the_v2_routes(app: Flask) -> None:
    doc = openapi_v2.document()
    documented = {
        (path, method)
        for path, ops in doc["paths"].items()
        for method in ops
        if method != "parameters"
    }
    served = {
        (rule.rule.replace("<sid>", "{ServiceSid}").replace("<ref>", "{Sid}"), method.lower())
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/v2/") and "<path:rest>" not in rule.rule and rule.rule != "/v2/"
        for method in rule.methods or ()
        if method not in {"HEAD", "OPTIONS"}
    }
    assert served == documented


def test_check_is_not_read_as_an_id(client: FlaskClient) -> None:
    """``OPTIONS /v1/verifications/check`` offers POST only, and GET there is a 405."""
    allowed = client.options("/v1/verifications/check").headers["Allow"]
    assert set(allowed.replace(" ", "").split(",")) == {"POST", "OPTIONS"}
    got = client.get("/v1/verifications/check", headers={"Authorization": f"Bearer {V1_KEY}"})
    assert got.status_code == 405 and got.get_json()["error"]["code"] == "method_not_allowed"
    assert "GET" in client.options(f"/v1/verifications/VE{'0' * 32}").headers["Allow"]


@pytest.mark.parametrize(
    ("schema", "body"),
    [
        (START_REQUEST, {"to": CUSTOMER, "channel": "sms", "amount": "1", "payee": "Toko"}),
        (START_REQUEST, {"to": "+" + "9" * 254, "channel": "sms"}),
        (START_REQUEST, {"to": CUSTOMER, "channel": "email"}),
        (START_REQUEST, {"to": CUSTOMER, "channel": "sms", "purpose": "payment"}),
        (START_REQUEST, {"to": CUSTOMER, "channel": "sms", "purpose": "login", "amount": "1"}),
        (CHECK_REQUEST, {"to": CUSTOMER, "id": "VE" + "0" * 32, "code": "123456"}),
        (CHECK_REQUEST, {"code": "123456"}),
        (CHECK_REQUEST, {"to": CUSTOMER, "code": "123"}),
        (CHECK_REQUEST, {"to": CUSTOMER, "code": "123456", "amount": " ", "payee": "x"}),
        (RELEASE_REQUEST, {"to": ""}),
        (RELEASE_REQUEST, {"to": CUSTOMER, "channel": None}),
    ],
)
def test_what_the_code_refuses_is_outside_the_schema(
    client: FlaskClient, schema: dict[str, Any], body: dict[str, Any]
) -> None:
    assert list(Draft202012Validator(schema).iter_errors(body)), body
    path = {
        id(START_REQUEST): "/v1/verifications",
        id(CHECK_REQUEST): "/v1/verifications/check",
        id(RELEASE_REQUEST): "/v1/handoffs/release",
    }[id(schema)]
    answer = client.post(path, json=body, headers={"Authorization": f"Bearer {V1_KEY}"})
    assert answer.status_code in {400, 422}, answer.get_json()
    if answer.status_code == 422:
        assert answer.get_json()["error"]["code"] == "payment_binding_required"


@pytest.mark.parametrize(
    "body",
    [
        {"to": CUSTOMER, "channel": "sms"},
        {"to": CUSTOMER, "channel": "auto", "locale": "en-US"},
        {"to": "budi@example.co.id", "channel": "email"},
        {"to": CUSTOMER, "channel": "sms", "purpose": "payment", "amount": "Rp1", "payee": "T"},
    ],
)
def test_schema_valid_starts_are_accepted(client: FlaskClient, body: dict[str, Any]) -> None:
    assert not list(Draft202012Validator(START_REQUEST).iter_errors(body))
    answer = client.post(
        "/v1/verifications", json=body, headers={"Authorization": f"Bearer {V1_KEY}"}
    )
    assert answer.status_code == 201, answer.get_json()


def test_a_503_carries_retry_after_and_a_documented_code(client: FlaskClient) -> None:
    doc = client.get("/v1/openapi.json").get_json()
    codes = doc["components"]["schemas"]["Error"]["properties"]["error"]["properties"]["code"]
    assert {"unavailable", "busy", "resend_cooldown", "not_found"} <= set(codes["enum"])
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            for status in ("429", "503"):
                if status in op["responses"] and path.startswith("/v1/verifications"):
                    assert "Retry-After" in op["responses"][status]["headers"], (path, method)
