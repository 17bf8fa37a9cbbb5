"""The simulator says so when an edit was refused, as /flows does, and both link to each other.

Issue 16: a marketer trying a change in the simulator saw the old flows and no
word of why. The banner (file:line:col, the message, the lines around it)
appears and clears while the page stays open, from the status /flows polls.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask

from app.web.current import EXTENSION
from tests.support.browser import chromium, screenshot_path
from tests.support.live_server import serve


def set_welcome(shop: Path, old: str, new: str) -> None:
    path = shop / "flows/welcome.yml"
    path.write_text(path.read_text().replace(old, new))


def test_the_status_carries_the_excerpt_the_banner_shows(shop_app: Flask, shop: Path) -> None:
    set_welcome(shop, "goto_flow: verify_number", "goto_flow: verfy")
    assert shop_app.extensions[EXTENSION].flows.reload("test").status == "rejected"
    status = shop_app.test_client().get("/flows/api/status").get_json()
    (error,) = status["errors"]
    assert error["where"] == "flows/welcome.yml:21:20"
    assert error["message"] == "unknown flow 'verfy'; did you mean 'verify_number'?"
    here = [line for line in error["excerpt"] if line["here"]]
    assert here == [{"number": 21, "text": "        goto_flow: verfy", "here": True}]
    assert status["rejected_at"].endswith("UTC")
    # /flows's banner links to the simulator, which shows the same until the fix.
    flows = shop_app.test_client().get("/flows").get_data(as_text=True)
    assert 'The <a href="/simulator">simulator</a>\n          shows the same until then.' in flows


def test_flows_links_each_flow_to_the_simulator_and_the_simulator_starts_it(
    shop_app: Flask,
) -> None:
    client = shop_app.test_client()
    html = client.get("/flows").get_data(as_text=True)
    assert '<a class="try" href="/simulator?flow=verify_number">Try this flow</a>' in html
    page = client.get("/simulator?flow=verify_number").get_data(as_text=True)
    assert 'data-start-flow="verify_number"' in page
    assert 'data-start-payload="verify_number"' in page
    assert 'href="/flows#status"' in page
    # A name that is no flow starts nothing (and is never echoed into the page).
    assert "data-start-flow" not in client.get("/simulator?flow=<b>x</b>").get_data(as_text=True)


@pytest.mark.browser
def test_a_broken_edit_shows_the_banner_in_the_simulator_and_the_fix_clears_it(
    shop_app: Flask, shop: Path
) -> None:
    registry = shop_app.extensions[EXTENSION].flows
    with serve(shop_app) as base, chromium() as browser:
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        page.goto(base + "/simulator")
        page.evaluate("window.sameDocument = true")  # gone if the page reloads
        assert page.locator("#flows-status").is_hidden()
        set_welcome(shop, "goto_flow: verify_number", "goto_flow: verfy")
        assert registry.reload("test").status == "rejected"
        page.wait_for_selector("#flows-status", state="visible")
        banner = page.inner_text("#flows-status")
        assert "Your last change was not applied" in banner
        assert "flows/welcome.yml:21:20" in banner
        assert "unknown flow 'verfy'; did you mean 'verify_number'?" in banner
        assert "21 |         goto_flow: verfy" in banner
        assert page.get_attribute("#flows-status a", "href") == "/flows#status"
        page.screenshot(path=screenshot_path("simulator-refused-edit"), full_page=True)
        # The chat keeps the last good flows meanwhile.
        page.fill("#message", "hello")
        page.press("#message", "Enter")
        page.wait_for_selector(".buttons button:has-text('Verify my number')")
        set_welcome(shop, "goto_flow: verfy", "goto_flow: verify_number")
        assert registry.reload("test").status == "unchanged"
        page.wait_for_selector("#flows-status", state="hidden")
        assert page.evaluate("window.sameDocument") is True


@pytest.mark.browser
def test_try_this_flow_opens_the_simulator_on_it(shop_app: Flask) -> None:
    with serve(shop_app) as base, chromium() as browser:
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        page.goto(base + "/flows")
        page.click("#flow-verify_number a.try")
        page.wait_for_url("**/simulator?flow=verify_number")
        page.wait_for_selector(".buttons button:has-text('SMS')")
        assert "trying verify_number" in page.inner_text("#phone-title")
        page.screenshot(path=screenshot_path("simulator-try-flow"), full_page=True)
