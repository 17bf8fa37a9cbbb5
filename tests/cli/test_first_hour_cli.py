"""The terminal side of the first hour: the run banner, a quiet chat that shows e-mail
codes, and ``sandi sandbox reset`` (issue 17)."""

from __future__ import annotations

import logging
import re
from typing import Any

import click
import pytest
from flask import Flask

from app import create_app
from app.cli.chat import chat_command
from app.cli.main import main
from app.cli.sandbox import banner, sandbox_reset
from app.cli.worker import run_with_worker
from app.config import Settings
from app.otp.errors import OtpError
from app.web.current import EXTENSION


def test_run_prints_where_to_click_first() -> None:
    lines = banner("127.0.0.1", 5000, Settings.from_mapping({}))
    assert lines[0].startswith("Sandi is starting (development mode, sandbox delivery")
    assert lines[0].endswith("Open http://127.0.0.1:5000/")
    text = "\n".join(lines)
    for path in ("/simulator", "/flows", "/v1/openapi.json", "/healthz"):
        assert f"http://127.0.0.1:5000{path}" in text
    with click.Context(main) as ctx:
        assert main.get_command(ctx, "run") is run_with_worker  # `sandi run` and `make run`


def test_the_banner_says_pages_need_a_staff_login_on_a_live_server() -> None:
    settings = Settings.from_mapping(
        {"TWILIO_ACCOUNT_SID": "AC" + "0" * 32, "TWILIO_AUTH_TOKEN": "t"}
    )
    text = "\n".join(banner("0.0.0.0", 8000, settings))
    assert "http://127.0.0.1:8000/healthz" in text
    assert "http://127.0.0.1:8000/simulator" in text and "staff login" in text


def test_chat_shows_the_email_code_and_no_log_lines(
    app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO):
        result = app.test_cli_runner().invoke(
            chat_command, input="ganti email\nbudi.baru@contoh.co.id\nya\n/quit\n"
        )
    assert result.exit_code == 0, result.output
    found = re.search(r"\[email to budi\.baru@contoh\.co\.id\] (\d{6}) ", result.output)
    assert found, result.output
    assert not [r for r in caplog.records if r.name.startswith("app.")], caplog.records
    assert " INFO " not in result.output


def test_chat_verbose_keeps_the_log_lines(app: Flask, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO):
        app.test_cli_runner().invoke(chat_command, ["--verbose"], input="halo\n/quit\n")
    assert any(r.name == "app.web.messages" for r in caplog.records)


def test_sandbox_reset_forgets_limits_and_outboxes(
    app_config: dict[str, Any], redis_client: Any
) -> None:
    app = create_app({**app_config, "SANDI_OTP_DESTINATION_LIMITS": "1/hour"})
    services = app.extensions[EXTENSION]
    services.otp.start("+6281234567890", "sms", purpose="a")
    with pytest.raises(OtpError):
        services.otp.start("+6281234567890", "sms", purpose="b")
    result = app.test_cli_runner().invoke(sandbox_reset)
    assert result.exit_code == 0, result.output
    assert "outbox(es) cleared" in result.output
    assert services.outbox.read("+6281234567890") == []
    services.otp.start("+6281234567890", "sms", purpose="b")  # room again


def test_sandbox_reset_refuses_outside_the_sandbox(
    app_config: dict[str, Any], redis_client: Any
) -> None:
    live = {**app_config, "SANDI_SANDBOX": "0", "TWILIO_ACCOUNT_SID": "AC" + "1" * 32}
    live["TWILIO_AUTH_TOKEN"] = "t"
    result = create_app(live).test_cli_runner().invoke(sandbox_reset)
    assert result.exit_code == 1
    assert "only in sandbox mode" in result.output
