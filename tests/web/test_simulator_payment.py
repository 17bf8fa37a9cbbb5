"""The confirm_payment demo as a marketer tries it: in the simulator, in Chromium,
against a shop back end on loopback (the conversation tests' own back-end double)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask

from app import create_app
from app.flow_tests.backend_double import BackendDouble, HttpAnswer
from tests.support.browser import chromium, screenshot_path
from tests.support.live_server import serve

SECRET = "payment-demo-secret-0123456789-abcdefghij"


@pytest.fixture
def shop() -> Iterator[BackendDouble]:
    double = BackendDouble(SECRET)
    double.answer(
        {
            "/orders/lookup": HttpAnswer(
                body={"found": True, "amount": 150000, "payee": "Toko Kenari"}
            ),
            "/orders/confirm": HttpAnswer(body={"reference": "PAY-7781"}),
        }
    )
    yield double
    double.close()


@pytest.fixture
def pay_app(app_config: dict[str, Any], redis_client: Any, shop: BackendDouble) -> Flask:
    app_config.update(SANDI_SECRET_KEY=SECRET, SANDI_BACKEND_URL=shop.url)
    return create_app(app_config)


@pytest.mark.browser
def test_a_payment_is_confirmed_in_the_simulator(pay_app: Flask, shop: BackendDouble) -> None:
    with serve(pay_app) as base, chromium() as browser:
        page = browser.new_page()
        page.goto(base + "/simulator")
        page.fill("#message", "bayar")
        page.press("#message", "Enter")
        page.wait_for_selector(".bubble.out")
        page.fill("#message", "0012 3456")
        page.press("#message", "Enter")
        page.wait_for_function("document.querySelectorAll('.bubble.out').length === 2")
        assert "bayar Rp150.000 ke Toko Kenari" in page.inner_text(".bubble.out >> nth=1")
        page.click(".buttons button:has-text('Ya')")
        page.wait_for_selector("#outbox .entry")
        outbox = page.inner_text("#outbox")
        assert "untuk bayar Rp150.000 ke Toko Kenari" in outbox
        code = re.search(r"\b(\d{6})\b", outbox)
        assert code is not None
        page.fill("#message", code.group(1))
        page.press("#message", "Enter")
        page.wait_for_function(
            "[...document.querySelectorAll('.bubble.out')].some(b => b.innerText.includes('PAY-7781'))"
        )
        page.screenshot(path=screenshot_path("simulator_payment"), full_page=True)
    confirm = [c for c in shop.calls if c.path == "/orders/confirm"]
    assert confirm and confirm[0].signed and confirm[0].body["order"] == "00123456"
