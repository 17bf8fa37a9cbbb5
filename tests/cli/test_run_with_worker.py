"""`sandi run` in development: a worker beside the server, on the same embedded Redis."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from urllib.request import urlopen

import pytest

from app.config import ROOT
from tests.support.polling import wait_for
from tests.support.redis_servers import free_port


def workers_of(pid: int) -> list[int]:
    out = subprocess.run(["ps", "-ww", "-o", "pid=,args=", "--ppid", str(pid)], capture_output=True,
                         text=True, check=False).stdout  # fmt: skip
    return [int(line.split()[0]) for line in out.splitlines() if " worker --parent" in line]


@pytest.mark.slow
def test_sandi_run_starts_a_worker_on_the_embedded_redis_and_stops_it(tmp_path: Path) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SANDI_", "TWILIO_"))}
    env.pop("REDIS_URL", None)  # the embedded Redis, on a unix socket in the instance folder
    env |= {"SANDI_INSTANCE_DIR": str(tmp_path / "instance"), "SANDI_WATCH_FLOWS": "0"}
    sandi = str(Path(sys.executable).parent / "sandi")
    with (tmp_path / "run.log").open("w") as log:
        proc = subprocess.Popen([sandi, "run", "--port", str(port)], cwd=ROOT, env=env,
                                stdout=log, stderr=subprocess.STDOUT, start_new_session=True)  # fmt: skip
    try:

        def ready() -> dict[str, str]:
            with urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2) as response:
                body: dict[str, str] = json.load(response)
            return body if body.get("worker") == "ok" else {}

        assert wait_for(ready, 60, 0.2, what="a worker seen on the embedded Redis")
        (worker,) = workers_of(proc.pid)
        proc.send_signal(signal.SIGINT)  # Ctrl-C
        proc.wait(timeout=30)
        wait_for(lambda: not Path(f"/proc/{worker}").exists(), 30, 0.1, what="the worker gone")
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)
