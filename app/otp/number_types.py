"""Which kinds of phone number each channel may send a code to (toll-fraud screening).

A code sent to a premium-rate, shared-cost or UAN number earns its owner money
per message or call (SMS pumping, IRSF); toll-free, pager and voicemail numbers
never reach a person; a number whose kind is unknown cannot be judged. The kind
comes from Google's libphonenumber metadata (``phonenumbers.number_type``).

Defaults, per channel:

- ``sms``, ``whatsapp``: ``mobile``, and ``fixed_line_or_mobile`` — the
  metadata's answer where a country's numbering plan cannot tell the two
  apart (the USA and Canada, for one). Indonesia is not such a country:
  every valid +62 number is classed mobile (``8…``) or fixed line (area
  codes), and its fixed-wireless networks (Flexi, Esia, StarOne), whose
  area-code numbers could receive SMS, closed in 2015-2017; so an Indonesian
  landline is refused for SMS on purpose, not by accident of the metadata.
- ``flashcall``: ``mobile`` only (nobody reads a caller number off a landline).
- ``call``: ``mobile``, ``fixed_line`` and ``fixed_line_or_mobile``.

Everything else (``premium_rate``, ``shared_cost``, ``toll_free``, ``uan``,
``pager``, ``voicemail``, ``voip``, ``personal_number``, ``unknown``) is
refused unless a purpose's policy lists it (``number_types`` in the policy
file, or ``SANDI_OTP_<PURPOSE>_NUMBER_TYPES="call=mobile|fixed_line"``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.config import ConfigError
from app.numbers import KINDS

NAMES = frozenset(KINDS.values())
_TEXT = frozenset({"mobile", "fixed_line_or_mobile"})
DEFAULT_NUMBER_TYPES: Mapping[str, frozenset[str]] = {
    "sms": _TEXT,
    "whatsapp": _TEXT,
    "auto": _TEXT,
    "flashcall": frozenset({"mobile"}),
    "call": frozenset({"mobile", "fixed_line", "fixed_line_or_mobile"}),
}


def parse_number_types(value: object, where: str) -> dict[str, frozenset[str]]:
    """``"call=mobile|fixed_line,sms=mobile"`` or ``{call: [mobile, fixed_line]}``."""
    pairs: list[tuple[str, list[Any]]] = []
    if isinstance(value, Mapping):
        for key, listed in value.items():
            pairs.append((str(key), listed if isinstance(listed, list) else str(listed).split("|")))
    else:
        for part in str(value).split(","):
            channel, sep, text = part.partition("=")
            if not sep:
                raise ConfigError(f"OTP policy {where}: write channel=kind|kind, not {part!r}")
            pairs.append((channel, text.split("|")))
    out: dict[str, frozenset[str]] = {}
    for channel, kinds in pairs:
        name = channel.strip().lower()
        chosen = frozenset(str(k).strip().lower() for k in kinds if str(k).strip())
        if name not in DEFAULT_NUMBER_TYPES:
            raise ConfigError(
                f"OTP policy {where}: {name!r} is not a phone channel "
                f"({', '.join(sorted(DEFAULT_NUMBER_TYPES))})"
            )
        if not chosen or chosen - NAMES:
            raise ConfigError(
                f"OTP policy {where}: number kinds are {', '.join(sorted(NAMES))}, "
                f"not {sorted(chosen - NAMES) or 'nothing'}"
            )
        out[name] = chosen
    return out
