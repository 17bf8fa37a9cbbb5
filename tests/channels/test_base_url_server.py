"""A real server (gunicorn) and worker started with TWILIO_API_BASE_URL: every send,
the API's and the worker's fallback alike, reaches the fake Twilio there."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import urlencode
from urllib.request import Request, urlopen

import pytest
from twilio.request_validator import RequestValidator

from tests.channels.conftest import OTP_CONTENT_SID, SMS_FROM, VOICE_FROM, WHATSAPP_FROM
from tests.support.fake_twilio import ACCOUNT_SID, AUTH_TOKEN, FakeTwilio
from tests.support.gunicorn_process import gunicorn
from tests.support.polling import wait_for
from tests.support.redis_servers import free_port
from tests.support.worker_process import workers

API_KEY = "base-url-test-key"


def call(base: str, path: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    request = Request(
        base + path,
        data=json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {API_KEY}", "Content-Type": "application/json"},
    )
    with urlopen(request, timeout=10) as response:
        return response.status, json.load(response)


def post_signed(url: str, form: dict[str, str]) -> int:
    signature = RequestValidator(AUTH_TOKEN).compute_signature(url, form)
    request = Request(
        url,
        data=urlencode(form).encode(),
        headers={
            "X-Twilio-Signature": signature,
            "Content-Type": "application/x-www-form-urlencoded",
        },
    )
    with urlopen(request, timeout=10) as response:
        return int(response.status)


@pytest.mark.slow
def test_a_server_started_with_twilio_api_base_url_sends_everything_to_it(
    tmp_path: Path, redis_url: str, redis_client: Any, fake_twilio: FakeTwilio
) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        "PATH": "/usr/bin:/bin",
        "PORT": str(port),
        "WEB_CONCURRENCY": "1",
        "REDIS_URL": redis_url,
        "SANDI_INSTANCE_DIR": str(tmp_path / "instance"),
        "SANDI_WATCH_FLOWS": "0",
        "SANDI_SANDBOX": "0",
        "SANDI_API_KEYS": API_KEY,
        "SANDI_PUBLIC_URL": base,
        "SANDI_AUTO_WHATSAPP_PREFIXES": "",
        "TWILIO_API_BASE_URL": fake_twilio.base_url,
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "TWILIO_SMS_FROM": SMS_FROM,
        "TWILIO_WHATSAPP_FROM": WHATSAPP_FROM,
        "TWILIO_WHATSAPP_OTP_CONTENT_SID": OTP_CONTENT_SID,
        "TWILIO_VOICE_FROM": VOICE_FROM,
    }
    fake_twilio.undeliver("whatsapp:+6281200000003", "63016")
    with gunicorn(env, tmp_path / "gunicorn.log"), workers(env, tmp_path) as pool:
        pool.start()
        wait_for(lambda: urlopen(base + "/healthz", timeout=1).status == 200, 30, 0.1)
        for to, channel in [("+6281200000001", "sms"), ("+6281200000002", "call"),
                            ("+6281200000003", "whatsapp")]:  # fmt: skip
            status, body = call(base, "/v1/verifications", {"to": to, "channel": channel})
            assert status == 201 and body["channel"] == channel, body
        assert len(fake_twilio.created()) == 3
        # The WhatsApp code is reported undelivered: the worker sends the SMS there too.
        for cb in fake_twilio.take_callbacks():
            if cb.form.get("MessageStatus") == "undelivered":
                assert post_signed(cb.url, cb.form) == 204
        wait_for(lambda: len(fake_twilio.created()) == 4, 30, 0.05, what="the SMS fallback")
    created = fake_twilio.created()
    assert [(r.resource, r.get("To")) for r in created][-1] == ("Messages", "+6281200000003")
    assert all(r.auth == (ACCOUNT_SID, AUTH_TOKEN) for r in created)
