"""The fraud guard through the real app: real Redis, sandbox delivery, a moved clock."""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any

import pytest
import redis
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient

from app import create_app
from app.cli.main import main
from app.otp.codes import CodeHasher
from app.otp.fraud import FraudGuard
from app.otp.fraud_rules import MODES
from app.otp.service import OtpService
from app.store.fraud import RedisFraudStore
from app.store.outbox import OutboxStore
from app.wiring.services import Services
from tests.support.api import Api
from tests.support.clock import FakeClock
from tests.support.otp import AUTH, last_code

V = "/v1/verifications"
RANGE = "+628129999"  # one destination prefix: the number without its last 4 digits


def number(i: int, prefix: str = RANGE) -> str:
    return f"{prefix}{i:04d}"


@pytest.fixture
def api(client: FlaskClient) -> Api:
    return Api(client)


def pump(api: Api, count: int, prefix: str = RANGE, channel: str = "sms") -> list[Any]:
    """Start ``count`` verifications to numbers of one prefix; nobody types a code."""
    answers = []
    for i in range(count):
        body = {"to": number(i, prefix), "channel": channel}
        answers.append(api.client.post(V, json=body, headers=AUTH).get_json())
    return answers


def test_a_pumped_prefix_is_blocked_before_any_send(
    api: Api, services: Services, outbox: OutboxStore, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    sent = pump(api, 6)
    assert all(v["status"] == "pending" for v in sent)
    refused = api.post(V, 403, {"to": number(6), "channel": "sms"})["error"]
    assert refused["code"] == "verification_blocked"
    assert "prefix_burst" in refused["message"] and "+62812****xxxx" in refused["message"]
    assert outbox.read(number(6)) == []  # nothing went out
    # the block holds for the whole prefix, calls and flash calls too
    for channel in ("call", "flashcall", "auto"):
        assert api.post(V, 403, {"to": number(50), "channel": channel})
    assert outbox.read(number(50)) == []
    metrics = services.metrics.render().decode()
    assert 'sandi_fraud_blocks_total{reason="prefix_burst"} 4.0' in metrics
    assert 'sandi_otp_refusals_total{reason="verification_blocked"} 4.0' in metrics
    logged = [r.getMessage() for r in caplog.records if r.name == "app.otp.fraud"]
    assert any("+62812****xxxx" in line and "prefix_burst" in line for line in logged)
    assert not any(RANGE in line for line in logged)


def test_whatsapp_and_email_are_not_screened(api: Api) -> None:
    pump(api, 7)
    # WhatsApp to the pumped range still goes: nobody is paid per WhatsApp message
    assert api.post(V, 201, {"to": number(7), "channel": "whatsapp"})["status"] == "pending"


def test_approvals_keep_a_busy_prefix_open(api: Api, outbox: OutboxStore) -> None:
    for i in range(20):
        to = number(i)
        v = api.post(V, 201, {"to": to, "channel": "sms"})
        check = {"id": v["id"], "code": last_code(outbox, to)}
        assert api.post(f"{V}/check", 200, check)["status"] == "approved"


def test_a_resend_counts_once(api: Api, clock: FakeClock) -> None:
    for _ in range(4):  # one customer asking again and again is the per-number limits' job
        assert api.post(V, 201, {"to": number(1), "channel": "sms"})
        clock.advance(seconds=31)
    assert pump(api, 6)[-1]["status"] == "pending"  # 6 numbers (one asked 4 times): not yet


def test_a_block_lasts_then_the_day_rule_holds_it(
    api: Api, clock: FakeClock, services: Services
) -> None:
    pump(api, 20)  # 6 sent, 14 blocked (blocked attempts count too)
    clock.advance(hours=2)  # the block ended, the hour's counts slid out
    refused = api.post(V, 403, {"to": number(30), "channel": "sms"})["error"]
    assert "prefix_no_conversion" in refused["message"]
    blocks = RedisFraudStore(services.redis).blocks(int(clock().timestamp() * 1000))
    assert [(b.scope, b.shown, b.reason) for b in blocks] == [
        ("prefix", "+62812****xxxx", "prefix_no_conversion")
    ]


def test_the_guard_fails_open_when_its_counts_cannot_be_read(
    otp: OtpService, services: Services, outbox: OutboxStore, caplog: pytest.LogCaptureFixture
) -> None:
    assert otp.watch is not None and otp.watch.guard is not None
    dead = redis.Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.2)
    otp.watch.guard = FraudGuard(
        RedisFraudStore(dead), MODES["standard"], otp.hasher, otp.watch.guard.metrics
    )
    for i in range(10):
        assert otp.start(number(i), "sms").verification.status == "pending"
    assert len(outbox.read(number(9))) == 1
    assert 'sandi_fraud_guard_errors_total{operation="screen"} 10.0' in (
        services.metrics.render().decode()
    )
    assert any("sending unscreened" in r.getMessage() for r in caplog.records)


def test_fraud_keys_expire_and_hold_no_number(
    api: Api, outbox: OutboxStore, redis_client: redis.Redis
) -> None:
    v = api.post(V, 201, {"to": number(1), "channel": "sms", "purpose": "login"})
    api.post(f"{V}/check", 200, {"id": v["id"], "code": last_code(outbox, number(1))})
    pump(api, 8, prefix="+628777777")
    fraud_keys = [
        k for k in redis_client.scan_iter("sandi:*")
        if ":{fraud:" in k or ":{insights:" in k or ":trace:" in k
    ]  # fmt: skip
    assert len(fraud_keys) > 8
    asked = [number(1)] + [number(i, "+628777777") for i in range(8)]
    for key in fraud_keys:
        assert redis_client.ttl(key) > 0, key
        seen = key + str(redis_client.dump(key))
        for n in asked:  # the numbers this test used, with or without the +
            assert n.lstrip("+") not in seen, key
        # Any other number: random ids and digests are long hex runs, which can hold
        # "62" and seven digits by chance (VE...0a1622108508eb... did); a number is not.
        assert not re.search(r"\+?62\d{7,}", re.sub(r"[0-9a-f]{20,}", "#", seen)), key


def cli(args: list[str], env: dict[str, str]) -> Any:
    return CliRunner().invoke(main, ["fraud", *args], env=env, catch_exceptions=False)


def test_the_operator_lists_and_unblock(
    app_config: dict[str, Any], redis_url: str, tmp_path: Path, redis_client: Any
) -> None:
    env = {"REDIS_URL": redis_url, "SANDI_SANDBOX": "1", "SANDI_INSTANCE_DIR": str(tmp_path),
           "SANDI_SECRET_KEY": "otp-test-secret", "SANDI_API_KEYS": "test-api-key-1"}  # fmt: skip
    # The command runs on the real clock: so does this app (blocks end by the clock).
    real_time = {k: v for k, v in app_config.items() if k != "clock"}
    app: Flask = create_app({**real_time, **env})
    api = Api(app.test_client())
    assert cli(["deny", "prefix", "+62877", "--note", "pumped last week"], env).exit_code == 0
    assert api.post(V, 403, {"to": "+6287712345678", "channel": "sms"})["error"]["message"]
    assert cli(["allow", "prefix", "+6287712345678", "--note", "QA phone"], env).exit_code == 0
    assert api.post(V, 201, {"to": "+6287712345678", "channel": "sms"})  # most specific wins

    # The business's back end calls from one address: never judged as a source.
    assert cli(["allow", "ip", "127.0.0.1", "--note", "our back end"], env).exit_code == 0
    pump(api, 7)  # the 7th is blocked
    listed = cli(["list"], env).output
    assert "deny  prefix  +62877" in listed and "# QA phone" in listed
    assert "+62812****xxxx (ID)  prefix_burst" in listed
    block_id = re.search(r"(prefix:[0-9a-f]{24})", listed).group(1)
    assert RANGE not in listed

    assert cli(["unblock", block_id], env).output.strip() == f"unblocked {block_id}"
    assert api.post(V, 201, {"to": number(8), "channel": "sms"})  # counts started afresh
    pump(api, 7, prefix="+628555555")
    assert cli(["unblock", "+6285555550001"], env).exit_code == 0  # by a whole number too
    assert api.post(V, 201, {"to": number(9, "+628555555"), "channel": "sms"})
    bad = CliRunner().invoke(main, ["fraud", "unblock", "+62811"], env=env)
    assert bad.exit_code == 1 and "whole number" in bad.output
    assert cli(["remove", "prefix", "+62877"], env).exit_code == 0
    assert "+62877 " not in cli(["list"], env).output


def test_blocks_and_lists_are_not_personal_data_in_redis(services: Services) -> None:
    hasher = CodeHasher("otp-test-secret")
    assert hasher.scope("prefix", RANGE) != hasher.scope("prefix", "+628129998")
    assert RANGE not in hasher.scope("prefix", RANGE)


def test_a_busy_scope_keeps_a_bounded_number_of_fields(
    api: Api, clock: FakeClock, outbox: OutboxStore, redis_client: redis.Redis
) -> None:
    for day in range(3):  # a customer an hour, for three days, all approved
        for hour in range(24):
            to = number(day * 24 + hour)
            v = api.post(V, 201, {"to": to, "channel": "sms"})
            api.post(f"{V}/check", 200, {"id": v["id"], "code": last_code(outbox, to)})
            clock.advance(hours=1)
    (counts,) = [k for k in redis_client.scan_iter("sandi:{fraud:p:*}:counts")]
    # 12 five-minute and 26 hourly buckets at most, sends and approvals, and 3 markers
    assert len(redis_client.hkeys(counts)) <= 2 * (12 + 26) + 3
