"""JSON bodies: a document nested too deeply is a bad request, never a crash;
and JSON answers written by an encoder made once (:meth:`BoundedJSONProvider.dumps`).

Python's ``json`` parser recurses once per nesting level; ``[[[[...`` a few
thousand deep raises RecursionError, which Flask does not expect from a
parser and turned into a 500. No request Sandi takes nests more than a few
levels, so anything deeper than :data:`MAX_DEPTH` is refused before parsing
(``get_json(silent=True)`` then gives None, and the views answer 400).
"""

from __future__ import annotations

import json
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
    #: The encoders :meth:`dumps` made, by the settings they were made with.
    _encoders: dict[tuple[Any, ...], json.JSONEncoder]

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        """Flask's ``dumps`` (``json.dumps`` with the provider's ``default``,
        ``ensure_ascii`` and ``sort_keys``), through an encoder kept per setting.

        ``json.dumps`` with any argument of its own builds a ``JSONEncoder`` on
        every call; every answer Flask or the OTP API's fast path writes passes
        ``separators`` (or ``indent``). The key holds every setting the encoder
        is made with, read anew each call, so a provider changed later is obeyed.
        """
        if not kwargs.keys() <= {"separators", "indent"}:
            return super().dumps(obj, **kwargs)
        settings = (
            self.default, self.ensure_ascii, self.sort_keys,
            kwargs.get("separators"), kwargs.get("indent"),
        )  # fmt: skip
        encoders = self.__dict__.setdefault("_encoders", {})
        try:
            encoder = encoders[settings]
        except KeyError:
            encoder = encoders[settings] = json.JSONEncoder(
                default=settings[0], ensure_ascii=settings[1], sort_keys=settings[2],
                separators=settings[3], indent=settings[4],
            )  # fmt: skip
        except TypeError:  # a setting that cannot be a key (a list of separators)
            return super().dumps(obj, **kwargs)
        text: str = encoder.encode(obj)
        return text

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        if too_deep(s):
            raise ValueError(f"JSON nested deeper than {MAX_DEPTH} levels")
        return super().loads(s, **kwargs)
