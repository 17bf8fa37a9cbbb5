"""A turn's saved session does not depend on whether its templates read their context.

Templates.render builds the context only for a template with Jinja in it, and
building it gives the session its ``vars`` dict; Dialogue.render gives it that
dict for every template, so the session saved after a plain reply is byte for
byte the one saved after a reply that reads a variable.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from app.config import ROOT
from app.content.loader import load_flows
from app.content.messages import Channel, Conversation, InboundMessage
from app.content.render import Templates
from app.conversation.dialogue import Dialogue

TEMPLATES = Templates(
    Path("in-memory"),
    {"id/plain.j2": "Halo!", "en/plain.j2": "Hello!",
     "id/named.j2": "Halo {{ name }}!", "en/named.j2": "Hello {{ name }}!"},
)  # fmt: skip
FLOWS = load_flows(ROOT / "flows", Templates(ROOT / "templates"))
MESSAGE = InboundMessage(
    channel=Channel.WHATSAPP, sender="+6281234567890", recipient="+14155238886", body="halo",
    message_sid="SM" + "0" * 32, received_at=datetime(2026, 12, 3, tzinfo=UTC),
    profile_name="Budi",
)  # fmt: skip


def saved_after(template: str, session: dict[str, Any]) -> tuple[str, str]:
    """What the template says, and the session as the turn store writes it."""
    conversation = Conversation("wa:+6281234567890", json.loads(json.dumps(session)), {})
    dialogue = Dialogue(FLOWS, TEMPLATES, MESSAGE, conversation, MESSAGE.received_at)
    said = dialogue.render(template)
    return said, json.dumps(conversation.session, separators=(",", ":"), ensure_ascii=False)


@pytest.mark.parametrize(
    ("session", "saved"),
    [
        ({}, '{"vars":{}}'),
        ({"flow": "welcome", "vars": None, "locale": "id"},
         '{"flow":"welcome","vars":{},"locale":"id"}'),
        ({"locale": "id", "vars": ["broken"]}, '{"locale":"id","vars":{}}'),
        ({"vars": {"email": "budi@contoh.com"}}, '{"vars":{"email":"budi@contoh.com"}}'),
    ],
)  # fmt: skip
def test_a_plain_reply_saves_the_session_a_templated_one_saves(
    session: dict[str, Any], saved: str
) -> None:
    plain, named = saved_after("plain", session), saved_after("named", session)
    assert (plain[0], named[0]) == ("Halo!", "Halo Budi!")
    assert plain[1] == named[1] == saved
