"""A code kept sealed while its verification lives, so a resend can repeat it.

Twilio Verify sends the *same* code again when an app starts a verification
that is still pending: the customer may type whichever message arrived. Sandi
stores a code only as a keyed hash, which cannot be turned back into the code,
so for a resend it also keeps the code sealed with AES-GCM under a subkey of
``SANDI_SECRET_KEY`` (HKDF, its own label), bound to the verification id (a
sealed code copied to another verification does not open). The seal is wiped
with the hash when the verification ends, so a Redis dump of a finished
verification holds nothing, and of a live one nothing readable without the
server's key. Never logged, never answered.

This is the one code sealer: a resend (start again) and a fallback
redelivery (:meth:`app.otp.delivering.Deliveries.redeliver`, asked by the
channels with ``same_code``) both open the seal of the verification itself.
"""

from __future__ import annotations

import base64
import binascii
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_INFO = b"sandi/otp/sealed-code/v1"
_NONCE = 12


class CodeSealer:
    def __init__(self, secret_key: str | bytes) -> None:
        key = secret_key.encode() if isinstance(secret_key, str) else secret_key
        derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(key)
        self._aead = AESGCM(derived)

    def seal(self, verification_id: str, code: str) -> str:
        nonce = os.urandom(_NONCE)
        sealed = nonce + self._aead.encrypt(nonce, code.encode(), verification_id.encode())
        return base64.urlsafe_b64encode(sealed).rstrip(b"=").decode()

    def unseal(self, verification_id: str, sealed: str) -> str | None:
        """The code, or None if ``sealed`` is empty, tampered with, or another's."""
        if not sealed:
            return None
        try:
            raw = base64.urlsafe_b64decode(sealed + "=" * (-len(sealed) % 4))
            plain = self._aead.decrypt(raw[:_NONCE], raw[_NONCE:], verification_id.encode())
            return plain.decode("ascii")
        except (binascii.Error, ValueError, InvalidTag, UnicodeDecodeError):
            return None
