"""/flows: diagrams of the serving flows, and the problems of the last edit, highlighted."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from app import create_app
from app.web.current import EXTENSION
from tests.support.browser import chromium, screenshot_path
from tests.support.live_server import serve
from tests.support.staff import log_in, production_config


def break_welcome(shop: Path) -> None:
    path = shop / "flows/welcome.yml"
    path.write_text(path.read_text().replace("goto_flow: verify_number", "goto_flow: verfy"))


def test_every_flow_is_drawn_with_its_mermaid_source(client: Any) -> None:
    html = client.get("/flows").get_data(as_text=True)
    assert "Flows are live" in html
    for flow in ("welcome", "verify_number", "change_email", "faq", "agent"):
        assert f'id="flow-{flow}"' in html
        assert f'aria-label="{flow} flow diagram"' in html
    assert 'data-step="send_code"' in html  # an OTP step drawn as a box
    assert "SEND CODE" in html and "HANDOFF" in html
    assert "flowchart TD" in html and "send_code -.-&gt;|&#34;error&#34;| send_failed" in html
    assert '<a href="#flow-verify_number">' in html  # the menu links to the flows it starts


def test_a_refused_edit_is_shown_with_its_line_while_the_last_good_flows_serve(
    shop_app: Flask, shop: Path
) -> None:
    registry = shop_app.extensions[EXTENSION].flows
    serving = registry.current.version
    break_welcome(shop)
    assert registry.reload("test").status == "rejected"
    client = shop_app.test_client()
    html = client.get("/flows").get_data(as_text=True)
    assert "Your last change was not applied" in html
    assert "flows/welcome.yml:21:20" in html
    assert "unknown flow &#39;verfy&#39;; did you mean &#39;verify_number&#39;?" in html
    assert re.search(r'<span class="here">\s+21 \|\s+goto_flow: verfy</span>', html)
    assert f"version <code>{serving}</code>" in html
    status = client.get("/flows/api/status").get_json()
    assert status["version"] == serving
    assert status["rejected"] == registry.rejected.version
    assert status["errors"][0]["line"] == 21


def test_warnings_highlight_the_step_that_says_the_template(shop_app: Flask, shop: Path) -> None:
    (shop / "templates/en/faq/bye.j2").write_text("Thank you 🙂 Type MENU any time.")
    registry = shop_app.extensions[EXTENSION].flows
    assert registry.reload("test").status == "loaded"
    html = shop_app.test_client().get("/flows").get_data(as_text=True)
    assert "templates/en/faq/bye.j2:1:11" in html
    assert '<g class="step step-end warning" data-step="#4"' in html


def test_flows_page_follows_the_simulator_access_rules(
    redis_url: str, redis_client: Any, tmp_path: Path
) -> None:
    """Issue 13: a staff login instead of SANDI_PAGES + SANDI_ADMIN_PASSWORD's Basic auth."""
    app = create_app(production_config(redis_url, str(tmp_path)))
    client = app.test_client()
    public = "https://bot.example.co.id"
    assert client.get("/flows", base_url=public).status_code == 302
    assert client.get("/flows/api/status", base_url=public).status_code == 401
    log_in(app, client)
    assert client.get("/flows", base_url=public).status_code == 200
    assert client.get("/flows/api/status", base_url=public).status_code == 200


def test_the_simulator_links_to_the_flows_page(client: Any) -> None:
    assert '<a href="/flows">Flows</a>' in client.get("/simulator").get_data(as_text=True)


@pytest.mark.browser
def test_flows_page_in_chromium_shows_a_broken_flow_then_the_fix(
    shop_app: Flask, shop: Path
) -> None:
    registry = shop_app.extensions[EXTENSION].flows
    break_welcome(shop)
    assert registry.reload("test").status == "rejected"
    with serve(shop_app) as base, chromium() as browser:
        page = browser.new_page(viewport={"width": 1100, "height": 900})
        page.goto(base + "/flows")
        assert "Your last change was not applied" in page.inner_text("#status")
        assert "flows/welcome.yml:21:20" in page.inner_text("#status")
        assert page.locator("svg.flow-diagram").count() == 7  # six flows and how they link
        page.screenshot(path=screenshot_path("flows-broken"), full_page=True)
        # The marketer fixes the file; the page notices and shows the live flows.
        welcome = shop / "flows/welcome.yml"
        welcome.write_text(
            welcome.read_text().replace("goto_flow: verfy", "goto_flow: verify_number")
        )
        assert registry.reload("test").status == "unchanged"
        page.wait_for_function(
            "document.querySelector('#status').innerText.includes('Flows are live')"
        )
        page.screenshot(path=screenshot_path("flows"), full_page=True)


def read_code(page: Any) -> str:
    page.wait_for_selector("#outbox .entry .code")
    return str(page.inner_text("#outbox .entry .code")).strip()


@pytest.mark.browser
@pytest.mark.parametrize(
    ("locale", "menu_button", "channel_button", "verified"),
    [
        (
            "id",
            "Verifikasi nomor saya",
            "SMS",
            "Berhasil! Nomor +6281234567890 sudah terverifikasi.",
        ),
        ("en", "Verify my number", "WhatsApp", "Done! Your number +6281234567890 is verified."),
    ],
)
def test_simulator_completes_verify_my_number_with_the_code_from_the_outbox(
    app_config: dict[str, Any],
    redis_client: Any,
    locale: str,
    menu_button: str,
    channel_button: str,
    verified: str,
) -> None:
    """Greeting, menu, channel, the code read from the outbox pane and typed back, success."""
    app = create_app(app_config)
    with serve(app) as base, chromium() as browser:
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        page.goto(base + "/simulator")
        page.select_option("#locale", locale)
        page.wait_for_function("document.querySelectorAll('.bubble').length === 0")
        page.fill("#message", "halo" if locale == "id" else "hello")
        page.press("#message", "Enter")
        page.click(f".buttons button:has-text('{menu_button}')")
        page.wait_for_function("document.querySelectorAll('.bubble.out').length === 2")
        page.click(f".buttons >> nth=-1 >> button:has-text('{channel_button}')")
        code = read_code(page)
        assert re.fullmatch(r"\d{6}", code)
        page.fill("#message", code)
        page.press("#message", "Enter")
        page.wait_for_function(
            f"[...document.querySelectorAll('.bubble.out')].some(b => b.innerText.includes({verified!r}))"
        )
        page.screenshot(path=screenshot_path(f"simulator-verify-{locale}"), full_page=True)
