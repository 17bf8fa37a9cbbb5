"""Logging that is safe to ship: numbers masked, bodies and codes never at INFO."""

from __future__ import annotations

import logging
import re

_EMAIL = re.compile(r"^([^@]{1,2})[^@]*(@.+)$")
#: A phone number inside free text: a URL path (``/Verifications/+628...``), a
#: percent-encoded query (``to=%2B628...``) or a plain ``+628...``.
_NUMBER_IN_TEXT = re.compile(r"(\+|%2[bB])(\d{6,15})")


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


def mask_ip(address: str | None) -> str:
    """An IP address for a log line: ``203.0.113.9`` -> ``203.0.x.x`` (IPv6: first 3 groups)."""
    if not address:
        return "-"
    if ":" in address:
        return ":".join(address.split(":")[:3]) + ":x"
    parts = address.split(".")
    return ".".join(parts[:2] + ["x"] * (len(parts) - 2)) if len(parts) == 4 else "x"


def mask_numbers(text: str) -> str:
    """Mask every phone number inside ``text`` (request lines, URLs)."""
    return _NUMBER_IN_TEXT.sub(lambda m: m.group(1) + mask("+" + m.group(2))[1:], text)


class MaskNumbers(logging.Filter):
    """Masks numbers in records we do not write ourselves (werkzeug's request lines)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = mask_numbers(record.getMessage())
        record.args = None
        return True


def configure(level: str) -> None:
    """Plain ``time level logger: message`` lines on stderr, once per process."""
    root = logging.getLogger()
    if not any(getattr(h, "_sandi", False) for h in root.handlers):
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        handler._sandi = True  # type: ignore[attr-defined]
        root.addHandler(handler)
    logging.getLogger("app").setLevel(level)
    werkzeug = logging.getLogger("werkzeug")
    if not any(isinstance(f, MaskNumbers) for f in werkzeug.filters):
        werkzeug.addFilter(MaskNumbers())
