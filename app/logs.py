"""Logging that is safe to ship: numbers masked, bodies and codes never at INFO."""

from __future__ import annotations

import logging
import re

_EMAIL = re.compile(r"^([^@]{1,2})[^@]*(@.+)$")


def mask(address: str | None) -> str:
    """Mask a phone number or e-mail address for a log line.

    ``+6281234567890`` becomes ``+62812****7890``: enough to tell customers
    apart when reading logs, not enough to contact one.
    """
    if not address:
        return "-"
    prefix = ""
    if ":" in address and not address.startswith("+"):
        prefix, _, address = address.partition(":")
        prefix += ":"
    match = _EMAIL.match(address)
    if match:
        return f"{prefix}{match.group(1)}***{match.group(2)}"
    if len(address) >= 11:
        return f"{prefix}{address[:6]}****{address[-4:]}"
    if len(address) > 4:
        return f"{prefix}{'*' * (len(address) - 2)}{address[-2:]}"
    return prefix + "*" * len(address)


def configure(level: str) -> None:
    """Plain ``time level logger: message`` lines on stderr, once per process."""
    root = logging.getLogger()
    if not any(getattr(h, "_sandi", False) for h in root.handlers):
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        handler._sandi = True  # type: ignore[attr-defined]
        root.addHandler(handler)
    logging.getLogger("app").setLevel(level)
