"""Production's Redis must persist every write, or approved codes come back to life.

With RDB snapshots only, a crash rolls Redis back minutes: a code already
used approves again, a verification locked after five wrong guesses opens
again. Production therefore reads ``CONFIG GET appendonly`` / ``appendfsync``
at start-up and refuses anything but ``appendonly yes`` with ``appendfsync
always``. ``SANDI_REDIS_DURABILITY`` overrides it, for operators who decide
otherwise on purpose:

- ``always`` (default): refuse unless every write is fsynced;
- ``everysec``: accept ``appendfsync everysec`` too (up to a second of writes lost);
- ``unchecked``: skip the check (a managed Redis whose durability the operator
  vouches for); a managed Redis that forbids ``CONFIG`` gets a loud warning
  instead of a refusal unless this is set.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from redis.exceptions import ResponseError

from app.config import ConfigError
from app.store.connection import RedisClient

log = logging.getLogger(__name__)

SETTING = "SANDI_REDIS_DURABILITY"
_LEVELS = {"always": ("always",), "everysec": ("always", "everysec"), "unchecked": ()}


def durability(raw: Mapping[str, str]) -> str:
    level = (raw.get(SETTING) or "always").strip().lower()
    if level not in _LEVELS:
        raise ConfigError(f"{SETTING} must be always, everysec or unchecked, not {level!r}")
    return level


def check_persistence(redis: RedisClient, raw: Mapping[str, str]) -> None:
    """Refuse (ConfigError) a Redis that may lose writes; warn when it will not say."""
    level = durability(raw)
    if level == "unchecked":
        log.warning("%s=unchecked: not checking that Redis persists every write", SETTING)
        return
    try:
        config: Any = {
            **redis.config_get("appendonly"),
            **redis.config_get("appendfsync"),
        }
    except ResponseError as err:
        log.critical(
            "CANNOT CHECK REDIS PERSISTENCE (CONFIG is refused: %s). If this Redis does not "
            "persist every write (AOF, appendfsync always), a crash can make used codes valid "
            "again. Check it with your provider, then set %s=unchecked to silence this.",
            err,
            SETTING,
        )
        return
    appendonly = str(config.get("appendonly", "")).lower()
    fsync = str(config.get("appendfsync", "")).lower()
    if appendonly != "yes" or fsync not in _LEVELS[level]:
        wanted = " or ".join(_LEVELS[level])
        raise ConfigError(
            f"Redis does not persist every write (appendonly {appendonly or '?'}, appendfsync "
            f"{fsync or '?'}): a crash would make used codes valid again. Set appendonly yes and "
            f"appendfsync {wanted} on the Redis server (CONFIG SET appendonly yes; CONFIG SET "
            f"appendfsync always), or set {SETTING}=everysec or {SETTING}=unchecked to accept it"
        )
