"""Scale-out: Sandi on a real three-master Redis Cluster."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from app import create_app
from app.store import keys
from tests.support.api import Api
from tests.support.customers import CUSTOMER, STORED_EMAIL, build_customer, leaks
from tests.support.otp import API_KEY, last_code, wrong
from tests.support.redis_cluster import RedisClusterProcesses
from tests.support.twilio_webhooks import Twilio, inbound_form

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def cluster(tmp_path_factory) -> Iterator[RedisClusterProcesses]:
    processes = RedisClusterProcesses(Path(tmp_path_factory.mktemp("cluster"))).start()
    yield processes
    processes.stop()


@pytest.fixture
def cluster_app(cluster, app_config):
    cluster.client().flushall()  # our own private cluster, not the machine's server
    app_config["REDIS_URL"] = cluster.url
    return create_app(app_config)


def test_turns_run_on_the_cluster_and_spread_over_every_master(cluster, cluster_app) -> None:
    twilio = Twilio(cluster_app.test_client())
    senders = [f"+62812000{i:05d}" for i in range(30)]
    for sender in senders:
        form = inbound_form("halo", sender=sender)
        first = twilio.post(form)
        assert first.status_code == 200
        assert twilio.post(form).get_data() == first.get_data()  # dedupe on the cluster too
    client = cluster.client()
    for sender in senders:
        session = json.loads(client.get(keys.session(f"wa:{sender}")))
        assert len(session["history"]) == 1
    per_master = cluster.keys_per_master()
    assert all(count > 0 for count in per_master), per_master


def test_readiness_on_the_cluster(cluster_app) -> None:
    assert cluster_app.test_client().get("/readyz").status_code == 200


def test_development_on_a_cluster_warns_that_jobs_need_a_plain_redis(
    cluster, app_config, caplog
) -> None:
    app_config["REDIS_URL"] = cluster.url
    with caplog.at_level("WARNING", logger="app.wiring.services"):
        create_app(app_config)
    warned = [r.getMessage() for r in caplog.records if "SANDI_JOBS_REDIS_URL" in r.getMessage()]
    assert warned and "set SANDI_JOBS_REDIS_URL to a plain Redis" in warned[0]
    assert all(r.levelname == "WARNING" for r in caplog.records if "SANDI_JOBS" in r.getMessage())


@pytest.fixture
def otp_cluster_app(cluster, app_config):
    cluster.client().flushall()
    app_config.update(
        REDIS_URL=cluster.url,
        SANDI_API_KEYS=API_KEY,
        SANDI_SECRET_KEY="cluster-test-secret",
        SANDI_OTP_DESTINATION_LIMITS="3/hour",
    )
    return create_app(app_config)


def test_otp_api_runs_on_the_cluster_limits_included(cluster, otp_cluster_app, clock) -> None:
    """Start, wrong and right checks, a resend and the send limits (the
    ``limits`` library's cluster storage) on a real three-master cluster."""
    api = Api(otp_cluster_app.test_client())
    outbox = otp_cluster_app.extensions["sandi"].outbox
    numbers = [f"+62813000{i:05d}" for i in range(30)]
    for number in numbers:
        started = api.post("/v1/verifications", 201, json={"to": number, "channel": "sms"})
        code = last_code(outbox, number)
        check = {"id": started["id"], "code": wrong(code)}
        assert api.post("/v1/verifications/check", 200, json=check)["attempts_left"] == 4
        check["code"] = code
        assert api.post("/v1/verifications/check", 200, json=check)["status"] == "approved"
        assert api.post("/v1/verifications/check", 404, json=check)["error"]["code"]

    # A resend keeps the id and replaces the code.
    number = numbers[0]
    first = api.post("/v1/verifications", 201, json={"to": number, "channel": "sms"})
    old_code = last_code(outbox, number)
    clock.advance(seconds=31)
    again = api.post("/v1/verifications", 201, json={"to": number, "channel": "sms"})
    assert again["id"] == first["id"] and again["send_count"] == 2
    new_code = last_code(outbox, number)
    if new_code != old_code:
        stale = {"id": first["id"], "code": old_code}
        assert api.post("/v1/verifications/check", 200, json=stale)["valid"] is False
    fresh = {"id": first["id"], "code": new_code}
    assert api.post("/v1/verifications/check", 200, json=fresh)["valid"] is True

    # Three sends an hour for this number, counted in the cluster: the fourth is refused.
    refused = api.post("/v1/verifications", 429, json={"to": number, "channel": "sms"})
    assert refused["error"]["code"] == "rate_limited" and refused["error"]["retry_after"] > 0

    per_master = cluster.keys_per_master()
    assert all(count > 0 for count in per_master), per_master


@pytest.fixture
def privacy_cluster_app(cluster, app_config):
    cluster.client().flushall()
    app_config.update(REDIS_URL=cluster.url, SANDI_API_KEYS=API_KEY, SANDI_OTP_IP_LIMITS="off")
    return create_app(app_config)


def test_a_customer_is_exported_and_erased_on_the_cluster(cluster, privacy_cluster_app) -> None:
    """Issue 21 on three masters: the customer's keys are found through their hash tags
    and index sets (no SCAN), and after the erasure no master holds the number."""
    from app.web.current import services

    with privacy_cluster_app.app_context():
        s = services()
        _, secret = s.api_keys.create("privacy desk", s.clock(), ["admin"])
    admin = Api(privacy_cluster_app.test_client(), {"Authorization": f"Bearer {secret}"})
    build_customer(privacy_cluster_app, Twilio(privacy_cluster_app.test_client()))
    masters = [redis.Redis(port=n.port, decode_responses=True) for n in cluster.nodes]
    assert leaks(masters)  # the customer is there, on some masters
    exported = admin.get(f"/v1/customers/{CUSTOMER}")
    assert exported["verified_emails"] == [STORED_EMAIL] and exported["deliveries"]
    assert exported["conversations"]["whatsapp"]["profile"]["handoff"]
    assert admin.call("DELETE", f"/v1/customers/{CUSTOMER}", 200).get_json()["erased"]
    found = leaks(masters)
    assert not found, found


def test_the_fraud_guard_and_insights_run_on_the_cluster(cluster, otp_cluster_app) -> None:
    """One script per scope and hash tag, pipelined: the guard blocks on the cluster,
    never falling back to "fails open"."""
    api = Api(otp_cluster_app.test_client())
    s = otp_cluster_app.extensions["sandi"]
    for i in range(4):  # customers who type their codes
        to = f"+62815000{i:05d}"
        started = api.post("/v1/verifications", 201, json={"to": to, "channel": "sms"})
        check = {"id": started["id"], "code": last_code(s.outbox, to)}
        assert api.post("/v1/verifications/check", 200, json=check)["status"] == "approved"
    for i in range(6):  # a pumped prefix
        api.post("/v1/verifications", 201, json={"to": f"+628129999{i:04d}", "channel": "sms"})
    blocked = api.post("/v1/verifications", 403, json={"to": "+6281299990006", "channel": "sms"})
    assert blocked["error"]["code"] == "verification_blocked"
    metrics = s.metrics.render().decode()
    assert "sandi_fraud_guard_errors_total{" not in metrics, metrics
    day = api.call("GET", "/v1/insights", 200, query_string={"window": "day"}).get_json()
    assert day["totals"]["approved"] == 4 and day["totals"]["blocked"] == 1


def test_the_inbox_lists_and_releases_handoffs_on_the_cluster(cluster, cluster_app) -> None:
    """The list reads every waiting profile in one pipeline, across slots (issue 18)."""
    twilio = Twilio(cluster_app.test_client())
    senders = [f"+62813000{i:05d}" for i in range(6)]
    for sender in senders:
        assert twilio.post(inbound_form("cs", sender=sender)).status_code == 200
    inbox = cluster_app.extensions["sandi"].inbox
    assert {w.number for w in inbox.waiting()} >= set(senders)
    assert inbox.reply(f"wa:{senders[0]}", "sari", "Halo")[0].sent
    [done] = inbox.release(senders[0], None, "sari")
    assert done.conversation == f"wa:{senders[0]}"
    assert senders[0] not in {w.number for w in inbox.waiting()}
