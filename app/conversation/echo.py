"""The smallest bot that proves the path end to end: greet, then echo.

It stands in until the YAML flow engine replaces it as the default bot.
"""

from __future__ import annotations

from datetime import datetime

from app.conversation.model import Conversation, InboundMessage, Reply, Turn
from app.conversation.render import Templates

GREETINGS = {
    "halo": "id", "hai": "id", "hallo": "id", "selamat pagi": "id", "selamat siang": "id",
    "selamat sore": "id", "selamat malam": "id", "pagi": "id", "assalamualaikum": "id",
    "hi": "en", "hello": "en", "hey": "en", "good morning": "en", "good afternoon": "en",
    "good evening": "en",
}  # fmt: skip


class EchoBot:
    def __init__(self, templates: Templates, default_locale: str = "id") -> None:
        self.templates = templates
        self.default_locale = default_locale

    def handle(self, message: InboundMessage, conversation: Conversation, now: datetime) -> Turn:
        text = " ".join(message.body.split())
        greeting_locale = GREETINGS.get(text.lower().strip("!.,? "))
        if greeting_locale:
            conversation.profile["locale"] = greeting_locale
        locale = str(conversation.profile.get("locale") or self.default_locale)
        if greeting_locale or not text:
            name = "greeting"
            context = {"name": message.profile_name or ""}
        else:
            name, context = "echo", {"text": text}
        return Turn(replies=(Reply(self.templates.render(name, locale, context)),))
