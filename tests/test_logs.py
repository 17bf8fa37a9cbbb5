"""Log lines identify customers without exposing them."""

from __future__ import annotations

import logging

import pytest

from app.logs import mask
from tests.support.twilio_webhooks import Twilio


@pytest.mark.parametrize(
    ("address", "masked"),
    [
        ("+6281234567890", "+62812****7890"),
        ("whatsapp:+6281234567890", "whatsapp:+62812****7890"),
        ("budi.santoso@example.co.id", "bu***@example.co.id"),
        ("+12345", "****45"),
        ("", "-"),
        (None, "-"),
    ],
)
def test_mask(address, masked) -> None:
    assert mask(address) == masked


def test_one_info_line_per_message_masked_and_without_the_body(twilio: Twilio, caplog) -> None:
    with caplog.at_level(logging.DEBUG, logger="app"):
        twilio.send("rahasia pribadi sekali")
    lines = [r.getMessage() for r in caplog.records if r.name == "app.web.messages"]
    assert len(lines) == 1
    assert "+62812****7890" in lines[0]
    everything = "\n".join(r.getMessage() for r in caplog.records)
    assert "rahasia" not in everything
    assert "+6281234567890" not in everything
