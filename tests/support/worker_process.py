"""Real ``sandi worker`` processes, started by a test on the test's Redis database."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from app.config import ROOT


def worker_env(config: dict[str, Any], **extra: str) -> dict[str, str]:
    """The environment a worker needs to serve the same app as ``config`` describes
    (the test app's settings: same Redis db, secret key, Twilio and channel setup)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SANDI_", "TWILIO_"))}
    env.pop("REDIS_URL", None)
    for key, value in config.items():
        if isinstance(key, str) and key.isupper() and isinstance(value, str):
            env[key] = value
    env.update(extra)
    env["SANDI_LOG_LEVEL"] = "INFO"
    return env


class Workers:
    """Start, kill and stop ``sandi worker`` processes; each in its own session."""

    def __init__(self, env: dict[str, str], logs: Path) -> None:
        self.env = env
        self.logs = logs
        self.procs: list[subprocess.Popen[bytes]] = []

    def start(self) -> subprocess.Popen[bytes]:
        log = (self.logs / f"worker-{len(self.procs)}.log").open("wb")
        code = "from app.cli.main import main; main()"
        proc = subprocess.Popen(
            [sys.executable, "-c", code, "worker"],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        self.procs.append(proc)
        return proc

    def kill(self, proc: subprocess.Popen[bytes]) -> None:
        """SIGKILL: no cleanup, the job at hand is left in rq's started registry."""
        with suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)

    def stop_all(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                with suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + 15
        for proc in self.procs:
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                self.kill(proc)

    def output(self) -> str:
        return "\n".join(p.read_text() for p in sorted(self.logs.glob("worker-*.log")))


@contextmanager
def workers(env: dict[str, str], logs: Path) -> Iterator[Workers]:
    pool = Workers(env, logs)
    try:
        yield pool
    finally:
        pool.stop_all()
