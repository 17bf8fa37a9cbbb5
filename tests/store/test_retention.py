"""The retention table: one place for every lifetime, the settings that change them, the docs."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest
import redis

from app import create_app
from app.config import ConfigError, Settings
from app.retention import DEFAULTS, KINDS, Retention
from app.store import keys
from tests.support.chat import Chat
from tests.support.otp import CUSTOMER
from tests.support.twilio_webhooks import Twilio

DOC = Path(__file__).resolve().parents[2] / "docs" / "privacy.md"


def test_every_kind_has_a_lifetime_and_the_defaults_agree() -> None:
    assert [k.field for k in KINDS] == [f.name for f in dataclasses.fields(Retention)]
    assert {k.field: k.default for k in KINDS} == dataclasses.asdict(DEFAULTS)
    assert DEFAULTS.replies == keys.SEEN_TTL and DEFAULTS.opt_out == keys.OPT_OUT_TTL


def test_the_docs_name_every_setting() -> None:
    text = DOC.read_text(encoding="utf-8")
    for kind in KINDS:
        if kind.setting:
            assert f"`{kind.setting}`" in text, kind.setting


def test_settings_change_the_lifetimes_and_bad_ones_are_refused() -> None:
    settings = Settings.from_mapping({"SANDI_HISTORY_TTL": "3600", "SANDI_DELIVERY_TTL": "7200"})
    assert settings.retention.history == 3600 and settings.retention.delivery == 7200
    assert settings.retention.profile == DEFAULTS.profile
    with pytest.raises(ConfigError, match="SANDI_OUTBOX_TTL must be a whole number"):
        Settings.from_mapping({"SANDI_OUTBOX_TTL": "a day"})
    with pytest.raises(ConfigError, match="SANDI_OPT_OUT_TTL must be at least 86400"):
        Settings.from_mapping({"SANDI_OPT_OUT_TTL": "60"})


def test_the_stores_write_with_the_configured_lifetimes(
    app_config: dict[str, Any], redis_client: redis.Redis
) -> None:
    app_config.update(SANDI_PROFILE_TTL="7200", SANDI_REPLIES_TTL="120", SANDI_HISTORY_TTL="900")
    chat = Chat(Twilio(create_app(app_config).test_client()))
    chat.say("halo")
    cid = f"wa:{CUSTOMER}"
    assert 7100 < redis_client.ttl(keys.profile(cid)) <= 7200
    seen = redis_client.smembers(keys.conversation_index(cid))
    assert len(seen) == 1
    assert 0 < redis_client.ttl(seen.pop()) <= 120
    assert 0 < redis_client.ttl(keys.conversation_index(cid)) <= 120
