"""Reading codes the way a customer would: from the sandbox outbox."""

from __future__ import annotations

import re
from typing import Any

API_KEY = "test-api-key-1"
AUTH = {"Authorization": f"Bearer {API_KEY}"}
CUSTOMER = "+6281234567890"


def code_in(entry: dict[str, Any]) -> str:
    """The code in one outbox entry, read as a person would from what was sent.

    Sandbox entries also carry the code beside the message; the two must agree.
    """
    code = _read(entry)
    if "code" in entry:
        assert entry["code"] == code, (entry["code"], entry["body"])
    return code


def _read(entry: dict[str, Any]) -> str:
    body = entry["body"]
    if entry["channel"] == "flashcall":
        caller = str(entry["extra"]["caller"])
        return caller[-int(entry["extra"]["code_length"]) :]
    if "code" in entry and entry["code"] in body.replace(" ", ""):
        return str(entry["code"])
    if entry["channel"] == "call":
        spoken = re.search(r"\d(?:, \d)+", body)
        assert spoken, body
        return spoken.group(0).replace(", ", "")
    digits = re.search(r"\b\d{4,10}\b", body)
    assert digits, body
    return digits.group(0)


def last_code(outbox: Any, to: str = CUSTOMER) -> str:
    entries = outbox.read(to)
    assert entries, f"nothing in the outbox for {to}"
    return code_in(entries[-1])


def wrong(code: str) -> str:
    """A code of the same length that is certainly not ``code``."""
    return f"{(int(code) + 1) % 10 ** len(code):0{len(code)}d}"
