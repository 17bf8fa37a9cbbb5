"""One customer's keys in Redis: found through the registry, read, and erased.

Everything here works from :data:`app.store.keys.CUSTOMER_KEYS` (keys named
from a conversation id, a destination digest or an address) and the index
sets those keys' writers keep (:mod:`app.store.customer_index`). No SCAN: on
Redis Cluster each step touches the slots of one customer's hash tags only.

Erasure is one Lua script per hash tag. A conversation's script runs while
this process holds the conversation's turn lock, and checks it still does,
so a message arriving meanwhile waits and then starts a clean conversation.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from app.store import keys
from app.store.connection import RedisClient

# KEYS[1] = lock queue, KEYS[2] = lock leases, KEYS[3..] = the conversation's keys
# ARGV[1] = token holding the lock
# Deletes the keys and releases the lock, only if the token is still at the head.
_ERASE_CONVERSATION = """
if redis.call('LINDEX', KEYS[1], 0) ~= ARGV[1] then return 0 end
for i = 3, #KEYS do redis.call('DEL', KEYS[i]) end
redis.call('LPOP', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[1])
return 1
"""

# KEYS[1] = the destination's open-verifications hash, KEYS[2..] = keys to delete (same tag)
# ARGV[1] = the destination's digest
# The open hash is shared by every destination whose digest starts with the same
# 16 hex digits, so only this digest's fields go ('<purpose>:<digest>', 'claim:...').
_ERASE_DESTINATION = """
local suffix = ':' .. ARGV[1]
local fields = redis.call('HKEYS', KEYS[1])
for _, f in ipairs(fields) do
  if string.sub(f, -#suffix) == suffix then redis.call('HDEL', KEYS[1], f) end
end
for i = 2, #KEYS do redis.call('DEL', KEYS[i]) end
return 1
"""

# KEYS[1] = a list of JSON entries (the audit trail)
# ARGV[1] = replacement, ARGV[2..] = strings naming the customer, longest first
# Rewrites every entry that names the customer, the names replaced by ARGV[1].
_REDACT_ENTRIES = """
local function replace_plain(s, needle, by)
  local out, start = {}, 1
  while true do
    local i, j = string.find(s, needle, start, true)
    if not i then break end
    out[#out + 1] = string.sub(s, start, i - 1) .. by
    start = j + 1
  end
  out[#out + 1] = string.sub(s, start)
  return table.concat(out)
end
local entries = redis.call('LRANGE', KEYS[1], 0, -1)
local changed = 0
for idx, entry in ipairs(entries) do
  local new = entry
  for a = 2, #ARGV do new = replace_plain(new, ARGV[a], ARGV[1]) end
  if new ~= entry then
    redis.call('LSET', KEYS[1], idx - 1, new)
    changed = changed + 1
  end
end
return changed
"""


@dataclass(frozen=True, slots=True)
class Subject:
    """The names one customer's data is kept under."""

    #: Conversation ids (``wa:+62...``, ``sms:+62...``).
    conversations: tuple[str, ...]
    #: Address -> its keyed digest: the number and every e-mail address linked to it.
    digests: Mapping[str, str]
    #: Addresses as the sandbox outbox names them (``+62...``, ``whatsapp:+62...``, e-mail).
    outbox: tuple[str, ...]
    #: Every spelling of the customer in clear, longest first (for shared entries).
    spellings: tuple[str, ...] = field(default=())


def scope_values(subject: Subject) -> dict[keys.Scope, tuple[str, ...]]:
    return {
        "conversation": subject.conversations,
        "destination": tuple(subject.digests.values()),
        "address": subject.outbox,
    }


class CustomerKeys:
    """Finds, reads and erases the keys of one :class:`Subject`."""

    def __init__(self, redis: RedisClient) -> None:
        self.redis = redis
        self._erase_conversation = redis.register_script(_ERASE_CONVERSATION)
        self._erase_destination = redis.register_script(_ERASE_DESTINATION)
        self._redact = redis.register_script(_REDACT_ENTRIES)

    # -- finding -------------------------------------------------------------

    def linked(self, digest: str) -> list[str]:
        """The e-mail addresses the customer with this number digest verified in a chat."""
        found: Any = self.redis.smembers(keys.customer_emails(digest))
        return sorted(str(a) for a in found)

    def registered(
        self,
        subject: Subject,
        *,
        kept: bool | None = None,
        only: tuple[keys.Scope, str] | None = None,
    ) -> list[tuple[str, str]]:
        """(kind, key) of every registered key of the subject; ``kept`` filters, and
        ``only=(scope, value)`` keeps the keys of one conversation, digest or address."""
        values = scope_values(subject)
        return [
            (entry.kind, entry.build(value))
            for entry in keys.CUSTOMER_KEYS
            if kept is None or entry.kept == kept
            for value in values[entry.scope]
            if only is None or only == (entry.scope, value)
        ]

    def indexed(self, index_keys: Iterable[str]) -> dict[str, list[str]]:
        """Index key -> the key names it lists."""
        names = list(index_keys)
        pipe = self.redis.pipeline(transaction=False)
        for name in names:
            pipe.smembers(name)
        return {
            name: sorted(str(m) for m in members)
            for name, members in zip(names, pipe.execute(), strict=True)
        }

    def owned(self, names: list[str], address: str) -> list[str]:
        """Those of ``names`` (verifications, delivery records) whose ``to`` is ``address``."""
        pipe = self.redis.pipeline(transaction=False)
        for name in names:
            pipe.hget(name, "to")
        return [n for n, to in zip(names, pipe.execute(), strict=True) if to == address]

    # -- reading -------------------------------------------------------------

    def read(self, names: Iterable[str]) -> dict[str, Any]:
        """Key -> its value, whatever its type; keys that do not exist are left out."""
        names = list(dict.fromkeys(names))
        pipe = self.redis.pipeline(transaction=False)
        for name in names:
            pipe.type(name)
        types = [str(t) for t in pipe.execute()]
        readers = {
            "string": lambda p, k: p.get(k),
            "hash": lambda p, k: p.hgetall(k),
            "list": lambda p, k: p.lrange(k, 0, -1),
            "set": lambda p, k: p.smembers(k),
            "zset": lambda p, k: p.zrange(k, 0, -1, withscores=True),
            "stream": lambda p, k: p.xrange(k),
        }
        present = [(n, t) for n, t in zip(names, types, strict=True) if t in readers]
        pipe = self.redis.pipeline(transaction=False)
        for name, kind in present:
            readers[kind](pipe, name)
        return {
            name: _plain(kind, value)
            for (name, kind), value in zip(present, pipe.execute(), strict=True)
        }

    def shared_entries(self, subject: Subject) -> dict[str, list[Any]]:
        """Kind -> what the shared keys (handoff list, audit trail) hold about the subject."""
        found: dict[str, list[Any]] = {}
        for shared in keys.SHARED_CUSTOMER_KEYS:
            if shared.holds == "conversation_ids":
                if not subject.conversations:  # known by e-mail only
                    continue
                scores: Any = self.redis.zmscore(shared.build(), list(subject.conversations))
                found[shared.kind] = [
                    {"conversation": cid, "until": score}
                    for cid, score in zip(subject.conversations, scores, strict=True)
                    if score is not None
                ]
            else:
                raw: Any = self.redis.lrange(shared.build(), 0, -1)
                names = (*subject.spellings, *subject.digests.values())
                found[shared.kind] = [
                    _json(str(e)) for e in raw if any(n and n in str(e) for n in names)
                ]
        return found

    # -- erasing -------------------------------------------------------------

    def erase_conversation(self, lock_keys: list[str], token: str, names: list[str]) -> bool:
        """Delete a conversation's keys while ``token`` holds its lock; False if it lost it."""
        return bool(int(self._erase_conversation(keys=[*lock_keys, *names], args=[token])))

    def erase_destination(self, digest: str, names: list[str]) -> None:
        """One script on the destination's slot: its open fields, verifications, indexes."""
        tag = keys.destination_open(digest)
        same_slot = [n for n in names if _tag(n) == _tag(tag)]
        self._erase_destination(keys=[tag, *same_slot], args=[digest])
        self.delete([n for n in names if _tag(n) != _tag(tag)])

    def delete(self, names: Iterable[str]) -> None:
        """Keys of their own hash tags (delivery records, outboxes): one DEL each."""
        pipe = self.redis.pipeline(transaction=False)
        for name in names:
            pipe.delete(name)
        pipe.execute()

    def erase_shared(self, subject: Subject, replacement: str) -> None:
        for shared in keys.SHARED_CUSTOMER_KEYS:
            if shared.holds == "conversation_ids":
                if subject.conversations:
                    self.redis.zrem(shared.build(), *subject.conversations)
            else:
                self._redact(keys=[shared.build()], args=[replacement, *subject.spellings])


def _tag(name: str) -> str:
    return name[name.find("{") + 1 : name.find("}")]


def _json(raw: str) -> Any:
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def _plain(kind: str, value: Any) -> Any:
    """A Redis reply as JSON-able data; JSON strings decoded."""
    if kind == "string":
        return _json(str(value))
    if kind == "hash":
        return {str(k): str(v) for k, v in dict(value).items()}
    if kind == "list":
        return [_json(str(v)) for v in value]
    if kind == "set":
        return sorted(str(v) for v in value)
    if kind == "zset":
        return [[str(m), float(s)] for m, s in value]
    return [[str(i), {str(k): str(v) for k, v in dict(f).items()}] for i, f in value]
