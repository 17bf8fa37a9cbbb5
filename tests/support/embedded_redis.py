"""Finding the embedded redis-server a server started, and telling whether it is gone."""

from __future__ import annotations

import os
import time
from pathlib import Path

import redis

from app.store.embedded import socket_path


def embedded_redis_pid(instance: Path, timeout: float = 30) -> int:
    """The pid of the embedded Redis of ``instance``, once it answers."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            client = redis.Redis(unix_socket_path=str(socket_path(instance)), socket_timeout=1)
            return int(client.info("server")["process_id"])
        except (redis.RedisError, OSError):
            time.sleep(0.1)
    raise AssertionError(f"no embedded Redis answered in {instance} within {timeout} s")


def alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie holds no socket and counts as gone)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(") ")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def wait_gone(pid: int, timeout: float = 10) -> bool:
    deadline = time.monotonic() + timeout
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    return not alive(pid)
