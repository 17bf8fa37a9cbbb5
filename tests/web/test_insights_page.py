"""``/insights`` in Chromium, showing the simulated day of tests/otp/test_fraud_simulation.py."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from app.web.insights_svg import APPROVED, BLOCKED, STARTED
from tests.otp.test_fraud_simulation import simulated_day
from tests.support.browser import chromium, screenshot_path
from tests.support.clock import FakeClock
from tests.support.live_server import serve
from tests.support.png import count_near


@pytest.mark.slow
@pytest.mark.browser
def test_insights_page_draws_the_day_and_agrees_with_its_json(
    app_config: dict[str, Any], clock: FakeClock, redis_client: Any
) -> None:
    app, figures = simulated_day(app_config, clock)
    with serve(app) as base, chromium() as browser:
        data = requests.get(f"{base}/insights/data.json?window=day", timeout=10).json()
        page = browser.new_page(viewport={"width": 1320, "height": 900})
        page.goto(f"{base}/insights?window=day")
        page.screenshot(path=screenshot_path("insights"), full_page=True)

        charts = page.locator("svg.chart")
        assert charts.count() == 5  # the series, and one per channel/country/purpose/flow
        for i in range(charts.count()):
            box = charts.nth(i).bounding_box()
            assert box and box["width"] > 100 and box["height"] > 20, box
        series = page.locator('svg[data-chart="series"]')
        assert series.locator('rect[data-kind="blocked"]').count() >= 5  # the bursts
        assert series.locator('rect[data-kind="approved"]').count() >= 20
        for kind in ("started", "approved", "blocked"):
            rect = series.locator(f'rect[data-kind="{kind}"]').first.bounding_box()
            assert rect and rect["width"] > 0 and rect["height"] > 0, kind

        # The screenshot really shows the bars in their colours.
        shot = series.screenshot()
        for colour in (STARTED, APPROVED, BLOCKED):
            assert count_near(shot, colour) > 200, colour

        # The numbers shown are the JSON's.
        t = data["totals"]
        assert page.text_content("#total-verifications") == str(t["verifications"])
        assert page.text_content("#total-approved") == str(t["approved"])
        assert page.text_content("#total-blocked") == str(t["blocked"])
        assert page.text_content("#total-conversion") == f"{100 * t['conversion']:.1f}%"
        assert page.text_content("#total-median") == f"{t['median_seconds']:.0f} s"
        assert t["blocked"] == figures.attack_blocked + figures.legit_blocked
        countries = page.locator('[data-dimension="country"] svg text').all_text_contents()
        for row in data["by"]["country"]:
            assert row["key"] in countries
            shown = f"{row['verifications']} · {100 * row['conversion']:.0f}%"
            assert any(text.startswith(shown) for text in countries), (shown, countries)
        blocks = page.locator("#active-blocks tr").count() - 1
        assert blocks == len(data["guard"]["blocks"]) > 0
        assert "+62812" not in page.content() or "****" in page.content()
