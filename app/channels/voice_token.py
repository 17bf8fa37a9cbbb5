"""The "press 1 to repeat" token: the code travels encrypted, and is stored nowhere.

When the customer presses 1, Twilio calls our ``<Gather action>`` URL and we
must read the code again. Sandi keeps only a keyed hash of a code, so it cannot
look it up; keeping a plain copy for the call would break the rule that codes
are never stored. Instead the action URL carries the code sealed with AES-GCM
under a key derived from ``SANDI_SECRET_KEY``, bound to the verification id and
to an expiry (the code's own), with the number of repeats left. The only
readable copy exists in the TwiML of the live call, which Twilio needs anyway.
The route is also Twilio-signed, so a leaked URL replays nothing without the
auth token, and a tampered or expired token reads as nothing.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_INFO = b"sandi/voice-otp-repeat/v1"
_NONCE = 12


@dataclass(frozen=True, slots=True)
class RepeatGrant:
    code: str
    locale: str
    expires_at: int  # epoch seconds
    repeats_left: int
    brand: str = ""  # the name the call says ("" = SANDI_BRAND)
    #: A payment code's amount and payee: the call says them (PSD2 dynamic linking).
    amount: str = ""
    payee: str = ""


class Expired(Exception):
    """The token is genuine but the code it carries has expired."""


class RepeatTokens:
    def __init__(self, secret_key: str) -> None:
        key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(
            secret_key.encode()
        )
        self._aead = AESGCM(key)

    def seal(self, verification_id: str, grant: RepeatGrant) -> str:
        plain = json.dumps(
            [
                grant.code,
                grant.locale,
                grant.expires_at,
                grant.repeats_left,
                grant.brand,
                grant.amount,
                grant.payee,
            ],
            separators=(",", ":"),
        ).encode()
        nonce = os.urandom(_NONCE)
        sealed = nonce + self._aead.encrypt(nonce, plain, verification_id.encode())
        return base64.urlsafe_b64encode(sealed).rstrip(b"=").decode()

    def open(self, verification_id: str, token: str, now: float) -> RepeatGrant | None:
        """The grant inside ``token``; None if forged; :class:`Expired` if too late."""
        try:
            sealed = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
            plain = self._aead.decrypt(sealed[:_NONCE], sealed[_NONCE:], verification_id.encode())
            # Tokens sealed before the brand (then the payment) was added carry fewer items.
            code, locale, expires_at, left, *rest = json.loads(plain)
        except (binascii.Error, ValueError, InvalidTag, TypeError):
            return None
        brand, amount, payee = (str(v) for v in [*rest, "", "", ""][:3])
        grant = RepeatGrant(
            str(code), str(locale), int(expires_at), int(left), brand, amount, payee
        )
        if now >= grant.expires_at:
            raise Expired(verification_id)
        return grant
