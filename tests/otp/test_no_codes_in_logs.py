"""500 OTP operations at DEBUG: no code in any log record, metric or API answer.

Codes are 10 digits here so that a code turning up by coincidence (inside a
hex id, say) is practically impossible: a hit means a leak.
"""

from __future__ import annotations

import logging
import random
from typing import Any

import pytest
from flask import Flask

from app import create_app
from tests.support.api import Api
from tests.support.clock import FakeClock
from tests.support.otp import code_in, wrong

V = "/v1/verifications"
NUMBERS = [f"+6281234567{i:03d}" for i in range(20)]


@pytest.fixture
def chatty_app(app_config: dict[str, Any]) -> Flask:
    return create_app(
        {
            **app_config,
            "SANDI_OTP_DIGITS": "10",
            "SANDI_LOG_LEVEL": "DEBUG",
            "SANDI_OTP_DESTINATION_LIMITS": "1000/hour",
            # 20 numbers of one range asked for codes again and again, rarely
            # approved: the fraud guard would rightly stop it (tests/otp/test_fraud*).
            "SANDI_FRAUD_GUARD": "off",
        }
    )


def test_500_operations_leave_no_code_in_logs(
    chatty_app: Flask, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    s = chatty_app.extensions["sandi"]
    api = Api(chatty_app.test_client())
    rng = random.Random(4)
    ids: dict[str, str] = {}
    codes: set[str] = set()

    def latest(to: str) -> str:
        entry = s.outbox.read(to)[-1]
        code = code_in(entry)
        codes.add(code)
        return code

    ops = 0
    while ops < 500:
        to = rng.choice(NUMBERS)
        kind = rng.choice(["start", "start", "wrong", "right", "short", "letters", "get",
                           "cancel", "redeliver", "bad_to", "binding"])  # fmt: skip
        clock.advance(seconds=31)
        if kind == "start" or to not in ids:
            r = api.client.post(V, json={"to": to, "channel": rng.choice(["sms", "whatsapp", "call"])},
                                headers=api.headers)  # fmt: skip
            api.bodies.append(r.get_data(as_text=True))
            if r.status_code == 201:
                ids[to] = r.get_json()["id"]
                latest(to)
        elif kind in {"wrong", "right", "short", "letters", "binding"}:
            code = latest(to)
            typed = {"wrong": wrong(code), "right": code, "short": code[:-1],
                     "letters": code[:5] + "x" + code[6:], "binding": code}[kind]  # fmt: skip
            body: dict[str, Any] = {"id": ids[to], "code": typed}
            if kind == "binding":
                body |= {"amount": "Rp1", "payee": "x"}
            r = api.client.post(f"{V}/check", json=body, headers=api.headers)
            api.bodies.append(r.get_data(as_text=True))
        elif kind == "get":
            api.bodies.append(
                api.client.get(f"{V}/{ids[to]}", headers=api.headers).get_data(as_text=True)
            )
        elif kind == "cancel":
            r = api.client.post(f"{V}/{ids[to]}/cancel", headers=api.headers)
            api.bodies.append(r.get_data(as_text=True))
        elif kind == "redeliver":
            try:
                # Not flash call: its 4-digit code would turn up by chance in hex ids.
                s.otp.redeliver(ids[to], rng.choice(["sms", "call"]))
                latest(to)
            except Exception as err:  # refusals are part of the run
                api.bodies.append(repr(err) + str(err))
        else:
            r = api.client.post(V, json={"to": to + "9999", "channel": "sms"}, headers=api.headers)
            api.bodies.append(r.get_data(as_text=True))
        ops += 1

    codes |= {code_in(e) for n in NUMBERS for e in s.outbox.read(n) if e["channel"] != "flashcall"}
    assert len(codes) > 100
    assert all(len(c) == 10 for c in codes)
    formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
    lines = [formatter.format(record) for record in caplog.records]
    assert len(lines) > 300
    leaks = [(c, line) for line in lines for c in codes if c in line]
    assert leaks == []
    metrics = chatty_app.test_client().get("/metrics").get_data(as_text=True)
    assert "sandi_otp_sends" in metrics
    assert [c for c in codes if c in metrics] == []
    assert [c for c in codes for body in api.bodies if c in body] == []
