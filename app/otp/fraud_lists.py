"""The operator's allow and deny lists for the fraud guard (``sandi fraud``).

Entries name a number prefix (any length, down to one whole number: a test
phone), a country (ISO code) or a client IP. How they combine, most
specific first:

1. the longest listed prefix of the number decides for the number: ``deny``
   blocks it, ``allow`` lets it through whatever the counts say;
2. a denied IP or country blocks;
3. an allowed country is never blocked *whole* (its prefixes still are:
   that is where pumping shows); an allowed IP is never blocked as a source
   (the business's own back end calling from one address).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from app.otp.errors import invalid
from app.otp.fraud_rules import ALLOW, Verdict

KINDS = ("prefix", "country", "ip")
ACTIONS = ("allow", "deny")
_PREFIX = re.compile(r"^\+[1-9][0-9]{0,14}$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")
_IP = re.compile(r"^[0-9A-Fa-f:.]{2,45}$")
#: Shortest prefix a list entry may name: "+6" would be a whole zone.
MIN_PREFIX = 3


@dataclass(frozen=True, slots=True)
class ListEntry:
    kind: str  # prefix | country | ip
    value: str
    action: str  # allow | deny
    note: str = ""
    at: str = ""  # ISO time it was set

    @property
    def field(self) -> str:
        return f"{self.kind}:{self.value}"


def normalise(kind: str, value: str) -> str:
    """A list value as stored; refuses what cannot match anything."""
    text = value.strip().replace(" ", "").replace("-", "")
    if kind == "prefix" and _PREFIX.match(text) and len(text) >= MIN_PREFIX:
        return text
    if kind == "country" and _COUNTRY.match(text.upper()):
        return text.upper()
    if kind == "ip" and _IP.match(text):
        return text.lower()
    examples = {"prefix": "+62812 or a whole number", "country": "ID", "ip": "203.0.113.7"}
    raise invalid(kind, f"{value!r} is not a {kind} (e.g. {examples.get(kind, '')})")


def list_candidates(number: str, country: str, client_ip: str | None) -> tuple[str, ...]:
    """Every entry that could match this send (each prefix of the number, its
    country, the client's IP): one read of the list answers all of them."""
    prefixes = tuple(f"prefix:{number[:n]}" for n in range(MIN_PREFIX, len(number) + 1))
    ip = (f"ip:{client_ip.lower()}",) if client_ip else ()
    return (*prefixes, f"country:{country}", *ip)


@dataclass(frozen=True, slots=True)
class ListDecision:
    verdict: Verdict = ALLOW
    allow_prefix: bool = False
    allow_country: bool = False
    allow_ip: bool = False

    @property
    def blocked(self) -> bool:
        return self.verdict.blocked


def decide_lists(listed: Mapping[str, str]) -> ListDecision:
    """Combine the matching entries (``field -> action``) as the module says."""
    prefixes = [f for f in listed if f.startswith("prefix:")]
    if prefixes:
        longest = max(prefixes, key=len)
        if listed[longest] == "deny":
            return ListDecision(Verdict("denied_prefix", "prefix", "deny list"))
        return ListDecision(allow_prefix=True)
    ip = next((a for f, a in listed.items() if f.startswith("ip:")), "")
    country = next((a for f, a in listed.items() if f.startswith("country:")), "")
    if ip == "deny":
        return ListDecision(Verdict("denied_ip", "source", "deny list"))
    if country == "deny":
        return ListDecision(Verdict("denied_country", "country", "deny list"))
    return ListDecision(allow_country=country == "allow", allow_ip=ip == "allow")
