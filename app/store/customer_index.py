"""The index sets that let one customer's keys be found without scanning Redis.

Keys whose names are not known in advance (a reply record per MessageSid, a
verification per id, a delivery record per provider message) are added, by
the code that writes them, to an index set under their owner's hash tag
(:func:`app.store.keys.conversation_index`, :func:`~app.store.keys.destination_index`).
Export and erasure read the index; nothing ever SCANs for a customer, which
would visit every key of every node of a cluster.

An index lives as long as the longest-lived key it lists: each add extends
its TTL, never shortens it (``EXPIRE ... GT`` needs Redis 7; this works on 6.2).
"""

from __future__ import annotations

from app.store.connection import RedisClient

#: Lua body shared with the scripts that write an indexed key themselves.
#: KEYS[n] = index set, ``member`` and ``ttl`` Lua expressions.
LUA_INDEX_ADD = """
local function index_add(index, member, ttl)
  redis.call('SADD', index, member)
  if redis.call('TTL', index) < tonumber(ttl) then redis.call('EXPIRE', index, ttl) end
end
"""

# KEYS[1] = index set; ARGV[1] = ttl s; ARGV[2..] = members (key names, addresses)
_ADD = (
    LUA_INDEX_ADD
    + """
for i = 2, #ARGV do index_add(KEYS[1], ARGV[i], ARGV[1]) end
return 1
"""
)


class CustomerIndex:
    """Adds key names (or linked addresses) to one of a customer's index sets."""

    def __init__(self, redis: RedisClient) -> None:
        self.redis = redis
        self._add = redis.register_script(_ADD)

    def add(self, index_key: str, ttl: int, *members: str) -> None:
        if members:
            self._add(keys=[index_key], args=[ttl, *members])
