"""Issue 13.6: the chat flows' sends are limited like API sends.

The attack: one WhatsApp customer ran ``change_email`` 25 times in half a
second with plus-address variants (``a+1@x``, ``a+2@x``...), and all 25 codes
landed in one inbox: the per-destination limit counted each variant apart,
and nothing counted the customer asking.
"""

from __future__ import annotations

from typing import Any

from flask import Flask

from app import create_app
from app.otp.destinations import limit_address
from tests.support.chat import Chat
from tests.support.twilio_webhooks import Twilio

INBOX = "korban@contoh.co.id"


def change_email(chat: Chat, address: str) -> str:
    chat.say("menu awal")  # leave the code step of the last round
    chat.say("ganti email")
    chat.say(address)
    return chat.say("ya")


def codes_sent(app: Flask, addresses: list[str]) -> int:
    outbox = app.extensions["sandi"].outbox
    return sum(len(outbox.read(a)) for a in addresses)


def test_plus_address_variants_count_as_one_inbox(app: Flask, twilio: Twilio) -> None:
    chat = Chat(twilio, sender="+6281234500001")
    variants = [INBOX.replace("@", f"+{n}@") for n in range(1, 26)]
    answers = [change_email(chat, address) for address in variants]
    assert codes_sent(app, variants) == 10  # SANDI_OTP_DESTINATION_LIMITS: 10 an hour
    assert all("Maaf" in a for a in answers[10:]), answers[10]


def test_one_customer_cannot_spray_codes_at_many_inboxes(app: Flask, twilio: Twilio) -> None:
    chat = Chat(twilio, sender="+6281234500002")
    inboxes = [f"orang{n}@contoh{n}.co.id" for n in range(15)]
    for address in inboxes:
        change_email(chat, address)
    assert codes_sent(app, inboxes) == 10  # SANDI_OTP_SENDER_LIMITS: 10 an hour
    other = Chat(twilio, sender="+6281234500003")
    change_email(other, "lain@contoh.co.id")
    assert codes_sent(app, ["lain@contoh.co.id"]) == 1  # someone else is not blocked


def test_the_server_wide_limit_covers_chat_sends(
    app_config: dict[str, Any], redis_client: Any
) -> None:
    app_config["SANDI_OTP_SERVER_LIMITS"] = "3/minute"
    app = create_app(app_config)
    twilio = Twilio(app.test_client())
    inboxes = [f"pelanggan{n}@contoh.co.id" for n in range(5)]
    for n, address in enumerate(inboxes):
        change_email(Chat(twilio, sender=f"+62812345001{n:02d}"), address)
    assert codes_sent(app, inboxes) == 3


def test_limit_address_folds_tags_and_keeps_numbers() -> None:
    assert limit_address("a+1@x.co.id") == "a@x.co.id"
    assert limit_address("a+b+c@x.co.id") == "a@x.co.id"
    assert limit_address("+tag@x.co.id") == "+tag@x.co.id"
    assert limit_address("+6281234567890") == "+6281234567890"
