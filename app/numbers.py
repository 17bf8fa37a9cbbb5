"""Phone numbers to E.164: one parser, and a deliberate rule for each use.

Two rules, because the uses differ:

- ``"possible"`` (the right length for its country): numbers that come from
  Twilio (webhook ``From``), from our own configuration (sender numbers, test
  numbers such as ``+14155550100``), and numbers we hand to Twilio, which
  decides itself whether it can deliver. Refusing these on "valid" would
  refuse Twilio's own sandbox and test numbers.
- ``"valid"`` (an assigned range): numbers a customer or an app gives us to
  send a code to, or types into a chat. Sending an OTP to a number no carrier
  can have costs money and helps nobody.

A number without a leading ``+`` is refused unless a ``region`` says which
country it belongs to (a customer typing ``0812...`` in Indonesia).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

import phonenumbers

Rule = Literal["possible", "valid"]


#: phonenumbers' kinds of number, by the names Sandi's settings use.
KINDS: dict[int, str] = {
    phonenumbers.PhoneNumberType.MOBILE: "mobile",
    phonenumbers.PhoneNumberType.FIXED_LINE: "fixed_line",
    phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE: "fixed_line_or_mobile",
    phonenumbers.PhoneNumberType.TOLL_FREE: "toll_free",
    phonenumbers.PhoneNumberType.PREMIUM_RATE: "premium_rate",
    phonenumbers.PhoneNumberType.SHARED_COST: "shared_cost",
    phonenumbers.PhoneNumberType.VOIP: "voip",
    phonenumbers.PhoneNumberType.PERSONAL_NUMBER: "personal_number",
    phonenumbers.PhoneNumberType.PAGER: "pager",
    phonenumbers.PhoneNumberType.UAN: "uan",
    phonenumbers.PhoneNumberType.VOICEMAIL: "voicemail",
    phonenumbers.PhoneNumberType.UNKNOWN: "unknown",
}

_UNKNOWN = phonenumbers.PhoneNumberType.UNKNOWN


@dataclass(frozen=True, slots=True)
class Number:
    e164: str
    #: ISO 3166 region of the number ("ID"), when the library knows it.
    country: str | None
    #: What kind of line it is (``mobile``, ``fixed_line``, ``premium_rate``...: :data:`KINDS`).
    kind: str = "unknown"


def parse_number(text: str, rule: Rule, region: str | None = None) -> Number | None:
    """The number in E.164 with its country, or None when it breaks ``rule``."""
    if region is None and not text.startswith("+"):
        return None
    if rule == "possible":
        # A valid number is possible too: the OTP core parsed it as "valid" a moment ago
        # (the cached answer), the channels ask "possible" of the same text.
        valid = _parse(text, "valid", region)
        if valid is not None:
            return valid
    return _parse(text, rule, region)


def to_e164(text: str, rule: Rule, region: str | None = None) -> str | None:
    """Just the E.164 form (see :func:`parse_number`)."""
    number = parse_number(text, rule, region)
    return number.e164 if number is not None else None


@lru_cache(maxsize=8192)
def possible_e164(text: str) -> str | None:
    """``to_e164(text, "possible")`` of a number written with its ``+``, for a use that
    wants only the E.164 form (a webhook's ``From``, a new customer's first message).

    A possible number is formatted as it is parsed, without asking its type and
    country (a third of what parsing it costs); any other goes to_e164's whole
    way, so what is accepted, and how it is written, is to_e164's answer."""
    if not text.startswith("+"):
        return None
    try:
        parsed = phonenumbers.parse(text, None)
    except phonenumbers.NumberParseException:
        return None
    if phonenumbers.is_possible_number(parsed):
        return str(phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164))
    return to_e164(text, "possible")


def readable(text: str, region: str | None = None) -> bool:
    """The text reads as a phone number at all (only its rule may still refuse it)."""
    try:
        phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return False
    return True


@lru_cache(maxsize=8192)
def _parse(text: str, rule: Rule, region: str | None) -> Number | None:
    """Cached: the same customers write again and again, and parsing is not cheap."""
    try:
        parsed = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    number_type = phonenumbers.number_type(parsed)
    # is_valid_number's own test: its region's metadata gives it a type (asked once
    # here, rather than matching the number against its patterns twice).
    valid = number_type != _UNKNOWN
    if not (valid if rule == "valid" else phonenumbers.is_possible_number(parsed)):
        return None
    country = phonenumbers.region_code_for_number(parsed)
    e164 = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    return Number(str(e164), str(country) if country else None, KINDS.get(number_type, "unknown"))


def national_digits(e164: str) -> str:
    """The national significant number of an E.164 number (``+6281...`` -> ``81...``)."""
    return str(phonenumbers.parse(e164, None).national_number)
