"""The suite-wide log hygiene plugin finds what it is meant to find."""

from __future__ import annotations

import pytest

from tests.support import log_hygiene
from tests.support.log_hygiene import _Hygiene, digit_tokens
from tests.support.otp import AUTH, last_code


@pytest.mark.parametrize(
    "text",
    [
        "code 123456 sent",
        "Sandi: 123 456 adalah kode",
        "kode: 123-456.",
        "satu, dua: 1, 2, 3, 4, 5, 6.",
        "(123456)",
    ],
)
def test_a_code_is_found_however_it_is_written(text: str) -> None:
    assert "123456" in digit_tokens(text)


@pytest.mark.parametrize(
    "text", ["sid SMab123456cd", "+62812****7890", "took 12.5ms", "x123456", "1234"]
)
def test_ids_and_masked_numbers_are_not_codes(text: str) -> None:
    assert "123456" not in digit_tokens(text)


@pytest.mark.parametrize(
    ("text", "not_a_code"),
    [
        ('127.0.0.1 - - [02/Dec/2026 02:51:11] "POST /v1/verifications HTTP/1.1" 201 -', "202602"),
        ("2026-12-02 02:36:11,391 INFO app.otp: sent", "20261202"),
        ("at 10:20:30 then", "102030"),
    ],
)
def test_clock_times_and_dates_are_not_codes(text: str, not_a_code: str) -> None:
    assert not_a_code not in digit_tokens(text)
    # ... while a code written beside them still is.
    assert "654321" in digit_tokens(f"{text} kode 654 321")


def test_a_leaked_code_and_an_unmasked_number_are_reported() -> None:
    hygiene = _Hygiene()
    hygiene.issue("654321")
    hygiene.scan("otp sent to +62812****7890", "log app")
    assert hygiene.code_leaks() == [] and hygiene.phone_leaks == []
    hygiene.scan("debug: code=654321", "log app.otp")
    hygiene.scan('sandi_x{to="+6281234567890"} 1.0', "metrics of t")
    assert hygiene.code_leaks() == ["log app.otp: debug: code=654321"]
    assert hygiene.phone_leaks == ['metrics of t: sandi_x{to="+6281234567890"} 1.0']


def test_a_code_leaks_where_the_test_that_issued_it_logs_it() -> None:
    hygiene = _Hygiene()
    hygiene.issue("654321")
    hygiene.scan("debug: code=654321", "log app.otp")
    hygiene.end_test()
    # A later test's fuzzer happens upon the same six digits: chance, not a leak.
    hygiene.scan('"GET /v1/insights?window=day&=654321 HTTP/1.1" 200 -', "log werkzeug")
    hygiene.end_test()
    assert hygiene.leaks == ["log app.otp: debug: code=654321"]


def test_the_plugin_records_every_code_the_app_issues(app_config, redis_client) -> None:
    from app import create_app

    app = create_app({**app_config, "SANDI_API_KEYS": AUTH["Authorization"].split()[1]})
    response = app.test_client().post(
        "/v1/verifications", json={"to": "+6281234567890", "channel": "sms"}, headers=AUTH
    )
    assert response.status_code == 201
    assert last_code(app.extensions["sandi"].outbox) in log_hygiene._hygiene.issued
