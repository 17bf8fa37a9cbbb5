"""/flows draws what customers see: button texts, whole labels, steps named by what they do,
how the flows link, the FAQ and the global commands (issue 16)."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from tests.support.browser import chromium, screenshot_path
from tests.support.live_server import serve


def test_arrows_say_the_button_text_in_the_chosen_language(client: Any) -> None:
    english = client.get("/flows?lang=en").get_data(as_text=True)
    assert ">Verify my number</text>" in english and ">Talk to a person</text>" in english
    indonesian = client.get("/flows?lang=id").get_data(as_text=True)
    assert ">Verifikasi nomor saya</text>" in indonesian
    # Internal choice values are not what an arrow says.
    assert (
        ">verify_number</text>" not in english.split('id="overview"', 1)[1].split("flow-agent")[0]
    )
    assert '<a class="lang" href="/flows?lang=id">Bahasa Indonesia</a>' in english
    # A language the shop has not: the default one.
    assert ">Verifikasi nomor saya</text>" in client.get("/flows?lang=xx").get_data(as_text=True)


def test_steps_without_an_id_are_named_by_what_they_do(client: Any) -> None:
    html = client.get("/flows").get_data(as_text=True)
    assert ">check: not address_ok</text>" in html
    assert ">hand over to a person</text>" in html
    assert ">end: done</text>" in html
    assert ">step 3</text>" not in html


def test_the_overview_the_faq_and_the_commands_are_listed(client: Any) -> None:
    html = client.get("/flows?lang=en").get_data(as_text=True)
    overview = html.split('id="overview"', 1)[1].split("</section>", 1)[0]
    assert 'aria-label="all flows flow diagram"' in overview
    assert '<a href="#flow-verify_number">' in overview
    assert ">Verify my number</text>" in overview  # welcome's button that starts it
    assert "to_welcome --&gt;|&#34;Verify my number&#34;| to_verify_number" in overview
    faq = html.split('id="faq-entries"', 1)[1].split("</section>", 1)[0]
    assert "<code>how_long</code>" in faq and "<code>faq/how_long</code>" in faq
    commands = html.split('id="commands"', 1)[1].split("</section>", 1)[0]
    assert '<span class="chip">berhenti</span>' in commands
    assert 'starts the agent flow (a person) (<a href="#flow-agent">agent</a>)' in commands


@pytest.mark.browser
def test_no_label_is_clipped_in_chromium(app: Flask) -> None:
    with serve(app) as base, chromium() as browser:
        page = browser.new_page(viewport={"width": 1100, "height": 900})
        for lang in ("id", "en"):
            page.goto(f"{base}/flows?lang={lang}")
            clipped = page.evaluate(
                """() => [...document.querySelectorAll('svg.flow-diagram')].flatMap(svg => {
                    const width = svg.viewBox.baseVal.width;
                    return [...svg.querySelectorAll('text')].filter(t => {
                        const box = t.getBBox();
                        return box.x < 0 || box.x + box.width > width;
                    }).map(t => t.textContent);
                })"""
            )
            assert clipped == []
            # Box texts fit their boxes: no text runs past the right edge of its rect.
            overflowing = page.evaluate(
                """() => [...document.querySelectorAll('svg.flow-diagram g.step')].flatMap(g => {
                    const rect = g.querySelector('rect').getBBox();
                    return [...g.querySelectorAll('text')].filter(t => {
                        const box = t.getBBox();
                        return box.x + box.width > rect.x + rect.width + 1;
                    }).map(t => t.textContent);
                })"""
            )
            assert overflowing == []
            page.screenshot(path=screenshot_path(f"flows-diagrams-{lang}"), full_page=True)
