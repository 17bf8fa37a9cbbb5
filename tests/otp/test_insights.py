"""The insights count what happens to codes: through the real service and ``/v1/insights``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask.testing import FlaskClient

from app.otp.insights import LATENCY_BOUNDS, Dims, Trace
from app.otp.insights_report import percentile
from app.otp.service import OtpService
from app.store.outbox import OutboxStore
from tests.support.api import Api
from tests.support.clock import FakeClock
from tests.support.otp import AUTH, last_code
from tests.support.staff import log_in, production_config

A, B = "+6281234560001", "+6281398760002"


def insights(client: FlaskClient, window: str = "day") -> Any:
    """``GET /v1/insights``, its answer checked against the OpenAPI document."""
    return Api(client).call("GET", "/v1/insights", 200, query_string={"window": window}).get_json()


def test_sent_approved_latency_failures_and_fallbacks(
    otp: OtpService, outbox: OutboxStore, clock: FakeClock, client: FlaskClient
) -> None:
    a = otp.start(A, "sms", purpose="login").verification
    clock.advance(seconds=42)
    assert otp.check(code=last_code(outbox, A), to=A, purpose="login").valid

    b = otp.start(B, "sms", flow="verifikasi").verification
    message_id = otp.store.get(b.id)["message_id"]  # type: ignore[index]
    assert otp.record_delivery_status(b.id, message_id, "undelivered", "30003")
    otp.redeliver(b.id, "whatsapp")
    clock.advance(seconds=100)
    assert otp.check(code=last_code(outbox, B), to=B).valid

    day = insights(client)
    t = day["totals"]
    assert (t["verifications"], t["sends"], t["approved"], t["conversion"]) == (2, 3, 2, 1.0)
    assert t["delivery_failures"] == 1 and t["fallbacks"] == 1
    assert 30 <= t["median_seconds"] <= 120 and t["p90_seconds"] <= 120
    assert day["failures"] == [{"channel": "sms", "error": "30003", "count": 1}]
    assert day["fallbacks"] == [{"from": "sms", "to": "whatsapp", "count": 1, "approved": 1}]
    flows = {row["key"]: row["verifications"] for row in day["by"]["flow"]}
    assert flows == {"api": 1, "verifikasi": 1}
    purposes = {row["key"]: row["approved"] for row in day["by"]["purpose"]}
    assert purposes == {"login": 1, "verify": 1}
    assert [row["key"] for row in day["by"]["country"]] == ["ID"]
    assert a.id and sum(p["verifications"] for p in day["series"]) == 2


def test_windows(otp: OtpService, clock: FakeClock, client: FlaskClient) -> None:
    otp.start(A, "sms")
    clock.advance(hours=3)
    assert insights(client, "hour")["totals"]["verifications"] == 0
    assert insights(client, "day")["totals"]["verifications"] == 1
    week = insights(client, "week")
    assert week["totals"]["verifications"] == 1 and len(week["series"]) == 7
    assert week["totals"]["conversion"] == 0.0 and week["totals"]["median_seconds"] is None
    bad = client.get("/v1/insights?window=year", headers=AUTH)
    assert bad.status_code == 400 and bad.get_json()["error"]["code"] == "invalid_parameter"
    assert client.get("/v1/insights").status_code == 401


def test_percentiles_interpolate_inside_a_bucket() -> None:
    histogram = [0] * len(LATENCY_BOUNDS)
    histogram[LATENCY_BOUNDS.index(60)] = 10  # ten approvals between 45 and 60 s
    assert percentile(histogram, 0.5) == 52.5
    assert percentile([0] * len(LATENCY_BOUNDS), 0.5) is None


def test_the_staff_page_and_its_json(otp: OtpService, client: FlaskClient) -> None:
    otp.start(A, "sms")
    page = client.get("/insights")
    assert page.status_code == 200 and b'data-chart="series"' in page.data
    data = client.get("/insights/data.json").get_json()
    assert data["totals"]["verifications"] == 1 and data["guard"]["mode"] == "standard"
    assert client.get("/insights?window=year").status_code == 400


def test_the_staff_page_needs_the_staff_login(redis_url: str, tmp_path: Path) -> None:
    """A live server's /insights is behind the staff login (issue 13), like every page."""
    from app import create_app

    app = create_app(production_config(redis_url, str(tmp_path)))
    client = app.test_client()
    public = "https://bot.example.co.id"
    assert client.get("/insights", base_url=public).status_code == 302  # to the login page
    assert client.get("/insights/data.json", base_url=public).status_code == 401
    log_in(app, client)
    assert client.get("/insights", base_url=public).status_code == 200
    assert client.get("/insights/data.json", base_url=public).status_code == 200


def test_a_trace_reads_back_as_it_was_written() -> None:
    """What an approval parses is the trace the start wrote: sources in order, a source
    item without its kind or value skipped, missing fields at their defaults."""
    trace = Trace(
        dims=Dims("sms", "ID", "login", "api"), hour=490_000, first_ms=1_764_000_000_000,
        last_ms=1_764_000_060_000, sends=2, prefix="ab12",
        sources=(("ip", "d1"), ("key", "d2")), fallback="whatsapp",
    )  # fmt: skip
    assert Trace.parse(trace.fields()) == trace
    raw = {"d": "sms|ID|login|api", "h": "7", "t0": "5", "src": "ip=d1,=x,key=,bare,k=v=w"}
    parsed = Trace.parse(raw)
    assert parsed.sources == (("ip", "d1"), ("k", "v=w")) and type(parsed.sources) is tuple
    assert (parsed.last_ms, parsed.sends, parsed.prefix, parsed.fallback) == (5, 1, "", "")
    assert Trace.parse({**raw, "src": ""}).sources == ()
