"""Hostile input for the JSON API: 7,500 generated requests, never a 500.

Malformed and half-right bodies, wrong types, unknown fields, broken JSON,
odd headers and paths under ``/v1``. Every answer must be a documented status
with a documented body (checked against ``/v1/openapi.json`` wherever the
route is documented), never a 500, and nothing may be logged at ERROR.
Together with the webhook fuzzing in ``tests/web/test_hostile_webhooks.py``
(3,000 forms and bodies) the suite sends over 10,000 generated requests.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.api import check_against_document
from tests.support.otp import AUTH

pytestmark = pytest.mark.slow

V = "/v1/verifications"
FUZZ = settings(
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
DOCUMENTED_5XX = {502: "delivery_failed"}

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=8,
)
phones = st.from_regex(r"\A\+628[1-9][0-9]{8,9}\Z") | st.sampled_from(
    ["+6281234567890", "+6281298765432", "+12025550123", "+62", "081234567890", "+62 812-3456-7890",
     "budi@example.co.id", "not-a-number", "+6281234567890\x00", "+" + "9" * 30, ""]
)  # fmt: skip
ids = st.one_of(
    st.just("VE" + "0" * 32),
    st.from_regex(r"\AVE[0-9a-f]{32}\Z"),
    st.text(max_size=40),
)
codes = st.one_of(
    st.from_regex(r"\A[0-9]{4,10}\Z"),
    st.sampled_from(["123 456", "123-456", "١٢٣٤٥٦", "12", "1" * 11, "", "0x1E240"]),
    st.text(max_size=12),
)


def maybe(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """A plausible value most of the time, any JSON value sometimes."""
    return st.one_of(strategy, strategy, strategy, json_values)


def mutated(
    required: dict[str, st.SearchStrategy[Any]], optional: dict[str, st.SearchStrategy[Any]]
) -> st.SearchStrategy[dict[str, Any]]:
    """Bodies of the right shape most of the time, then one field dropped or one unknown added."""

    def mutate(drawn: tuple[dict[str, Any], str, Any]) -> dict[str, Any]:
        body, how, junk = drawn
        if how.startswith("drop:"):
            body.pop(how[5:], None)
        elif how == "add":
            body["unexpected"] = junk
        return body

    hows = st.sampled_from(["keep"] * 6 + ["add"] + [f"drop:{k}" for k in required])
    return st.tuples(st.fixed_dictionaries(required, optional=optional), hows, json_values).map(
        mutate
    )


channels = st.sampled_from(["sms", "whatsapp", "call", "email", "flashcall", "auto", "fax", "SMS"])
start_bodies = mutated(
    {"to": maybe(phones), "channel": maybe(channels)},
    {
        "locale": maybe(st.sampled_from(["id", "en", "en-US", "id_ID", "fr", "", "EN"])),
        "purpose": maybe(st.sampled_from(["login", "signup", "payment", "verify", "Login", "a" * 40, "x-y"])),
        "amount": maybe(st.sampled_from(["Rp 150.000", "1", "", " ", "9" * 40])),
        "payee": maybe(st.sampled_from(["Toko Kenari", "", "\n", "x" * 70])),
    },
)  # fmt: skip
check_bodies = st.one_of(
    mutated({"to": maybe(phones), "code": maybe(codes)}, {"purpose": maybe(st.sampled_from(["login", "verify", "BAD"]))}),
    mutated({"id": maybe(ids), "code": maybe(codes)}, {"amount": maybe(st.sampled_from(["Rp 150.000", ""])),
                                                        "payee": maybe(st.sampled_from(["Toko Kenari", ""]))}),
    mutated({"id": maybe(ids), "to": maybe(phones), "code": maybe(codes)}, {}),
)  # fmt: skip


def assert_handled(method: str, path: str, response: Any, caplog: pytest.LogCaptureFixture) -> None:
    status = response.status_code
    if method == "HEAD":  # no body to read
        assert status < 500, (path, status)
        return
    assert status < 500 or DOCUMENTED_5XX.get(status) == response.get_json()["error"]["code"], (
        method, path, status, response.get_data()[:300],
    )  # fmt: skip
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert not errors, [r.getMessage() for r in errors]
    caplog.clear()
    if response.mimetype == "application/json" and status >= 400:
        body = response.get_json()
        assert set(body) == {"error"} and {"code", "message"} <= set(body["error"]), body
    documented = {"/v1/verifications", "/v1/verifications/check"}
    if path in documented and method == "POST":
        check_against_document(method, path, status, response.get_json())


@settings(FUZZ, max_examples=2000)
@given(body=st.one_of(start_bodies, start_bodies, start_bodies, json_values))
def test_fuzzed_start_bodies(client: FlaskClient, caplog, body) -> None:
    caplog.set_level(logging.ERROR)
    response = client.post(V, json=body, headers=AUTH)
    assert_handled("POST", V, response, caplog)


@settings(FUZZ, max_examples=2000)
@given(body=st.one_of(check_bodies, check_bodies, check_bodies, json_values))
def test_fuzzed_check_bodies(client: FlaskClient, caplog, body) -> None:
    caplog.set_level(logging.ERROR)
    response = client.post(f"{V}/check", json=body, headers=AUTH)
    assert_handled("POST", f"{V}/check", response, caplog)


paths = st.one_of(
    st.sampled_from([V, f"{V}/check", "/v1/openapi.json", "/v1", "/v1/", f"{V}/", f"{V}//check"]),
    ids.map(lambda i: f"{V}/{i}"),
    ids.map(lambda i: f"{V}/{i}/cancel"),
    st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=30).map(
        lambda t: "/v1/" + t.replace("?", "%3F").replace("#", "%23")
    ),
    st.sampled_from(["/v1/../v1/verifications", "/v1/%00", "/v1/verifications/%2e%2e", "/v1/" + "a" * 3000]),
)  # fmt: skip
authorizations = st.one_of(
    st.just(AUTH["Authorization"]),
    st.sampled_from(["", "Bearer", "Bearer ", "bearer test-api-key-1", "Basic dGVzdDp0ZXN0", "Bearer " + "x" * 5000,
                     "Bearer test-api-key-1 extra", "Token test-api-key-1"]),
    # Any text a header can carry (HTTP has no way to send a line break in one).
    st.text(alphabet=st.characters(blacklist_characters="\r\n", blacklist_categories=["Cs"]), max_size=60).map(
        lambda t: "Bearer " + t
    ),
)  # fmt: skip
content_types = st.sampled_from(
    ["application/json", "application/json; charset=latin-1", "text/plain", "application/x-www-form-urlencoded",
     "multipart/form-data; boundary=x", "", "application/json; charset=utf-16"]
)  # fmt: skip
raw_bodies = st.one_of(
    st.binary(max_size=200),
    json_values.map(lambda v: json.dumps(v).encode()),
    st.sampled_from([b"", b"{", b'{"to": "+6281234567890", "channel": "sms"', b"\xff\xfe{}", b"null", b"[]",
                     b'{"to": "+6281234567890", "channel": "sms", "to": 1}', b"1e999999", b'"\\ud800"']),
)  # fmt: skip


@settings(FUZZ, max_examples=2500)
@given(
    method=st.sampled_from(["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"]),
    path=paths,
    authorization=authorizations,
    content_type=content_types,
    body=raw_bodies,
)
def test_fuzzed_methods_paths_headers_and_raw_bodies(
    client: FlaskClient, caplog, method, path, authorization, content_type, body
) -> None:
    caplog.set_level(logging.ERROR)
    headers = {"Authorization": authorization} if authorization else {}
    if content_type:
        headers["Content-Type"] = content_type
    response = client.open(path, method=method, headers=headers, data=body)
    assert_handled(method, path, response, caplog)


@settings(FUZZ, max_examples=1000)
@given(body=raw_bodies, content_type=content_types, route=st.sampled_from([V, f"{V}/check"]))
def test_fuzzed_raw_bodies_with_a_valid_key(
    client: FlaskClient, caplog, body, content_type, route
) -> None:
    caplog.set_level(logging.ERROR)
    response = client.post(route, data=body, headers={**AUTH, "Content-Type": content_type})
    assert_handled("POST", route, response, caplog)
