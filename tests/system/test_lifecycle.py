"""Stopping a server stops the embedded redis-server it started, whatever stops it.

Real processes: `sandi run`, `make run` and gunicorn with Sandi's config, each on an
embedded Redis in a fresh instance folder, stopped by SIGTERM (a service manager, a
container stop) or SIGINT (Ctrl-C). Afterwards no redis-server of theirs is left.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.request import urlopen

import pytest
import redis

from app.config import ROOT
from app.store.embedded import socket_path
from tests.support.embedded_redis import alive, embedded_redis_pid, wait_gone
from tests.support.redis_servers import free_port

BIN = Path(sys.executable).parent


def _env(instance: Path, port: int) -> dict[str, str]:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("REDIS_URL", "SANDI_", "TWILIO_"))
    }
    return env | {"SANDI_INSTANCE_DIR": str(instance), "PORT": str(port), "WEB_CONCURRENCY": "2"}


def _wait_ready(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urlopen(f"http://127.0.0.1:{port}/readyz", timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"port {port} did not answer /readyz within {timeout} s")


COMMANDS = {
    "sandi run": lambda port: [str(BIN / "sandi"), "run", "--port", str(port)],
    "make run": lambda port: ["make", "-s", "run", f"PORT={port}", f"BIN={BIN}"],
    "gunicorn": lambda port: [str(BIN / "gunicorn"), "app:create_app()"],
}


@pytest.mark.slow
@pytest.mark.parametrize(
    ("command", "signum"),
    [
        ("sandi run", signal.SIGTERM),
        ("sandi run", signal.SIGINT),
        ("make run", signal.SIGTERM),
        ("gunicorn", signal.SIGTERM),
    ],
)
def test_stopping_the_server_stops_its_embedded_redis(
    tmp_path: Path, command: str, signum: signal.Signals
) -> None:
    port = free_port()
    instance = tmp_path / "instance"
    proc = subprocess.Popen(
        COMMANDS[command](port),
        cwd=ROOT,
        env=_env(instance, port),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        _wait_ready(port)
        pid = embedded_redis_pid(instance)
        assert alive(pid)
        proc.send_signal(signum)
        assert proc.wait(timeout=20) is not None
        assert wait_gone(pid), f"{command} left redis-server {pid} running after {signum.name}"
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        with contextlib.suppress(redis.RedisError, OSError):
            redis.Redis(unix_socket_path=str(socket_path(instance))).shutdown(nosave=True)
