"""Renaming a step: the reload says which live conversations it will send back to the start.

Issue 16: a marketer renamed ``ask_address`` and customers half-way through
"change my e-mail" were silently restarted. Now the reload counts them first
(from the sessions in Redis) and says how many, in which flow/step: in the
log, at the top of /flows and in ``sandi flows reload``.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from app import create_app
from app.cli.main import main
from app.content.restarts import Restart
from app.web.current import EXTENSION
from tests.support.chat import Chat
from tests.support.twilio_webhooks import Twilio


def waiting_for_an_address(app: Flask, senders: list[str]) -> None:
    for sender in senders:
        chat = Chat(Twilio(app.test_client()), sender=sender)
        assert "e-mail" in chat.say("ganti email")


def rename_ask_address(shop: Path) -> None:
    path = shop / "flows/change_email.yml"
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace("- id: ask_address", "- id: new_address").replace(
            "then: ask_address", "then: new_address"
        ),
        encoding="utf-8",
    )


def test_the_reload_logs_and_shows_whom_it_restarts(
    shop_config: dict[str, Any], shop: Path, redis_client: Any, caplog: pytest.LogCaptureFixture
) -> None:
    app = create_app(shop_config)
    waiting_for_an_address(app, ["+6281100000701", "+6281100000702"])
    Chat(Twilio(app.test_client()), sender="+6281100000703").say("halo")  # waits in the menu
    rename_ask_address(shop)
    registry = app.extensions[EXTENSION].flows
    with caplog.at_level(logging.WARNING, logger="app.content.registry"):
        result = registry.reload("test")
    assert result.status == "loaded"
    assert result.restarts == (Restart("change_email", "ask_address", 2, flow_gone=False),)
    assert str(result.restarts[0]) == (
        "change_email/ask_address: 2 conversation(s) (no step 'ask_address' now: "
        "they start 'change_email' again)"
    )
    logged = "\n".join(r.getMessage() for r in caplog.records if r.name == "app.content.registry")
    assert (
        "2 live conversation(s) will restart: they wait in 1 step(s) this version no longer has"
        in logged
    )
    assert "  change_email/ask_address: 2 conversation(s)" in logged
    assert "+62811" not in logged  # which step, never whose number
    html = app.test_client().get("/flows").get_data(as_text=True)
    assert "This version restarted 2 live conversation(s)" in html
    assert "<code>change_email/ask_address</code>:\n            2 conversation(s)" in html


def test_a_reload_that_keeps_every_step_restarts_nobody(
    shop_config: dict[str, Any], shop: Path, redis_client: Any
) -> None:
    app = create_app(shop_config)
    waiting_for_an_address(app, ["+6281100000711"])
    path = shop / "templates/id/change_email/done.j2"
    path.write_text(path.read_text(encoding="utf-8") + " ", encoding="utf-8")
    result = app.extensions[EXTENSION].flows.reload("test")
    assert result.status == "loaded"
    assert result.restarts == ()
    assert "live conversation(s)" not in app.test_client().get("/flows").get_data(as_text=True)


def test_sandi_flows_reload_says_it_before_the_workers_swap(
    shop_config: dict[str, Any], shop: Path, redis_client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = create_app(shop_config)
    waiting_for_an_address(app, ["+6281100000721"])
    rename_ask_address(shop)
    for key in ("SANDI_FLOWS_DIR", "SANDI_TEMPLATES_DIR", "REDIS_URL"):
        monkeypatch.setenv(key, shop_config[key])
    result = app.test_cli_runner().invoke(main, ["flows", "reload", "--wait", "0"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == (
        "1 live conversation(s) will restart: they wait in 1 step(s) this version no longer has:"
    )
    assert lines[1] == (
        "  change_email/ask_address: 1 conversation(s) (no step 'ask_address' now: "
        "they start 'change_email' again)"
    )
