"""Issue 18: the staff inbox, in Chromium, against the simulator; and its page API."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import Page

from app import create_app
from tests.support.browser import chromium, screenshot_path
from tests.support.live_server import serve
from tests.support.staff import PASSWORD, log_in, services_of
from tests.support.twilio_webhooks import CUSTOMER

DOCS_IMAGES = Path(__file__).resolve().parents[2] / "docs" / "images"


def picture(name: str) -> str:
    """Where a screenshot goes: test-artifacts/, or docs/images/ when
    ``SANDI_DOCS_SCREENSHOTS=1`` asks for the docs' pictures to be retaken (a plain
    test run leaves the working tree as it found it)."""
    if os.environ.get("SANDI_DOCS_SCREENSHOTS") == "1":
        DOCS_IMAGES.mkdir(exist_ok=True)
        return str(DOCS_IMAGES / f"{name}.png")
    return screenshot_path(name)


CID = f"wa:{CUSTOMER}"
HOST = "http://localhost"


@pytest.fixture
def staff_app(app_config: dict[str, Any], redis_client: Any) -> Flask:
    """Pages behind the staff login (SANDI_ENV=testing), delivery still in the sandbox."""
    app_config.update(SANDI_ENV="testing", SANDI_HISTORY_TTL="0", SANDI_API_KEYS="k-inbox")
    app = create_app(app_config)
    svc = services_of(app)
    svc.staff.add("sari", PASSWORD, svc.clock())
    return app


def _log_in(page: Page, base: str, target: str) -> None:
    page.goto(f"{base}/staff/login?next={target}")
    page.fill("input[name=user]", "sari")
    page.fill("input[name=password]", PASSWORD)
    page.click("button:has-text('Log in')")
    page.wait_for_url(f"{base}{target}")


@pytest.mark.browser
def test_staff_answer_a_customer_from_the_inbox_and_give_them_back_to_the_bot(
    staff_app: Flask, clock: Any
) -> None:
    with serve(staff_app) as base, chromium() as browser:
        staff = browser.new_context(viewport={"width": 1280, "height": 760}).new_page()
        customer = browser.new_context(viewport={"width": 1280, "height": 760}).new_page()
        _log_in(staff, base, "/inbox")
        staff.wait_for_selector("text=nobody is waiting")
        _log_in(customer, base, "/simulator")
        customer.fill("#message", "halo")
        customer.press("#message", "Enter")
        customer.wait_for_selector(".bubble.out")
        customer.fill("#message", "Bicara dengan CS")
        customer.press("#message", "Enter")
        customer.wait_for_selector(".bubble.out >> text=teruskan ke petugas")
        customer.fill("#message", "Pesanan 7781 belum sampai. Tadi dapat kode 482913")
        customer.press("#message", "Enter")
        clock.advance(minutes=4)
        # No reload: the inbox polls, and the conversation appears by itself.
        staff.wait_for_selector(f"#waiting li[data-conversation='{CID}']", timeout=10_000)
        staff.wait_for_selector("#log >> text=belum sampai")
        assert "Budi" in staff.inner_text("#who")
        assert "waiting 4 min" in staff.inner_text("#facts")
        assert "Bahasa Indonesia" in staff.inner_text("#facts")
        log = staff.inner_text("#log")
        assert "7781" in log and "482913" not in log and "\u2022" * 6 in log  # a code is masked
        staff.click("#assign")
        staff.wait_for_selector("#facts >> text=assigned to sari")
        assert staff.is_disabled("#assign")  # assigned to me already
        staff.fill("#note", "Cek resi JNE dulu")
        staff.press("#note", "Enter")
        staff.wait_for_selector("#notes >> text=Cek resi JNE dulu")
        staff.fill("#reply", "Halo Budi, saya Sari. Saya cek pesanan Anda sebentar ya.")
        staff.press("#reply", "Enter")
        staff.wait_for_selector("#log .bubble.staff >> text=saya Sari")
        staff.screenshot(path=picture("inbox"))
        # The customer reads it in the phone, as a bubble (it went out through the REST
        # API, so the simulator picks it up from the sandbox outbox), and in the outbox.
        customer.wait_for_selector("#chat .bubble.out.pushed >> text=saya Sari", timeout=10_000)
        customer.wait_for_selector("#outbox >> text=saya Sari")
        customer.screenshot(path=picture("inbox-simulator"))
        staff.click("#release")
        staff.wait_for_selector("text=nobody is waiting", timeout=10_000)
        customer.wait_for_selector("#chat .bubble.out >> text=Sesi dengan petugas kami sudah")
        customer.wait_for_selector("#outbox >> text=Sesi dengan petugas kami sudah selesai")
        # Each message once: the poll does not repeat a bubble, nor echo the bot's answers.
        chat = customer.locator("#chat .bubble.out")
        assert chat.filter(has_text="saya Sari").count() == 1
        assert chat.filter(has_text="teruskan ke petugas").count() == 1
        customer.fill("#message", "menu")
        customer.press("#message", "Enter")
        customer.wait_for_selector(".bubble.out >> text=Verifikasi nomor saya")
    actions = [e.action for e in services_of(staff_app).audit.recent()]
    assert {"inbox assign", "inbox note", "inbox reply", "handoff release"} <= set(actions)


def _ask_for_a_person(app: Flask) -> None:
    from tests.support.chat import Chat
    from tests.support.twilio_webhooks import Twilio

    chat = Chat(Twilio(app.test_client()))
    chat.say("halo")
    assert "teruskan ke petugas" in chat.say("cs")


def test_the_list_answers_304_while_nothing_changes_and_the_api_agrees(
    staff_app: Flask, clock: Any
) -> None:
    from click.testing import CliRunner
    from flask.cli import ScriptInfo

    from app.cli.main import main

    _ask_for_a_person(staff_app)
    client = log_in(staff_app, staff_app.test_client(), "sari", base_url=HOST)
    first = client.get("/inbox/api/conversations", base_url=HOST)
    assert first.status_code == 200 and first.headers["ETag"]
    [item] = first.get_json()["conversations"]
    assert (item["conversation"], item["name"], item["locale"]) == (CID, "Budi", "id")
    clock.advance(seconds=30)
    again = client.get(
        "/inbox/api/conversations",
        headers={"If-None-Match": first.headers["ETag"]},
        base_url=HOST,
    )
    assert again.status_code == 304 and again.get_data() == b""

    def sandi(*args: str) -> Any:
        return CliRunner().invoke(main, list(args), obj=ScriptInfo(create_app=lambda: staff_app))

    assert sandi("handoff", "list").output.startswith(CID)
    assert "assigned" not in sandi("handoff", "list").output
    client.post("/inbox/api/assign", json={"conversation": CID}, base_url=HOST)
    assert "assigned to sari" in sandi("handoff", "list").output
    api = staff_app.test_client().get(
        "/v1/handoffs", headers={"Authorization": "Bearer k-inbox"}, base_url=HOST
    )
    [listed] = api.get_json()["handoffs"]
    assert (listed["conversation"], listed["assigned"], listed["name"]) == (CID, "sari", "Budi")
    bad = client.post(
        "/inbox/api/reply",
        json={"conversation": "nope", "text": "x"},
        base_url=HOST,
    )
    assert bad.status_code == 400
    empty = client.post("/inbox/api/reply", json={"conversation": CID, "text": " "}, base_url=HOST)
    assert empty.status_code == 400
    no_csrf = staff_app.test_client()
    log_in(staff_app, no_csrf, "sari", base_url=HOST).environ_base.pop("HTTP_X_CSRF_TOKEN")
    refused = no_csrf.post("/inbox/api/release", json={"conversation": CID}, base_url=HOST)
    assert refused.status_code == 403
    # Released through the CLI: the page's list is empty too.
    out = CliRunner().invoke(
        main, ["handoff", "release", CUSTOMER], obj=ScriptInfo(create_app=lambda: staff_app)
    )
    assert out.exit_code == 0, out.output
    after = client.get("/inbox/api/conversations", base_url=HOST)
    assert after.get_json()["conversations"] == []
    gone = client.post("/inbox/api/reply", json={"conversation": CID, "text": "hi"}, base_url=HOST)
    assert gone.status_code == 404


def test_a_release_outside_the_window_tells_the_customer_with_the_next_answer(
    staff_app: Flask, clock: Any
) -> None:
    import json

    from tests.support.chat import Chat
    from tests.support.twilio_webhooks import Twilio

    chat = Chat(Twilio(staff_app.test_client()))
    chat.say("cs")
    svc = services_of(staff_app)
    assert svc.inbox.reply(CID, "sari", "Sebentar ya")[0].sent
    profile_key = f"sandi:{{{CID}}}:profile"
    raw = json.loads(svc.redis.get(profile_key))
    raw["last_inbound_at"] -= 86400
    svc.redis.set(profile_key, json.dumps(raw), ex=3600)
    [done] = svc.inbox.release(CUSTOMER, None, "sari")
    assert done.conversation == CID
    assert not [m for m in svc.outbox.read(CUSTOMER) if "sudah selesai" in m["body"]]
    assert chat.say("halo").startswith("Sesi dengan petugas kami sudah selesai.")


def test_outside_the_whatsapp_window_a_reply_is_refused_with_the_reason(
    staff_app: Flask, clock: Any
) -> None:
    _ask_for_a_person(staff_app)
    client = log_in(staff_app, staff_app.test_client(), "sari", base_url=HOST)
    clock.advance(hours=3, minutes=59)
    svc = services_of(staff_app)
    profile_key = f"sandi:{{{CID}}}:profile"
    import json

    raw = json.loads(svc.redis.get(profile_key))
    raw["last_inbound_at"] -= 86400  # the customer last wrote over a day ago
    svc.redis.set(profile_key, json.dumps(raw), ex=3600)
    answer = client.post(
        "/inbox/api/reply",
        json={"conversation": CID, "text": "Masih di sana?"},
        base_url=HOST,
    )
    assert answer.status_code == 409
    assert "24 hours" in answer.get_json()["error"]["message"]
    assert not [m for m in svc.outbox.read(CUSTOMER) if "Masih di sana" in m["body"]]
