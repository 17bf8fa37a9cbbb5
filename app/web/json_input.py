"""JSON bodies: a document nested too deeply is a bad request, never a crash.

Python's ``json`` parser recurses once per nesting level; ``[[[[...`` a few
thousand deep raises RecursionError, which Flask does not expect from a
parser and turned into a 500. No request Sandi takes nests more than a few
levels, so anything deeper than :data:`MAX_DEPTH` is refused before parsing
(``get_json(silent=True)`` then gives None, and the views answer 400).
"""

from __future__ import annotations

from typing import Any

from flask.json.provider import DefaultJSONProvider

MAX_DEPTH = 32


def too_deep(text: str | bytes, limit: int = MAX_DEPTH) -> bool:
    """True when brackets outside strings nest deeper than ``limit``."""
    data = text.encode() if isinstance(text, str) else text
    if data.count(b"[") + data.count(b"{") <= limit:
        return False  # cannot nest deeper: skip the walk (the usual body, ~0.2 us)
    depth = 0
    in_string = escaped = False
    for byte in data:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # quote
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):  # [ {
            depth += 1
            if depth > limit:
                return True
        elif byte in (0x5D, 0x7D):
            depth -= 1
    return False


class BoundedJSONProvider(DefaultJSONProvider):
    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        if too_deep(s):
            raise ValueError(f"JSON nested deeper than {MAX_DEPTH} levels")
        return super().loads(s, **kwargs)
