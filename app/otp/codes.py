"""Making, normalising and hashing one-time codes.

Codes come from an injected source of random integers (``secrets.randbelow``
by default: the operating system's CSPRNG), so tests can replay a seeded
source and check known answers. A code is stored only as an HMAC-SHA256
keyed with a subkey of ``SANDI_SECRET_KEY``: a Redis dump alone does not let
anyone brute-force the 10^6 possibilities offline.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Callable

from app.otp.errors import invalid

#: ``randbelow(n)`` returns a uniformly random integer in ``[0, n)``.
RandBelow = Callable[[int], int]

MIN_DIGITS, MAX_DIGITS = 4, 10
_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015\u2212.]+")
_DIGITS = re.compile(r"^[0-9]+$")


class CodeGenerator:
    def __init__(self, randbelow: RandBelow = secrets.randbelow) -> None:
        self._randbelow = randbelow

    def generate(self, digits: int) -> str:
        """A uniformly random string of ``digits`` decimal digits (leading zeros kept)."""
        if not MIN_DIGITS <= digits <= MAX_DIGITS:
            raise ValueError(f"digits must be between {MIN_DIGITS} and {MAX_DIGITS}")
        return f"{self._randbelow(10**digits):0{digits}d}"


def normalize_code(raw: object, field: str = "code") -> str:
    """``"123 456"``, ``"123-456"`` -> ``"123456"``; anything but 4–10 digits is refused.

    The error names the field and the rule, never the value typed.
    """
    if not isinstance(raw, str):
        raise invalid(field, "must be a string of digits")
    code = _SEPARATORS.sub("", raw)
    if not code or not _DIGITS.match(code) or not code.isascii():
        raise invalid(field, "must contain only the digits 0-9")
    if not MIN_DIGITS <= len(code) <= MAX_DIGITS:
        raise invalid(field, f"must be {MIN_DIGITS} to {MAX_DIGITS} digits long")
    return code


class CodeHasher:
    """Keyed hashes of codes and of destinations.

    Separate subkeys are derived for codes and for destination tags, so one
    can never be mistaken for the other.
    """

    def __init__(self, secret_key: str | bytes) -> None:
        key = secret_key.encode() if isinstance(secret_key, str) else secret_key
        self._code_mac = _Mac(hmac.new(key, b"sandi/otp/code/v1", hashlib.sha256).digest())
        self._dest_mac = _Mac(hmac.new(key, b"sandi/otp/destination/v1", hashlib.sha256).digest())
        self._scope_mac = _Mac(hmac.new(key, b"sandi/otp/fraud-scope/v1", hashlib.sha256).digest())
        self._last_destination: tuple[str, str] = ("", "")

    def code_hash(
        self,
        verification_id: str,
        code: str,
        amount: str | None = None,
        payee: str | None = None,
    ) -> str:
        """The stored form of ``code`` for one verification.

        The verification id, and for a payment the amount and payee, are part
        of the MAC: a code proves consent to exactly that transaction (PSD2
        dynamic linking), and a hash cannot be replayed on another verification.
        """
        parts = ("v1", verification_id, code, amount or "", payee or "")
        message = "\x1f".join(parts).encode()
        return self._code_mac.hexdigest(message)

    def matches(self, stored: str, verification_id: str, code: str, **binding: str | None) -> bool:
        """Constant-time comparison of a candidate against a stored hash."""
        candidate = self.code_hash(verification_id, code, **binding)
        return hmac.compare_digest(stored.encode(), candidate.encode())

    def destination(self, address: str) -> str:
        """A 128-bit keyed digest of a destination, hex: Redis keys never hold numbers.

        The last one is kept: a start asks it of the same number four times (its
        keys, its send limits, the opt-out read ahead and at the send). One
        tuple, replaced whole, so threads sharing the hasher never see a digest
        beside another's address (a miss at worst)."""
        last = self._last_destination
        if last[0] == address and address:
            return last[1]
        digest = self._dest_mac.hexdigest(address.encode())[:32]
        self._last_destination = (address, digest)
        return digest

    def scope(self, kind: str, value: str) -> str:
        """A 96-bit keyed digest naming what the fraud guard counts (a prefix, an
        IP, a chat sender) without holding it in clear."""
        message = f"{kind}\x1f{value}".encode()
        return self._scope_mac.hexdigest(message)[:24]


class _Mac:
    """HMAC-SHA256 under one fixed key, keyed once and copied per message.

    ``hmac.new`` sets the key up anew for every digest; the OTP core makes ten
    per start and check, and a copy of the keyed state (hmac's own ``copy``)
    costs a third less.
    """

    __slots__ = ("_keyed",)

    def __init__(self, key: bytes) -> None:
        self._keyed = hmac.new(key, digestmod=hashlib.sha256)

    def hexdigest(self, message: bytes) -> str:
        mac = self._keyed.copy()
        mac.update(message)
        return mac.hexdigest()
