"""Issue 13.9, the API and operations side: each hostile input a 4xx, Redis OOM a 503."""

from __future__ import annotations

import runpy
from pathlib import Path
from typing import Any

import pytest
import redis
from flask import Flask
from gunicorn.config import Config

from app import create_app
from app.config import ROOT
from tests.support.otp import API_KEY, AUTH, CUSTOMER
from tests.support.redis_servers import RedisProcess
from tests.support.twilio_webhooks import Twilio, inbound_form


@pytest.fixture
def api_app(app_config: dict[str, Any], redis_client: Any) -> Flask:
    app_config["SANDI_API_KEYS"] = API_KEY
    return create_app(app_config)


def test_deeply_nested_json_is_a_400_not_a_500(api_app: Flask) -> None:
    client = api_app.test_client()
    deep = "[" * 20_000 + "]" * 20_000  # under the 64 KB body limit
    for path in ("/v1/verifications", "/v1/verifications/check"):
        answer = client.post(path, data=deep, headers=AUTH, content_type="application/json")
        assert answer.status_code == 400, (path, answer.status_code)
        assert answer.get_json()["error"]["code"] == "invalid_json"
    simulator = client.post("/simulator/api/send", data=deep, content_type="application/json")
    assert simulator.status_code in (400, 403)  # no CSRF token: refused before parsing, or 400


@pytest.mark.parametrize(
    ("method", "path", "data"),
    [
        ("GET", "/v2/Services?PageSize=%C2%B2", None),
        ("GET", "/v2/Services?Page=%C2%B2", None),
        ("POST", "/v2/Services", {"FriendlyName": "Toko", "CodeLength": "²"}),
        ("POST", "/v2/Services", {"FriendlyName": "Toko", "CodeLength": "٦"}),
    ],
)
def test_superscript_and_other_script_digits_in_v2_numbers_are_60200(
    api_app: Flask, method: str, path: str, data: dict[str, str] | None
) -> None:
    svc = api_app.extensions["sandi"]
    key, secret = svc.api_keys.create("v2", svc.clock())
    answer = api_app.test_client().open(path, method=method, data=data, auth=(key.sid, secret))
    assert answer.status_code == 400, answer.get_data(as_text=True)
    assert answer.get_json()["code"] == 60200


def _code(app: Flask, to: str) -> str:
    return str(app.extensions["sandi"].outbox.read(to)[-1]["code"])


def test_a_check_by_id_honours_the_purpose_and_says_what_it_verified(api_app: Flask) -> None:
    client = api_app.test_client()
    started = client.post(
        "/v1/verifications",
        json={"to": CUSTOMER, "channel": "sms", "purpose": "signup"},
        headers=AUTH,
    ).get_json()
    code = _code(api_app, CUSTOMER)
    # A purpose given is honoured: a signup code does not approve a login.
    other = client.post(
        "/v1/verifications/check",
        json={"id": started["id"], "code": code, "purpose": "login"},
        headers=AUTH,
    )
    assert other.status_code == 404
    right = client.post(
        "/v1/verifications/check",
        json={"id": started["id"], "code": code, "purpose": "signup"},
        headers=AUTH,
    ).get_json()
    assert right["valid"] is True
    assert (right["to"], right["purpose"]) == (CUSTOMER, "signup")


def test_caller_chosen_purposes_do_not_grow_the_metrics(api_app: Flask) -> None:
    client = api_app.test_client()
    for n in range(3):
        body = {"to": f"+62812345670{n}0", "channel": "sms", "purpose": f"made_up_{n}"}
        assert client.post("/v1/verifications", json=body, headers=AUTH).status_code == 201
    client.post(
        "/v1/verifications",
        json={"to": CUSTOMER, "channel": "sms", "purpose": "login"},
        headers=AUTH,
    )
    metrics = client.get("/metrics").get_data(as_text=True)
    assert "made_up_" not in metrics
    assert 'purpose="other"' in metrics and 'purpose="login"' in metrics


def test_redis_out_of_memory_is_a_503_and_not_ready(
    app_config: dict[str, Any], tmp_path: Path
) -> None:
    server = RedisProcess(tmp_path / "redis", None, "--maxmemory-policy", "noeviction").start()
    try:
        app_config.update(REDIS_URL=server.url, SANDI_API_KEYS=API_KEY)
        client = create_app(app_config).test_client()
        assert client.get("/readyz").status_code == 200
        admin = redis.Redis(port=server.port)
        used = int(admin.info("memory")["used_memory"])
        admin.config_set("maxmemory", str(max(used // 2, 1)))
        answer = client.post(
            "/v1/verifications", json={"to": CUSTOMER, "channel": "sms"}, headers=AUTH
        )
        assert answer.status_code == 503, answer.get_data(as_text=True)
        assert answer.headers["Retry-After"] == "1"
        webhook = Twilio(client).post(inbound_form("halo"))
        assert webhook.status_code == 503 and webhook.headers["Retry-After"] == "1"
        ready = client.get("/readyz")
        assert ready.status_code == 503 and ready.get_json()["redis"] == "out_of_memory"
        admin.close()
    finally:
        server.stop()


def test_gunicorn_opens_no_shared_control_socket() -> None:
    settings = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    config = Config()
    assert "control_socket_disable" in config.settings  # the installed gunicorn has it
    config.set("control_socket_disable", settings["control_socket_disable"])
    assert config.control_socket_disable is True
