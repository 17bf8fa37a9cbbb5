"""deploy/grafana-dashboard.json graphs only what /metrics really serves.

A running app (real HTTP server on loopback, Twilio mode on the fake Twilio API,
e-mail through a real SMTP server) gets traffic of every kind the dashboard
graphs; then /metrics is scraped over HTTP and every metric name in every panel
query must be a series it serves. Series that this traffic does make must carry
samples, not only their HELP line.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any
from urllib.request import Request, urlopen

import pytest
from flask import Flask
from prometheus_client.parser import text_string_to_metric_families
from watchfiles import Change
from werkzeug.datastructures import MultiDict

from app import create_app
from app.config import ROOT
from app.wiring.flows_reload import RELOADER
from tests.channels.conftest import deliver
from tests.support.fake_twilio import FakeTwilio
from tests.support.live_server import serve
from tests.support.smtp_server import SmtpServer
from tests.support.twilio_webhooks import Twilio, inbound_form

DASHBOARD = ROOT / "deploy" / "grafana-dashboard.json"
#: What a Prometheus sample of each metric type may be called, from the family name.
SUFFIXES = {
    "counter": ("_total",),
    "gauge": ("",),
    "histogram": ("_bucket", "_sum", "_count"),
}
#: Graphed, but this traffic makes none: the dashboard needs their HELP/TYPE only.
NOT_MADE_HERE = {
    "sandi_unavailable_responses_total",  # Redis down or a locked conversation (tests/test_health.py)
    "sandi_lock_timeouts_total",
    "sandi_staff_login_failures_total",  # wrong staff passwords (tests/web/test_staff.py)
    "sandi_delivery_fallbacks_total",  # a failed delivery's fallback (tests/channels/)
}
API = {"Authorization": "Bearer k1", "Content-Type": "application/json"}


def dashboard_metric_names() -> set[str]:
    panels = json.loads(DASHBOARD.read_text())["panels"]
    exprs = [t["expr"] for p in panels for t in p.get("targets", [])]
    assert exprs, "the dashboard has no queries"
    return {name for e in exprs for name in re.findall(r"\bsandi_[a-z_]+\b", e)}


def served(text: str) -> tuple[set[str], set[str]]:
    """(every sample name /metrics declares, those with at least one sample)."""
    declared: set[str] = set()
    sampled: set[str] = set()
    for family in text_string_to_metric_families(text):
        declared |= {family.name + s for s in SUFFIXES.get(family.type, ("",))}
        sampled |= {s.name for s in family.samples}
    return declared, sampled


@pytest.fixture
def app(live_config: dict[str, Any], tmp_path: Path, redis_client: Any) -> Flask:
    flows = tmp_path / "flows"
    shutil.copytree(ROOT / "flows", flows, ignore=shutil.ignore_patterns("tests"))
    shutil.copytree(ROOT / "templates", tmp_path / "templates")
    smtp = SmtpServer("plain")
    smtp.__enter__()
    live_config.update(
        {
            "SANDI_API_KEYS": "k1",
            "SANDI_FLOWS_DIR": str(flows),
            "SANDI_TEMPLATES_DIR": str(tmp_path / "templates"),
            "SMTP_URL": f"smtp://127.0.0.1:{smtp.port}?starttls=off",
            "SMTP_FROM": "kode@tokoku.example",
        }
    )
    try:
        yield create_app(live_config)
    finally:
        smtp.__exit__()


def _json(base: str, path: str, body: dict[str, Any]) -> int:
    request = Request(base + path, json.dumps(body).encode(), API)
    try:
        with urlopen(request, timeout=10) as response:
            return int(response.status)
    except OSError as err:
        return int(getattr(err, "code", 0))


def test_every_dashboard_query_names_a_served_metric(
    app: Flask, fake_twilio: FakeTwilio, tmp_path: Path
) -> None:
    poster = Twilio(app.test_client(), token=app.extensions["sandi"].settings.webhook_auth_token)
    with serve(app) as base:
        # Webhook turns: one answered, one retried by Twilio, one forged, one malformed.
        form = inbound_form("halo")
        assert poster.post(form).status_code == 200
        assert poster.post(form).status_code == 200
        assert poster.post(inbound_form("halo"), signature="forged").status_code == 403
        assert poster.post(MultiDict({"MessageSid": "SM" + "0" * 32})).status_code == 400
        # The OTP API: sent by SMS through the real twilio client, checked, resent too soon,
        # refused by Twilio for one number, and sent by e-mail through SMTP.
        assert _json(base, "/v1/verifications", {"to": "+6281234567890", "channel": "sms"}) == 201
        assert (
            _json(base, "/v1/verifications/check", {"to": "+6281234567890", "code": "000000"})
            == 200
        )
        assert _json(base, "/v1/verifications", {"to": "+6281234567890", "channel": "sms"}) == 429
        fake_twilio.reject("+6281234567891", 21211)
        assert _json(base, "/v1/verifications", {"to": "+6281234567891", "channel": "sms"}) == 502
        email = {"to": "budi@example.com", "channel": "email", "purpose": "signup"}
        assert _json(base, "/v1/verifications", email) == 201
        deliver(poster, fake_twilio.take_callbacks())
        # A flow edit that does not check is refused (and counted), the last good flows serve.
        broken = Path(app.extensions["sandi"].settings.flows_dir) / "broken.yml"
        broken.write_text("flow: broken\nsteps: [{\n")
        reloader = app.extensions[RELOADER]
        assert reloader.files_changed({(Change.added, str(broken))}).status == "rejected"

        with urlopen(base + "/metrics", timeout=10) as response:
            text = response.read().decode()

    declared, sampled = served(text)
    wanted = dashboard_metric_names()
    assert wanted - declared == set(), "the dashboard graphs metrics /metrics does not serve"
    assert wanted - NOT_MADE_HERE - sampled == set(), "this traffic should have made these"
    assert "_created" not in text
    assert "sandi_provider_call_seconds_count{" in text and 'provider="smtp"' in text


def test_metrics_behind_a_token(app_config: dict[str, Any], redis_client: Any) -> None:
    app_config["SANDI_METRICS_TOKEN"] = "s3cret-scrape-token"
    client = create_app(app_config).test_client()
    refused = client.get("/metrics")
    assert refused.status_code == 401
    assert refused.headers["WWW-Authenticate"].startswith("Bearer")
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
    ok = client.get("/metrics", headers={"Authorization": "Bearer s3cret-scrape-token"})
    assert ok.status_code == 200
    assert b"sandi_build_info{" in ok.data


def test_metrics_port_moves_metrics_off_the_public_port(
    app_config: dict[str, Any], redis_client: Any
) -> None:
    app_config["SANDI_METRICS_PORT"] = "9464"
    assert create_app(app_config).test_client().get("/metrics").status_code == 404
