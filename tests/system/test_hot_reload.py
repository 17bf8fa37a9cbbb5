"""Hot reload: a change that checks is swapped in for new turns; one that does not is refused.

Each test runs an app on copies of flows/ and templates/ and edits them.
The reload logic is called directly where the trigger does not matter;
the watcher thread, the Redis generation (``sandi flows reload``, several
workers) and SIGHUP each get a test of their own.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from app import create_app
from app.cli.main import main
from app.config import ROOT
from app.store.reload_relay import worker_versions
from app.web.current import EXTENSION
from app.wiring.flows_reload import RELOADER, FlowReloader, install_sighup
from tests.support.chat import Chat
from tests.support.polling import wait_for
from tests.support.staff import production_config
from tests.support.twilio_webhooks import Twilio

WELCOME_ID = "Halo{% if name %} {{ name }}{% endif %}! Selamat datang di Toko Kenari."


def reloader(app: Flask) -> FlowReloader:
    found: FlowReloader = app.extensions[RELOADER]
    return found


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_a_valid_edit_is_swapped_in_for_the_next_turn(shop_app: Flask, shop: Path) -> None:
    chat = Chat(Twilio(shop_app.test_client()))
    assert "Toko Kenari" in chat.say("halo")
    registry = shop_app.extensions[EXTENSION].flows
    before = registry.current.version
    edit(shop / "templates/id/welcome/menu.j2", "Toko Kenari", "Toko Merpati")
    result = registry.reload("test")
    assert result.status == "loaded"
    assert registry.current.version != before
    assert "Toko Merpati" in chat.say("menu")
    # Nothing changed since: nothing to do.
    assert registry.reload("test").status == "unchanged"


def test_a_broken_edit_is_refused_and_the_last_good_flows_serve(
    shop_app: Flask, shop: Path, caplog: pytest.LogCaptureFixture
) -> None:
    chat = Chat(Twilio(shop_app.test_client()))
    registry = shop_app.extensions[EXTENSION].flows
    good = registry.current.version
    edit(shop / "flows/welcome.yml", "goto_flow: verify_number", "goto_flow: verfy")
    result = registry.reload("test")
    assert result.status == "rejected"
    assert [str(p) for p in result.problems] == [
        "flows/welcome.yml:21:20: unknown flow 'verfy'; did you mean 'verify_number'?"
    ]
    assert registry.current.version == good
    assert registry.rejected is not None and registry.rejected.version == result.version
    assert "flows/welcome.yml:21:20: error: unknown flow 'verfy'" in caplog.text
    assert f"still serving {good}" in caplog.text
    # Customers still get the last good flows, menu button and all.
    assert "Kami akan mengirim kode" in chat.tap("verify_number", "Verifikasi nomor saya")
    # Fixing the file brings back the serving version; the rejection is forgotten.
    edit(shop / "flows/welcome.yml", "goto_flow: verfy", "goto_flow: verify_number")
    assert registry.reload("test").status == "unchanged"
    assert registry.rejected is None


def test_a_broken_template_or_yaml_is_refused_too(shop_app: Flask, shop: Path) -> None:
    registry = shop_app.extensions[EXTENSION].flows
    (shop / "templates/en/welcome/menu.j2").write_text("Hello {{ nama }}!", encoding="utf-8")
    result = registry.reload("test")
    assert result.status == "rejected"
    assert "templates/en/welcome/menu.j2:1:10: unknown variable 'nama'" in str(result.problems[0])
    (shop / "templates/en/welcome/menu.j2").write_text("Hello!", encoding="utf-8")
    (shop / "flows/agent.yml").write_text("flow: agent\nsteps:\n  - handoff: [", encoding="utf-8")
    assert registry.reload("test").problems[0].message == (
        "this [ is never closed: add ] at the end of the list [until this is fixed, flow "
        "'agent' is left out, so flows/welcome.yml:33:20, flows/commands.yml:33:15 report it "
        "missing: fix this first]"
    )


def test_the_serving_version_is_a_snapshot_not_the_disk(shop_app: Flask, shop: Path) -> None:
    """A template that breaks on disk after a reload does not reach customers."""
    chat = Chat(Twilio(shop_app.test_client()))
    (shop / "templates/id/welcome/menu.j2").write_text("{{ nama_toko }", encoding="utf-8")
    assert shop_app.extensions[EXTENSION].flows.reload("test").status == "rejected"
    assert chat.say("halo").startswith("Halo Budi! Selamat datang di Toko Kenari.")


def test_a_session_whose_step_vanished_restarts_with_a_note(
    shop_app: Flask, shop: Path, redis_client: Any
) -> None:
    chat = Chat(Twilio(shop_app.test_client()))
    registry = shop_app.extensions[EXTENSION].flows
    assert "Lewat apa kode dikirim?" in chat.say("verifikasi")
    session = redis_client.get("sandi:{wa:+6281234567890}:session")
    assert f'"flow_version":"{registry.current.version}"' in session
    edit(shop / "flows/verify_number.yml", "id: choose_channel", "id: pick_channel")
    assert registry.reload("test").status == "loaded"
    reply = chat.say("sms")
    assert reply.startswith("Maaf, alur percakapan ini baru saja kami perbarui.")
    assert "Lewat apa kode dikirim?" in reply
    assert f'"flow_version":"{registry.current.version}"' in redis_client.get(
        "sandi:{wa:+6281234567890}:session"
    )


def test_a_session_whose_flow_vanished_gets_the_menu(shop_app: Flask, shop: Path) -> None:
    chat = Chat(Twilio(shop_app.test_client()))
    chat.say("ganti email")
    edit(
        shop / "flows/welcome.yml",
        "      - value: change_email\n",
        "      - value: email_removed\n",
    )
    edit(shop / "flows/welcome.yml", "goto_flow: change_email", "goto_flow: faq")
    (shop / "flows/change_email.yml").unlink()
    assert shop_app.extensions[EXTENSION].flows.reload("test").status == "loaded"
    reply = chat.say("budi@contoh.com")
    assert "baru saja kami perbarui" in reply
    assert "Selamat datang di Toko Kenari" in reply


@pytest.fixture
def running(shop_config: dict[str, Any], redis_client: Any) -> Iterator[Flask]:
    shop_config["SANDI_WATCH_FLOWS"] = "1"
    shop_config["SANDI_FLOWS_POLL"] = "0.05"
    app = create_app(shop_config)
    reloader(app).start()
    wait_for(reloader(app).watching.is_set)
    try:
        yield app
    finally:
        reloader(app).stop()


def test_the_watcher_reloads_a_saved_file_and_refuses_a_broken_one(
    running: Flask, shop: Path
) -> None:
    registry = running.extensions[EXTENSION].flows
    chat = Chat(Twilio(running.test_client()))
    first = registry.current.version
    # Editors save through a temporary file and a rename.
    temp = shop / "templates/id/welcome/.menu.j2.swp"
    temp.write_text(WELCOME_ID.replace("Kenari", "Merpati"), encoding="utf-8")
    os.replace(temp, shop / "templates/id/welcome/menu.j2")
    wait_for(lambda: registry.current.version != first)
    assert "Toko Merpati" in chat.say("halo")
    second = registry.current.version
    edit(shop / "flows/welcome.yml", "goto_flow: agent", "goto_flow: agen")
    wait_for(lambda: registry.rejected is not None)
    assert registry.current.version == second
    assert "unknown flow 'agen'" in registry.rejected.errors[0].message


def test_sandi_flows_reload_reaches_every_worker(
    shop_config: dict[str, Any], shop: Path, redis_client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two apps on one Redis stand for two gunicorn workers; neither watches files."""
    shop_config["SANDI_WATCH_FLOWS"] = "0"
    shop_config["SANDI_FLOWS_POLL"] = "0.05"
    workers = [create_app(shop_config), create_app(shop_config)]
    for app in workers:
        reloader(app).start()
    try:
        edit(shop / "templates/en/welcome/menu.j2", "Toko Kenari", "Toko Merpati")
        for key in ("SANDI_FLOWS_DIR", "SANDI_TEMPLATES_DIR", "REDIS_URL"):
            monkeypatch.setenv(key, shop_config[key])
        result = workers[0].test_cli_runner().invoke(main, ["flows", "reload", "--wait", "10"])
        assert result.exit_code == 0, result.output
        versions = {app.extensions[EXTENSION].flows.current.version for app in workers}
        assert len(versions) == 1
        (version,) = versions
        assert f"for flows version {version}" in result.output
        assert f"2 worker(s) serve version {version}" in result.output
        assert set(worker_versions(redis_client)) == {reloader(a).worker_id for a in workers}
        # A broken edit is refused by the command itself: nothing is published.
        edit(shop / "flows/faq.yml", "faq: faq/ask", "faq: faq/tanya")
        refused = workers[0].test_cli_runner().invoke(main, ["flows", "reload"])
        assert refused.exit_code == 1
        assert "flows/faq.yml:16:10: error: missing template 'faq/tanya'" in refused.output
        assert "not reloaded" in refused.output
        assert {a.extensions[EXTENSION].flows.current.version for a in workers} == {version}
    finally:
        for app in workers:
            reloader(app).stop()
    assert worker_versions(redis_client) == {}


def test_sighup_reloads(shop_config: dict[str, Any], shop: Path, redis_client: Any) -> None:
    shop_config["SANDI_WATCH_FLOWS"] = "0"  # only the signal may reload
    shop_config["SANDI_FLOWS_POLL"] = "0"  # no polling either: the thread waits for a wake-up
    app = create_app(shop_config)
    registry = app.extensions[EXTENSION].flows
    previous = signal.getsignal(signal.SIGHUP)
    reloader(app).start()
    try:
        assert install_sighup(reloader(app))
        first = registry.current.version
        edit(shop / "templates/en/common/help.j2", "Words you can type", "You can type")
        os.kill(os.getpid(), signal.SIGHUP)
        wait_for(lambda: registry.current.version != first)
    finally:
        signal.signal(signal.SIGHUP, previous)
        reloader(app).stop()


#: Every setting production insists on (issue 13), so only the reload settings vary.
PRODUCTION = production_config("redis://127.0.0.1:6379/9", "/tmp")


@pytest.mark.parametrize(
    ("raw", "watch", "poll"),
    [
        ({}, True, 2.0),
        (PRODUCTION, False, 2.0),
        ({"SANDI_WATCH_FLOWS": "0", "SANDI_FLOWS_POLL": "0.5"}, False, 0.5),
        ({**PRODUCTION, "SANDI_WATCH_FLOWS": "1"}, True, 2.0),
    ],
)  # fmt: skip
def test_reload_settings(raw: dict[str, str], watch: bool, poll: float) -> None:
    from app.config import Settings
    from app.wiring.flows_reload import ReloadSettings

    assert ReloadSettings.from_settings(Settings.from_mapping(raw)) == ReloadSettings(watch, poll)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"SANDI_WATCH_FLOWS": "maybe"}, "SANDI_WATCH_FLOWS must be 1 or 0"),
        ({"SANDI_FLOWS_POLL": "soon"}, "SANDI_FLOWS_POLL must be seconds"),
        ({"SANDI_FLOWS_POLL": "-1"}, "must not be negative"),
    ],
)
def test_bad_reload_settings(raw: dict[str, str], message: str) -> None:
    from app.config import ConfigError, Settings
    from app.wiring.flows_reload import ReloadSettings

    with pytest.raises(ConfigError, match=message):
        ReloadSettings.from_settings(Settings.from_mapping(raw))


def test_flows_test_on_broken_flows_says_so(shop_config: dict[str, Any], shop: Path) -> None:
    from flask.cli import ScriptInfo

    edit(shop / "flows/welcome.yml", "goto_flow: verify_number", "goto_flow: verfy")
    result = (
        Flask(__name__)
        .test_cli_runner()
        .invoke(
            main,
            ["flows", "test", str(ROOT / "flows/tests")],
            obj=ScriptInfo(create_app=lambda: create_app(shop_config)),
        )
    )
    assert result.exit_code == 1
    assert "flows/welcome.yml:21:20: error: unknown flow 'verfy'" in result.output
    assert "fix them first" in result.output


def test_an_otp_message_edit_goes_live_with_the_reload(shop_app: Flask, shop: Path) -> None:
    services = shop_app.extensions[EXTENSION]
    edit(
        shop / "templates/id/otp_sms.j2",
        "JANGAN beri kode ini ke siapa pun.",
        "Jangan bagikan kode ini.",
    )
    assert services.flows.reload("test").status == "loaded"
    services.otp.start("+6281234567890", "sms")
    body = services.outbox.read("+6281234567890")[-1]["body"]
    assert "Jangan bagikan kode ini." in body and "JANGAN" not in body


def test_an_otp_sms_that_no_longer_fits_one_segment_is_refused(shop_app: Flask, shop: Path) -> None:
    services = shop_app.extensions[EXTENSION]
    edit(shop / "templates/id/otp_sms.j2", "siapa pun.", "siapa pun. " + "Terima kasih! " * 10)
    result = services.flows.reload("test")
    assert result.status == "rejected"
    (problem,) = [p for p in result.problems if p.severity == "error"]
    assert problem.where.file.endswith("templates/id/otp_sms.j2")
    assert "one segment (160)" in problem.message
    services.otp.start("+6281234567890", "sms")
    assert "siapa pun." in services.outbox.read("+6281234567890")[-1]["body"]  # the last good one
