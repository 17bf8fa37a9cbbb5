"""Issue 13.7 and staff accounts: `sandi users`, the login page, throttling, the audit trail."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from flask import Flask

from app import create_app
from app.cli.main import main
from tests.support.browser import chromium, screenshot_path
from tests.support.live_server import serve
from tests.support.staff import PASSWORD, csrf_from, log_in, production_config, services_of

PUBLIC = "https://bot.example.co.id"


@pytest.fixture
def prod(redis_url: str, redis_client: Any, tmp_path: Path) -> Flask:
    return create_app(production_config(redis_url, str(tmp_path)))


def users(args: list[str], env: dict[str, str], stdin: str | None = None) -> Any:
    return CliRunner().invoke(main, ["users", *args], env=env, input=stdin)


def test_users_add_list_passwd_remove_store_only_a_scrypt_hash(
    redis_url: str, redis_client: Any, tmp_path: Path
) -> None:
    env = {"REDIS_URL": redis_url, "SANDI_SANDBOX": "1", "SANDI_INSTANCE_DIR": str(tmp_path)}
    added = users(["add", "ana"], env, f"{PASSWORD}\n{PASSWORD}\n")
    assert added.exit_code == 0, added.output
    stored = redis_client.hget("sandi:{staff}:users", "ana")
    assert stored.count("scrypt$131072$8$1$") == 1 and PASSWORD not in stored
    assert "ana" in users(["list"], env).output and PASSWORD not in users(["list"], env).output
    short = users(["add", "budi", "--password-stdin"], env, "pendek\n")
    assert short.exit_code == 1 and "at least 12 characters" in short.output
    again = users(["add", "ana", "--password-stdin"], env, f"{PASSWORD}\n")
    assert again.exit_code == 1 and "exists already" in again.output
    changed = users(["passwd", "ana", "--password-stdin"], env, "kata-sandi-yang-baru-juga\n")
    assert changed.exit_code == 0, changed.output
    assert redis_client.hget("sandi:{staff}:users", "ana") != stored
    assert users(["remove", "ana"], env).exit_code == 0
    assert users(["remove", "ana"], env).exit_code == 1
    actions = [e.action for e in services_of(create_app({"TESTING": True, **env})).audit.recent()]
    assert actions == ["user removed", "password changed", "user added"]


def test_login_sets_a_strict_httponly_secure_cookie_and_logout_ends_it(prod: Flask) -> None:
    svc = services_of(prod)
    svc.staff.add("ana", PASSWORD, svc.clock())
    client = prod.test_client()
    form = client.get("/staff/login?next=/flows", base_url=PUBLIC).get_data(as_text=True)
    answer = client.post(
        "/staff/login",
        data={"user": "ana", "password": PASSWORD, "csrf_token": csrf_from(form), "next": "/flows"},
        base_url=PUBLIC,
    )
    assert answer.status_code == 303 and answer.headers["Location"] == "/flows"
    cookie = answer.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "Secure" in cookie and "SameSite=Strict" in cookie
    page = client.get("/flows", base_url=PUBLIC)
    assert page.status_code == 200 and "Log out" in page.get_data(as_text=True)
    token = csrf_from(page.get_data(as_text=True))
    assert client.post("/staff/logout", data={}, base_url=PUBLIC).status_code == 403  # no CSRF
    out = client.post("/staff/logout", data={"csrf_token": token}, base_url=PUBLIC)
    assert out.status_code == 303
    assert client.get("/flows", base_url=PUBLIC).status_code == 302


def test_the_login_form_needs_its_csrf_token_and_never_redirects_off_site(prod: Flask) -> None:
    svc = services_of(prod)
    svc.staff.add("ana", PASSWORD, svc.clock())
    client = prod.test_client()
    no_token = client.post(
        "/staff/login", data={"user": "ana", "password": PASSWORD}, base_url=PUBLIC
    )
    assert no_token.status_code == 403
    form = client.get("/staff/login", base_url=PUBLIC).get_data(as_text=True)
    answer = client.post(
        "/staff/login",
        data={"user": "ana", "password": PASSWORD, "csrf_token": csrf_from(form)},
        query_string={"next": "//attacker.example/"},
        base_url=PUBLIC,
    )
    assert answer.headers["Location"] == "/simulator"


def test_a_password_change_ends_every_session(prod: Flask) -> None:
    client = log_in(prod, prod.test_client())
    assert client.get("/flows", base_url=PUBLIC).status_code == 200
    svc = services_of(prod)
    svc.staff.set_password("ana", "a-new-password-for-ana", svc.clock())
    assert client.get("/flows", base_url=PUBLIC).status_code == 302


def _try(client: Any, user: str, password: str, ip: str = "203.0.113.9") -> Any:
    form = client.get("/staff/login", base_url=PUBLIC).get_data(as_text=True)
    return client.post(
        "/staff/login",
        data={"user": user, "password": password, "csrf_token": csrf_from(form)},
        base_url=PUBLIC,
        environ_base={"REMOTE_ADDR": ip},
    )


def test_password_guessing_is_throttled_logged_and_counted(
    prod: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    svc = services_of(prod)
    svc.staff.add("ana", PASSWORD, svc.clock())
    client = prod.test_client()
    with caplog.at_level(logging.WARNING, logger="app.web.staff_pages"):
        answers = [_try(client, "ana", f"tebakan-{n}").status_code for n in range(5)]
        assert answers == [401] * 5
        # The sixth try is refused before its password is even looked at, right or not.
        locked = _try(client, "ana", PASSWORD)
    assert locked.status_code == 429 and int(locked.headers["Retry-After"]) >= 1
    assert "try again in" in locked.get_data(as_text=True)
    assert "staff login failed for 'ana' from 203.0.x.x" in caplog.text
    assert "203.0.113.9" not in caplog.text
    metrics = client.get("/metrics", base_url=PUBLIC).get_data(as_text=True)
    assert 'sandi_staff_login_failures_total{reason="password"} 5.0' in metrics
    assert 'sandi_staff_login_failures_total{reason="throttled"} 1.0' in metrics


def test_one_address_guessing_many_accounts_is_throttled(
    redis_url: str, redis_client: Any, tmp_path: Path
) -> None:
    app = create_app(production_config(redis_url, str(tmp_path), SANDI_LOGIN_IP_LIMITS="3/hour"))
    client = app.test_client()
    assert [_try(client, f"user{n}", "salah-salah-salah").status_code for n in range(3)] == [
        401
    ] * 3
    assert _try(client, "user9", "salah-salah-salah").status_code == 429
    assert _try(client, "user9", "salah-salah-salah", ip="198.51.100.7").status_code == 401


def test_the_audit_trail_shows_who_did_what(prod: Flask) -> None:
    client = log_in(prod, prod.test_client())
    page = client.get("/staff/audit", base_url=PUBLIC).get_data(as_text=True)
    assert "<td>ana</td><td>login</td>" in page and "203.0.x.x" not in page
    entry = services_of(prod).audit.recent()[0]
    assert (entry.user, entry.action) == ("ana", "login")


@pytest.mark.browser
def test_a_staff_member_logs_in_uses_the_simulator_and_reads_the_audit_trail(
    app_config: dict[str, Any], redis_client: Any
) -> None:
    app_config.update(
        {
            "TWILIO_ACCOUNT_SID": "AC" + "1" * 32,
            "TWILIO_AUTH_TOKEN": "t" * 32,
            "SANDI_SANDBOX": "0",
            "SANDI_TEST_NUMBERS": "+6281100000001",
        }
    )
    app = create_app(app_config)
    svc = services_of(app)
    svc.staff.add("ana", PASSWORD, svc.clock())
    with serve(app) as base, chromium() as browser:
        page = browser.new_page()
        page.goto(base + "/simulator")
        assert "/staff/login" in page.url
        page.fill("input[name=user]", "ana")
        page.fill("input[name=password]", "salah-salah-salah")
        page.click("button[type=submit]")
        assert "Wrong user name or password." in page.inner_text(".problem")
        page.screenshot(path=screenshot_path("staff-login"), full_page=True)
        page.fill("input[name=user]", "ana")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_selector("#composer")
        assert page.input_value("#number") == "+6281100000001"
        page.fill("#message", "halo")
        page.press("#message", "Enter")
        page.wait_for_selector(".bubble.out")
        assert page.inner_text(".bubble.out").startswith("Halo")
        page.goto(base + "/staff/audit")
        assert "login" in page.inner_text("table")
        page.screenshot(path=screenshot_path("staff-audit"), full_page=True)
        page.click("text=Log out")
        page.wait_for_selector("input[name=user]")
        page.goto(base + "/simulator")
        assert "/staff/login" in page.url


def test_a_handoff_release_is_in_the_audit_trail(
    app_config: dict[str, Any], redis_client: Any
) -> None:
    from tests.support.chat import Chat
    from tests.support.twilio_webhooks import CUSTOMER, Twilio

    app_config["SANDI_API_KEYS"] = "k1"
    app = create_app(app_config)
    Chat(Twilio(app.test_client())).say("talk to a person")
    released = app.test_client().post(
        "/v1/handoffs/release", json={"to": CUSTOMER}, headers={"Authorization": "Bearer k1"}
    )
    assert released.status_code == 200
    (entry,) = services_of(app).audit.recent()
    assert (entry.user, entry.action, entry.detail) == (
        "api:env:1",
        "handoff release",
        "+62812****7890",
    )


def test_a_flows_reload_is_in_the_audit_trail(
    app_config: dict[str, Any], redis_client: Any
) -> None:
    env = {"REDIS_URL": app_config["REDIS_URL"], "SANDI_SANDBOX": "1"}
    result = CliRunner().invoke(main, ["flows", "reload", "--wait", "0"], env=env)
    assert result.exit_code == 0, result.output
    app = create_app(app_config)
    (entry,) = services_of(app).audit.recent()
    assert (entry.user, entry.action) == ("cli", "flows reload")
    assert entry.detail == app.extensions["sandi"].flows.current.version
