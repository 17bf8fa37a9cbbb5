"""`cp .env.example .env` (the file's own first instruction) gives a working sandbox."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from dotenv import dotenv_values
from flask import Flask

from app import create_app
from app.config import ROOT, Settings
from app.content.messages import Channel
from app.conversation.steps import DEFAULT_HANDOFF
from app.flow_tests.driver import Simulator
from app.otp.email_policy import DEFAULT_EMAIL_PURPOSES, email_purposes
from app.otp.policy import DESTINATION_LIMITS, OtpSettings
from app.web.current import EXTENSION

EXAMPLE = ROOT / ".env.example"


def example() -> dict[str, str]:
    return {k: v or "" for k, v in dotenv_values(EXAMPLE).items()}


def test_every_setting_is_listed_once() -> None:
    names = [
        line.split("=", 1)[0]
        for line in EXAMPLE.read_text(encoding="utf-8").splitlines()
        if line and not line.startswith("#") and "=" in line
    ]
    assert len(names) == len(set(names)), sorted(n for n in names if names.count(n) > 1)


def test_the_copied_file_keeps_sandbox_mode() -> None:
    settings = Settings.from_mapping(example())
    assert settings.sandbox is True
    assert settings.env == "development"


def test_empty_settings_mean_their_defaults() -> None:
    assert Settings.from_mapping({"SANDI_SANDBOX": ""}).sandbox is True
    assert email_purposes({"SANDI_EMAIL_OTP_PURPOSES": " "}) == DEFAULT_EMAIL_PURPOSES


def test_the_values_it_shows_are_the_code_defaults() -> None:
    values = example()
    assert email_purposes(values) == DEFAULT_EMAIL_PURPOSES
    assert values["SANDI_OTP_DESTINATION_LIMITS"] == ""  # the default, explained beside it
    assert OtpSettings.from_mapping(values).destination_limits == DESTINATION_LIMITS
    assert int(values["SANDI_HANDOFF_TIMEOUT"]) == DEFAULT_HANDOFF
    assert int(values["SANDI_SESSION_TTL"]) == Settings.from_mapping({}).session_ttl
    assert values["SANDI_DEFAULT_LOCALE"] == Settings.from_mapping({}).default_locale


def test_a_code_is_sent_with_the_copied_file(
    redis_url: str, redis_client: Any, tmp_path: Path
) -> None:
    config: dict[str, Any] = {**example(), "TESTING": True, "REDIS_URL": redis_url}
    config["SANDI_INSTANCE_DIR"] = str(tmp_path / "instance")
    app: Flask = create_app(config)
    services = app.extensions[EXTENSION]
    simulator = Simulator(app, services)
    simulator.send(Channel.WHATSAPP, "+6281234567890", "verifikasi")
    sent = simulator.send(Channel.WHATSAPP, "+6281234567890", "sms")
    assert "Kode sudah dikirim lewat SMS" in sent.texts[-1]
    assert [m["channel"] for m in services.outbox.read("+6281234567890")] == ["sms"]
