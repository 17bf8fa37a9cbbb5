"""Without REDIS_URL, Sandi runs on an embedded redis-server that processes share."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.request import urlopen

import pytest
import redis

from app import create_app
from app.config import ROOT
from app.store.embedded import socket_path
from app.web.current import EXTENSION
from tests.support.redis_servers import free_port


def shutdown(instance: Path) -> None:
    with contextlib.suppress(redis.RedisError):
        redis.Redis(unix_socket_path=str(socket_path(instance))).shutdown(nosave=True)


def test_apps_without_redis_url_share_one_embedded_server(tmp_path: Path) -> None:
    instance = tmp_path / "instance"
    config = {"TESTING": True, "REDIS_URL": "", "SANDI_INSTANCE_DIR": str(instance)}
    try:
        first = create_app(config)
        second = create_app(config)
        r1 = first.extensions[EXTENSION].redis
        r2 = second.extensions[EXTENSION].redis
        r1.set("sandi:probe", "shared", ex=60)
        assert r2.get("sandi:probe") == "shared"
        assert r1.info("server")["process_id"] == r2.info("server")["process_id"]
        assert (instance / "redis.sock").exists()
        assert r1.config_get("appendonly")["appendonly"] == "yes"
    finally:
        shutdown(instance)


def wait_http(url: str, timeout: float) -> float:
    started = time.monotonic()
    while True:
        try:
            with urlopen(url, timeout=1) as response:
                if response.status == 200:
                    return time.monotonic() - started
        except OSError:
            pass
        if time.monotonic() - started > timeout:
            raise AssertionError(f"{url} did not answer within {timeout} s")
        time.sleep(0.1)


def server_env(instance: Path) -> dict[str, str]:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("REDIS_URL", "SANDI_", "TWILIO_"))
    }
    env["SANDI_INSTANCE_DIR"] = str(instance)
    return env


@pytest.mark.slow
def test_sandi_run_serves_healthz_with_no_redis_installed(tmp_path: Path) -> None:
    """`make run`'s command: up within 20 s, Redis embedded, nothing configured."""
    port = free_port()
    instance = tmp_path / "instance"
    proc = subprocess.Popen(
        [str(Path(sys.executable).parent / "sandi"), "run", "--port", str(port)],
        env=server_env(instance),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_http(f"http://127.0.0.1:{port}/healthz", timeout=20)
        wait_http(f"http://127.0.0.1:{port}/readyz", timeout=5)
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=10)
    # A clean stop shuts the embedded server down with it.
    assert not _socket_answers(socket_path(instance))


@pytest.mark.slow
def test_gunicorn_workers_share_one_embedded_server(tmp_path: Path) -> None:
    port = free_port()
    instance = tmp_path / "instance"
    env = server_env(instance) | {"PORT": str(port), "WEB_CONCURRENCY": "3"}
    root = ROOT
    proc = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "app:create_app()"],
        cwd=root,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_http(f"http://127.0.0.1:{port}/readyz", timeout=30)
        servers = subprocess.run(
            ["pgrep", "-f", f"unixsocket:{socket_path(instance)}"],
            capture_output=True,
            text=True,
            check=False,
        ).stdout.split()
        assert len(servers) == 1
    finally:
        proc.terminate()
        proc.wait(timeout=15)
        shutdown(instance)


def _socket_answers(path: Path) -> bool:
    if not path.exists():
        return False
    with socket.socket(socket.AF_UNIX) as s:
        try:
            s.connect(str(path))
        except OSError:
            return False
    return True
