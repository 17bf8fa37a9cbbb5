"""Issue 13.1, 13.2, 13.8 and 13.9 (keys): the three modes, what production refuses, Host checks.

Each test starts with the attack as it worked on the old main, then sees it refused.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from flask import Flask

from app import create_app
from app.cli.main import main
from app.config import DEV_SECRET_KEY, ConfigError
from tests.support.redis_servers import RedisProcess
from tests.support.staff import log_in, production_config, with_csrf

VICTIM = "+6281234567890"
TESTER = "+6281100000001"
PUBLIC = "https://bot.example.co.id"


@pytest.fixture
def live_app(app_config: dict[str, Any], redis_client: Any) -> Flask:
    """A server with Twilio credentials but SANDI_ENV unset: live, so the pages are locked."""
    app_config.update(
        {
            "SANDI_SANDBOX": "0",
            "TWILIO_ACCOUNT_SID": "AC" + "1" * 32,
            "TWILIO_AUTH_TOKEN": "t" * 32,
            "SANDI_PUBLIC_URL": PUBLIC,
            "SANDI_TEST_NUMBERS": TESTER,
        }
    )
    return create_app(app_config)


def test_the_development_server_binds_loopback_only() -> None:
    run = main.get_command(None, "run")  # type: ignore[arg-type]
    host = next(p for p in run.params if p.name == "host")
    assert host.default == "127.0.0.1"


def test_a_live_simulator_is_no_signing_oracle_without_a_login(live_app: Flask) -> None:
    client = live_app.test_client()
    attack = {"channel": "whatsapp", "from": VICTIM, "body": "ganti email"}
    answer = client.post("/simulator/api/send", json=attack, base_url=PUBLIC)
    assert answer.status_code == 401
    assert answer.get_json()["error"]["code"] == "login_required"
    for path in ("/simulator", "/flows", "/staff/audit"):
        page = client.get(path, base_url=PUBLIC)
        assert page.status_code == 302, path
        assert page.headers["Location"].startswith("/staff/login?next=")
    for path in ("/flows/api/status", f"/simulator/api/outbox?to={TESTER}"):
        assert client.get(path, base_url=PUBLIC).status_code == 401, path


def test_a_logged_in_simulator_talks_only_as_the_test_numbers(live_app: Flask) -> None:
    client = log_in(live_app, live_app.test_client())
    victim = client.post(
        "/simulator/api/send",
        json={"channel": "whatsapp", "from": VICTIM, "body": "halo"},
        base_url=PUBLIC,
    )
    assert victim.status_code == 403
    assert "SANDI_TEST_NUMBERS" in victim.get_json()["error"]["message"]
    assert VICTIM not in victim.get_data(as_text=True)  # masked
    tester = client.post(
        "/simulator/api/send",
        json={"channel": "whatsapp", "from": TESTER, "body": "halo"},
        base_url=PUBLIC,
    )
    assert tester.status_code == 200 and tester.get_json()["status"] == 200


def test_every_state_changing_page_api_needs_the_csrf_token(live_app: Flask) -> None:
    client = log_in(live_app, live_app.test_client())
    token = client.environ_base.pop("HTTP_X_CSRF_TOKEN")
    body = {"channel": "whatsapp", "from": TESTER, "body": "halo"}
    for path in ("/simulator/api/send", "/simulator/api/reset"):
        assert client.post(path, json=body, base_url=PUBLIC).status_code == 403, path
        wrong = client.post(path, json=body, base_url=PUBLIC, headers={"X-CSRF-Token": "x" * 43})
        assert wrong.status_code == 403
        right = client.post(path, json=body, base_url=PUBLIC, headers={"X-CSRF-Token": token})
        assert right.status_code == 200, path


def test_development_pages_are_open_but_still_need_the_csrf_token(client: Any) -> None:
    body = {"channel": "whatsapp", "from": VICTIM, "body": "halo"}
    assert client.post("/simulator/api/send", json=body).status_code == 403
    assert with_csrf(client).post("/simulator/api/send", json=body).status_code == 200


def test_development_pages_are_open_to_this_machine_only(client: Any) -> None:
    """A development gunicorn bound to 0.0.0.0: a client elsewhere sending Host: localhost."""
    remote = {"REMOTE_ADDR": "198.51.100.7"}
    body = {"channel": "whatsapp", "from": VICTIM, "body": "halo"}
    answer = client.post("/simulator/api/send", json=body, environ_base=remote)
    assert answer.status_code == 401
    assert client.get("/simulator", environ_base=remote).status_code == 302
    assert client.get(f"/sandbox/outbox?to={VICTIM}", environ_base=remote).status_code == 401
    assert client.get("/simulator", environ_base={"REMOTE_ADDR": "::1"}).status_code == 200


def test_the_host_header_must_name_this_server(client: Any, app_config: dict[str, Any]) -> None:
    # DNS rebinding: a page at http://attacker.example whose name now points at 127.0.0.1.
    rebound = client.get("/simulator", base_url="http://attacker.example:5000")
    assert rebound.status_code == 400
    assert "SANDI_PUBLIC_URL" in rebound.get_json()["error"]["message"]
    for base in ("http://localhost:5000", "http://127.0.0.1:5000", "http://[::1]:5000"):
        assert client.get("/simulator", base_url=base).status_code == 200, base
    assert client.get("/healthz", base_url="http://10.1.2.3:5000").status_code == 200


def test_production_answers_only_for_its_public_name(
    redis_url: str, redis_client: Any, tmp_path: Path
) -> None:
    client = create_app(production_config(redis_url, str(tmp_path))).test_client()
    assert client.get("/staff/login", base_url="http://localhost").status_code == 400
    assert client.get("/staff/login", base_url=PUBLIC).status_code == 200
    extra = production_config(redis_url, str(tmp_path), SANDI_ALLOWED_HOSTS="sandi.internal")
    other = create_app(extra).test_client()
    assert other.get("/staff/login", base_url="http://sandi.internal").status_code == 200


@pytest.mark.parametrize(
    ("change", "says"),
    [
        # The old main logged "production mode, sandbox delivery" and served the outbox.
        ({"TWILIO_ACCOUNT_SID": None}, "needs TWILIO_ACCOUNT_SID to be set"),
        ({"SANDI_SANDBOX": "1"}, "SANDI_SANDBOX=1 is refused in production"),
        ({"SANDI_SECRET_KEY": "x"}, "SANDI_SECRET_KEY is too weak: set it to at least 32 random"),
        ({"SANDI_SECRET_KEY": "a" * 40}, "SANDI_SECRET_KEY is too weak"),
        ({"SANDI_SECRET_KEY": DEV_SECRET_KEY}, "SANDI_SECRET_KEY is the public development key"),
        ({"REDIS_URL": None}, r"needs REDIS_URL \(or REDIS_SENTINELS\) to be set"),
        ({"SANDI_PUBLIC_URL": None}, "needs SANDI_PUBLIC_URL to be set"),
    ],
)
def test_production_refuses_unsafe_settings_and_says_what_to_set(
    redis_url: str, tmp_path: Path, change: dict[str, Any], says: str
) -> None:
    config = production_config(redis_url, str(tmp_path))
    config.update(change)
    config = {k: v for k, v in config.items() if v is not None}
    with pytest.raises(ConfigError, match=says):
        create_app(config)


def test_the_sandbox_outbox_is_never_public_outside_development(
    app_config: dict[str, Any], redis_client: Any
) -> None:
    app_config["SANDI_ENV"] = "testing"
    client = create_app(app_config).test_client()
    assert client.get(f"/sandbox/outbox?to={VICTIM}").status_code == 401


def test_production_has_no_sandbox_outbox(
    redis_url: str, redis_client: Any, tmp_path: Path
) -> None:
    client = create_app(production_config(redis_url, str(tmp_path))).test_client()
    assert client.get(f"/sandbox/outbox?to={VICTIM}", base_url=PUBLIC).status_code == 404


# --- 13.8: a Redis that does not persist every write -------------------------------


def _on(server: RedisProcess, tmp_path: Path, **extra: Any) -> dict[str, Any]:
    config = production_config(server.url, str(tmp_path / "instance"))
    config.pop("SANDI_REDIS_DURABILITY")
    return {**config, **extra}


@pytest.mark.parametrize(
    ("flags", "says"),
    [
        (("--appendonly", "no"), "appendonly no"),
        (("--appendonly", "yes", "--appendfsync", "everysec"), "appendfsync everysec"),
    ],
)
def test_production_refuses_a_redis_that_can_lose_writes(
    tmp_path: Path, flags: tuple[str, ...], says: str
) -> None:
    server = RedisProcess(tmp_path / "redis", None, *flags).start()
    try:
        with pytest.raises(ConfigError, match=f"{says}.*Set appendonly yes"):
            create_app(_on(server, tmp_path))
    finally:
        server.stop()


def test_production_starts_on_an_aof_redis_and_everysec_is_an_explicit_choice(
    tmp_path: Path,
) -> None:
    always = RedisProcess(tmp_path / "a", None, "--appendonly", "yes", "--appendfsync", "always")
    everysec = RedisProcess(tmp_path / "b", None, "--appendonly", "yes")
    always.start()
    everysec.start()
    try:
        assert create_app(_on(always, tmp_path)).test_client().get("/readyz").status_code == 200
        chosen = _on(everysec, tmp_path, SANDI_REDIS_DURABILITY="everysec")
        assert create_app(chosen).test_client().get("/readyz").status_code == 200
    finally:
        always.stop()
        everysec.stop()


def test_a_redis_that_forbids_config_gets_a_loud_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    server = RedisProcess(tmp_path / "redis", None, "--rename-command", "CONFIG", "").start()
    try:
        with caplog.at_level(logging.CRITICAL, logger="app.store.persistence"):
            create_app(_on(server, tmp_path))
        assert "CANNOT CHECK REDIS PERSISTENCE" in caplog.text
        assert "SANDI_REDIS_DURABILITY=unchecked" in caplog.text
    finally:
        server.stop()


def test_the_run_command_is_unchanged_for_operators() -> None:
    result = CliRunner().invoke(main, ["users", "--help"])
    assert result.exit_code == 0 and "add" in result.output and "passwd" in result.output
