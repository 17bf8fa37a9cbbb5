"""ContentSids of the WhatsApp contents Sandi made, by the digest of what they hold.

The Content API makes a new resource on every call, so the first worker that
needs a menu claims it (``SET NX`` on a lock that expires by itself), creates
it and stores the sid; a worker that finds the lock held waits a little for
that sid rather than making a second copy.
"""

from __future__ import annotations

from app.store import keys
from app.store.connection import RedisClient


class ContentCache:
    def __init__(self, redis: RedisClient) -> None:
        self.redis = redis

    def get(self, digest: str) -> str | None:
        value = self.redis.get(keys.whatsapp_content(digest))
        if value is None:
            return None
        return value.decode() if isinstance(value, bytes) else str(value)

    def claim(self, digest: str) -> bool:
        """True when this caller may create the content (nobody else is)."""
        lock = keys.whatsapp_content_lock(digest)
        return bool(self.redis.set(lock, "1", nx=True, ex=keys.CONTENT_LOCK_TTL))

    def put(self, digest: str, sid: str) -> None:
        self.redis.set(keys.whatsapp_content(digest), sid, ex=keys.CONTENT_TTL)
        self.redis.delete(keys.whatsapp_content_lock(digest))

    def release(self, digest: str) -> None:
        """The creation failed: the next caller may try again."""
        self.redis.delete(keys.whatsapp_content_lock(digest))
