"""The OTP API's fast path (app.web.fast_api) answers exactly as Flask's views do.

Each request goes once through the whole app (the fast paths, which hand what
they do not serve to Flask) and once straight to Flask's ``wsgi_app``, for two
customers in the same state; status, headers and JSON must be the same but
for the customer's number and the verification's id. The latency histogram
and the log lines must count and say the same too.
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any

import pytest
from flask import Flask
from werkzeug.test import EnvironBuilder, run_wsgi_app

from app.otp.policy import DESTINATION_LIMITS
from app.store.outbox import OutboxStore
from app.web.fast_api import FastApi
from app.wiring.services import Services
from tests.support.clock import FakeClock
from tests.support.otp import API_KEY, AUTH, code_in, wrong

A, B = "+6281234500001", "+6281234500002"
V = "/v1/verifications"
CHECK = V + "/check"
_ID = re.compile(r"VE[0-9a-f]{32}")


@pytest.fixture(autouse=True)
def _api_config(app_config: dict[str, Any]) -> None:
    app_config.update(
        SANDI_API_KEYS=f"{API_KEY},second-key",
        SANDI_SECRET_KEY="fast-v1-test-secret",
        SANDI_LOG_LEVEL="INFO",
        SANDI_OTP_DESTINATION_LIMITS=DESTINATION_LIMITS,
    )


def fast_path(app: Flask) -> FastApi:
    fast = app.wsgi_app.flask  # type: ignore[attr-defined]  # the webhook's, then this one
    assert isinstance(fast, FastApi)
    return fast


def send(wsgi: Any, path: str, body: Any, headers: Any = None, **kw: Any) -> tuple[Any, ...]:
    data = body if isinstance(body, bytes | str) else json.dumps(body)
    builder = EnvironBuilder(
        path=path,
        method=kw.pop("method", "POST"),
        data=data,
        content_type="application/json",
        headers={**AUTH, "X-Request-Id": "req-1"} if headers is None else headers,
        **kw,
    )
    app_iter, status, response_headers = run_wsgi_app(wsgi, builder.get_environ())
    return status, list(response_headers.items()), b"".join(app_iter)


def both(app: Flask, path: str, make: Any, **kw: Any) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
    """(the whole app for customer A, Flask alone for B), B written as A, ids as VE..."""
    fast = fast_path(app)
    one = send(app.wsgi_app, path, make(A), **kw)
    other = send(fast.flask, path, make(B), **kw)

    def same(answer: tuple[Any, ...], customer: str) -> tuple[Any, ...]:
        status, headers, body = answer
        text = _ID.sub("VE…", body.decode().replace(customer, "CUSTOMER"))
        return status, headers, text

    return same(one, A), same(other, B)


def started(app: Flask, purpose: str = "verify") -> dict[str, str]:
    """A pending verification for A (through the fast path) and for B (Flask): their ids."""
    one, other = (
        send(wsgi, V, {"to": to, "channel": "sms", "purpose": purpose})
        for wsgi, to in ((app.wsgi_app, A), (fast_path(app).flask, B))
    )
    assert one[0] == other[0] == "201 CREATED", (one, other)
    return {A: json.loads(one[2])["id"], B: json.loads(other[2])["id"]}


def code(outbox: OutboxStore, to: str) -> str:
    return code_in(outbox.read(to)[-1])


@pytest.fixture
def outbox(app: Flask) -> OutboxStore:
    services: Services = app.extensions["sandi"]
    return services.outbox


def test_a_start_is_served_by_the_fast_path_as_flask_answers_it(app: Flask) -> None:
    fast = fast_path(app)
    assert fast.enabled
    one, other = both(app, V, lambda to: {"to": to, "channel": "sms", "locale": "en"})
    assert one == other
    status, headers, body = one
    assert status == "201 CREATED"
    assert [name for name, _ in headers] == ["Content-Type", "Content-Length", "X-Request-Id"]
    assert headers[0] == ("Content-Type", "application/json") and headers[2][1] == "req-1"
    assert json.loads(body)["status"] == "pending"
    assert fast.served == 1


def test_checks_approved_wrong_and_by_number(app: Flask, outbox: OutboxStore) -> None:
    ids = started(app)
    one, other = both(app, CHECK, lambda to: {"id": ids[to], "code": wrong(code(outbox, to))})
    assert one == other and json.loads(one[2])["valid"] is False
    one, other = both(app, CHECK, lambda to: {"to": to, "code": code(outbox, to)})
    assert one == other and json.loads(one[2])["status"] == "approved"
    one, other = both(app, CHECK, lambda to: {"id": ids[to], "code": code(outbox, to)})
    assert one == other and one[0] == "404 NOT FOUND"
    assert fast_path(app).served == 4


def test_max_attempts_and_expired(app: Flask, outbox: OutboxStore, clock: FakeClock) -> None:
    ids = started(app, "login")
    for _ in range(5):
        one, other = both(app, CHECK, lambda to: {"id": ids[to], "code": wrong(code(outbox, to))})
        assert one == other
    assert json.loads(one[2])["status"] == "max_attempts_reached"
    one, other = both(app, CHECK, lambda to: {"id": ids[to], "code": code(outbox, to)})
    assert one == other and one[0] == "429 TOO MANY REQUESTS"
    assert ("Retry-After", "300") in one[1]

    ids = started(app, "signup")
    clock.advance(minutes=6)
    one, other = both(app, CHECK, lambda to: {"id": ids[to], "code": code(outbox, to)})
    assert one == other
    assert one[0].startswith("4"), one


@pytest.mark.parametrize(
    "body",
    [b"not json", b"", b"[1, 2]", b"\xff\xfe{", b"[" * 40 + b"]" * 40, b'{"to": 5}', b"{}"],
)
def test_bad_bodies(app: Flask, body: bytes) -> None:
    for path in (V, CHECK):
        one, other = both(app, path, lambda to: body)
        assert one == other
        assert one[0].startswith("400"), one
        assert json.loads(one[2])["error"]["code"] in {"invalid_json", "invalid_parameter"}


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer nope"}, {"Authorization": "Basic dGVzdA=="},
     {"Authorization": "Bearer "}, {"Authorization": f"bearer  {API_KEY} "}],
)  # fmt: skip
def test_api_keys(app: Flask, headers: dict[str, str]) -> None:
    for path in (V, CHECK):
        given = {**headers, "X-Request-Id": "req-2"}
        one, other = both(app, path, lambda to: {"to": to, "channel": "sms"}, headers=given)
        assert one == other
    assert one[0] in {"401 UNAUTHORIZED", "400 BAD REQUEST"}, one
    if one[0].startswith("401"):
        assert ("WWW-Authenticate", 'Bearer realm="sandi"') in one[1]


@pytest.mark.parametrize(
    "body",
    [{"channel": "fax"}, {"channel": "email"}, {"channel": "sms", "to": "+12025550123"},
     {"channel": "email", "to": "budi@example.co.id", "purpose": "login"}],
)  # fmt: skip
def test_refused_channels_and_destinations(app: Flask, body: dict[str, str]) -> None:
    one, other = both(app, V, lambda to: {"to": to, **body})
    assert one == other
    assert one[0][0] == "4", one


def test_rate_limited(app: Flask) -> None:
    for i in range(10):
        one, other = both(app, V, lambda to, i=i: {"to": to, "channel": "sms", "purpose": f"p{i}"})
        assert one == other and one[0] == "201 CREATED"
    one, other = both(app, V, lambda to: {"to": to, "channel": "sms", "purpose": "p10"})
    assert one == other and one[0] == "429 TOO MANY REQUESTS"
    retry = dict(one[1])["Retry-After"]
    assert 3500 < int(retry) <= 3600 and f'"retry_after":{retry}' in one[2]


def test_same_metrics_and_log_lines(app: Flask, caplog: pytest.LogCaptureFixture) -> None:
    services: Services = app.extensions["sandi"]
    registry = services.metrics.registry

    def count(status: str) -> float:
        labels = {"operation": "api.start", "status": status}
        return registry.get_sample_value("sandi_otp_api_seconds_count", labels) or 0.0

    caplog.set_level(logging.INFO)
    for i in range(11):
        caplog.clear()
        both(app, V, lambda to, i=i: {"to": to, "channel": "sms", "purpose": f"p{i}"})
        # The customers' masked numbers, the ids and the message SIDs hidden: the same lines.
        lines = [re.sub(r"VE\w+|SB\w+|\*{4}\d{4}", "…", r.getMessage()) for r in caplog.records]
        assert lines and lines[: len(lines) // 2] == lines[len(lines) // 2 :]
    assert count("201") == 20 and count("429") == 2


def test_other_methods_and_paths_fall_through(app: Flask) -> None:
    fast = fast_path(app)
    ids = started(app)
    served = fast.served
    cases: list[tuple[str, dict[str, Any]]] = [
        (V, {"method": "GET"}),
        (CHECK, {"method": "PUT"}),
        (V + "/", {}),
        (f"{V}/{ids[A]}/cancel", {}),
        (V, {"headers": {**AUTH, "Host": "evil.example"}}),
        (V, {"headers": {**AUTH, "Transfer-Encoding": "chunked"}}),
        (V, {"data": "x" * 70_000}),
    ]
    for path, kw in cases:
        headers = kw.pop("headers", None)
        data = kw.pop("data", {"to": A, "channel": "sms"})
        status, _, body = send(app.wsgi_app, path, data, headers, **kw)
        assert status[0] in "24", (path, status, body)
    assert fast.served == served


def test_redis_down_is_answered_by_flasks_handlers(
    app_config: dict[str, Any], redis_process: Any
) -> None:
    from app import create_app

    app = create_app({**app_config, "REDIS_URL": redis_process.url})
    redis_process.stop()
    fast = fast_path(app)
    for path, extra in ((V, {"channel": "sms"}), (CHECK, {"code": "123456"})):
        one, other = both(app, path, lambda to, extra=extra: {"to": to, **extra})
        assert one == other
        assert one[0] == "503 SERVICE UNAVAILABLE" and ("Retry-After", "1") in one[1], one
    assert fast.served == 2


@pytest.mark.parametrize("where", ["app", "api", "teardown_appcontext", "swapped"])
def test_a_hook_added_or_swapped_in_place_sends_the_api_to_flask(app: Flask, where: str) -> None:
    """Hooks added straight into Flask's lists (as an extension might), not by a
    decorator, are seen too: the fast path compares with a copy of the lists."""
    seen: list[str] = []

    def extra(*_: Any) -> None:
        seen.append("hook")

    def require_key_too() -> None:
        extra()
        return None

    fast = fast_path(app)
    if where == "teardown_appcontext":
        app.teardown_appcontext_funcs.append(extra)
    elif where == "swapped":  # the blueprint's own hook replaced by another
        require_key_too.__module__, require_key_too.__qualname__ = "app.web.api", "require_key"
        app.before_request_funcs["api"][0] = require_key_too
    else:
        app.before_request_funcs.setdefault(None if where == "app" else where, []).append(extra)
    status, _, _ = send(app.wsgi_app, V, {"to": A, "channel": "sms"})
    assert status == "201 CREATED" and seen == ["hook"]
    assert fast.served == 0
