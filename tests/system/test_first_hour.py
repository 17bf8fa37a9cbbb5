"""The first hour, as a newcomer spends it (issue 17), in a real Chromium.

From the start page to the simulator; then every demo flow walked to its
end in both languages — number verification with the code read off the
outbox pane, change of e-mail with the e-mail's code read off the same pane,
a question to the FAQ, a handover to a person — and all of it twice, with
Reset in between. Never a limit, never "the previous code is still valid",
never a blank bubble, and only the newest buttons answer.
"""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page

from tests.support.browser import chromium, screenshot_path
from tests.support.live_server import serve

WORDS = {
    "id": {
        "hello": "halo",
        "menu": "Halo Budi! Selamat datang di Toko Kenari.",
        "verify": "Verifikasi nomor saya",
        "verified": "Berhasil! Nomor +6281234567890 sudah terverifikasi.",
        "email": "Ganti e-mail saya",
        "ask_address": "Apa alamat e-mail baru Anda?",
        "yes": "Ya",
        "no": "Tidak",
        "email_done": "Selesai! Alamat e-mail Anda sekarang",
        "questions": "Pertanyaan",
        "ask": "Silakan tulis pertanyaan Anda",
        "question": "kak kode otp nya ga masuk2, gmn ya?",
        "answer": "Kode bisa terlambat karena sinyal lemah",
        "bye": "Terima kasih! Ketik MENU",
        "agent": "Bicara dengan CS",
        "connecting": "Baik, percakapan ini kami teruskan ke petugas",
    },
    "en": {
        "hello": "hello",
        "menu": "Hello Budi! Welcome to Toko Kenari.",
        "verify": "Verify my number",
        "verified": "Done! Your number +6281234567890 is verified.",
        "email": "Change my e-mail",
        "ask_address": "What is your new e-mail address?",
        "yes": "Yes",
        "no": "No",
        "email_done": "Done! Your e-mail address is now",
        "questions": "Questions",
        "ask": "Please type your question",
        "question": "my code never arrived, what should i do",
        "answer": "A code can be late",
        "bye": "Thank you! Type MENU",
        "agent": "Talk to a person",
        "connecting": "OK, we're passing this chat",
    },
}
LIMITS = ("terlalu banyak", "too many", "masih berlaku", "still valid", "coba lagi nanti")


class Phone:
    """The simulator page, driven as a person drives it."""

    def __init__(self, page: Page) -> None:
        self.page = page

    def last_reply(self) -> str:
        return self.page.locator(".bubble.out").last.inner_text()

    def _wait_for_reply(self, before: int) -> str:
        self.page.wait_for_function(
            f"document.querySelectorAll('.bubble.out, .bubble.error').length > {before}"
        )
        assert self.page.locator(".bubble.error").count() == 0
        reply = self.last_reply()
        assert reply.strip(), "a blank bubble"
        assert not any(word in reply for word in LIMITS), reply
        return reply

    def say(self, text: str) -> str:
        before = self.page.locator(".bubble.out").count()
        self.page.fill("#message", text)
        self.page.press("#message", "Enter")
        return self._wait_for_reply(before)

    def tap(self, title: str) -> str:
        before = self.page.locator(".bubble.out").count()
        button = self.page.locator(".bubble.out").last.locator(
            f".buttons button:text-is('{title}')"
        )
        button.scroll_into_view_if_needed()
        assert button.is_visible() and button.is_enabled()
        button.click()
        reply = self._wait_for_reply(before)
        # The tapped reply's buttons no longer answer.
        assert (
            self.page.locator(".bubble.out").nth(before - 1).locator("button:enabled").count() == 0
        )
        return reply

    def code(self, channel: str, seen: set[str]) -> str:
        """The newest code sent by ``channel``, read off the outbox pane."""
        entry = self.page.locator(f"#outbox .entry[data-channel='{channel}'] .code").first
        self.page.wait_for_function(
            "([channel, seen]) => { const c = document.querySelector("
            "`#outbox .entry[data-channel='${channel}'] .code`);"
            " return c && !seen.includes(c.textContent); }",
            arg=[channel, sorted(seen)],
        )
        code = entry.inner_text().strip()
        seen.add(code)
        return code

    def reset(self) -> None:
        self.page.click("#reset")
        self.page.wait_for_selector("#chat .hint")
        self.page.wait_for_selector("#outbox .hint")


def walk_every_flow(phone: Phone, lang: str, seen: set[str], round_: int) -> None:
    w = WORDS[lang]
    assert phone.say(w["hello"]).startswith(w["menu"])
    # Verify my number, the code read off the outbox pane.
    phone.tap(w["verify"])
    phone.tap("SMS")
    assert phone.say(phone.code("sms", seen)).startswith(w["verified"])
    # Change of e-mail: the code goes to the new address, and shows in the same pane.
    assert phone.say("menu").startswith(w["menu"])
    assert w["ask_address"] in phone.tap(w["email"])
    address = f"budi.{lang}.{round_}@contoh.co.id"
    assert address in phone.say(address)
    assert address in phone.tap(w["yes"])
    assert phone.say(phone.code("email", seen)).startswith(w["email_done"])
    # A question in the customer's own words.
    assert phone.say("menu").startswith(w["menu"])
    assert phone.tap(w["questions"]).startswith(w["ask"])
    assert phone.say(w["question"]).startswith(w["answer"])
    assert phone.tap(w["no"]).startswith(w["bye"])
    # And a person.
    assert phone.say("menu").startswith(w["menu"])
    assert phone.tap(w["agent"]).startswith(w["connecting"])


@pytest.mark.browser
def test_the_first_hour_has_no_dead_end(app: Any) -> None:
    with serve(app) as base, chromium() as browser:
        page = browser.new_page(viewport={"width": 1200, "height": 800})
        page.goto(base + "/")
        page.click("a:text-is('Simulator')")
        page.wait_for_selector("#chat .hint")
        assert page.input_value("#locale") == ""  # Auto, as the webhook
        phone = Phone(page)
        phone.reset()
        seen: set[str] = set()
        for round_ in (1, 2):
            for lang in ("id", "en"):
                walk_every_flow(phone, lang, seen, round_)
                page.screenshot(path=screenshot_path(f"first-hour-{lang}-{round_}"))
                phone.reset()
        assert len(seen) == 8  # two codes per walk, every one new
        # An empty message sends nothing.
        page.fill("#message", "   ")
        page.press("#message", "Enter")
        assert page.locator(".bubble").count() == 0
