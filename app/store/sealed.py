"""The code a verification was sent, kept sealed so a fallback can send the *same* code.

Sandi keeps only a keyed hash of a code. A fallback that sent a new code would
leave the customer with two messages and one valid code (the late WhatsApp
message would be wrong). Instead the code is sealed with AES-GCM under a key
derived from ``SANDI_SECRET_KEY`` (its own HKDF label, so it opens nothing the
voice "press 1" tokens seal), bound to the verification id, and stored with a
TTL equal to the code's lifetime: it never outlives the code, is never in
clear at rest, and a copy moved to another verification does not open.
"""

from __future__ import annotations

import base64
import binascii
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from app.store import keys
from app.store.connection import RedisClient

_INFO = b"sandi/otp-fallback-code/v1"
_NONCE = 12


class SealedCodes:
    def __init__(self, redis: RedisClient, secret_key: str) -> None:
        self.redis = redis
        key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(
            secret_key.encode()
        )
        self._aead = AESGCM(key)

    def keep(self, verification_id: str, code: str, ttl: int) -> None:
        nonce = os.urandom(_NONCE)
        sealed = nonce + self._aead.encrypt(nonce, code.encode(), verification_id.encode())
        value = base64.urlsafe_b64encode(sealed).decode()
        self.redis.set(keys.sealed_code(verification_id), value, ex=max(1, ttl))

    def open(self, verification_id: str) -> str | None:
        """The code, or None when it has expired (or the copy is not genuine)."""
        value = self.redis.get(keys.sealed_code(verification_id))
        if not value:
            return None
        try:
            sealed = base64.urlsafe_b64decode(str(value))
            plain = self._aead.decrypt(sealed[:_NONCE], sealed[_NONCE:], verification_id.encode())
        except (binascii.Error, ValueError, InvalidTag):
            return None
        return plain.decode()
