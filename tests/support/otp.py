"""Reading codes the way a customer would: from the sandbox outbox."""

from __future__ import annotations

import re
from typing import Any

API_KEY = "test-api-key-1"
AUTH = {"Authorization": f"Bearer {API_KEY}"}
CUSTOMER = "+6281234567890"


def code_in(entry: dict[str, Any]) -> str:
    """The code in one outbox entry (SMS text, spoken digits, or flash-call caller)."""
    body = entry["body"]
    if entry["channel"] == "call":
        spoken = re.search(r"\d(?:, \d)+", body)
        assert spoken, body
        return spoken.group(0).replace(", ", "")
    if entry["channel"] == "flashcall":
        return body  # the caller number; its last digits are the code
    return body.split()[0]


def last_code(outbox: Any, to: str = CUSTOMER) -> str:
    entries = outbox.read(to)
    assert entries, f"nothing in the outbox for {to}"
    return code_in(entries[-1])


def wrong(code: str) -> str:
    """A code of the same length that is certainly not ``code``."""
    return f"{(int(code) + 1) % 10 ** len(code):0{len(code)}d}"
