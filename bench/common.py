"""Shared machinery for the benchmarks: private Redis, gunicorn, wrk."""

from __future__ import annotations

import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.request import urlopen

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
sys.path.insert(0, str(ROOT))

from tests.support.redis_servers import RedisProcess, free_port  # noqa: E402


def need(tool: str, hint: str) -> str:
    found = shutil.which(tool)
    if not found:
        sys.exit(f"{tool} not found: {hint}")
    return found


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} cores, {cpu}, Python {platform.python_version()}"


class Gunicorn:
    """gunicorn with the repository's gunicorn.conf.py (the Procfile's settings)."""

    def __init__(self, target: str, env: dict[str, str]) -> None:
        self.port = free_port()
        self.target = target
        self.env = {**os.environ, **env, "PORT": str(self.port)}
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> Gunicorn:
        self.proc = subprocess.Popen(
            [str(BIN / "gunicorn"), "--access-logfile", "/dev/null", self.target],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while True:
            try:
                with urlopen(self.url + "/healthz", timeout=1):
                    break
            except OSError as err:
                if getattr(err, "code", None) == 404:
                    break  # the baseline app has no /healthz; it answers, that is enough
                if time.monotonic() > deadline or self.proc.poll() is not None:
                    raise RuntimeError(f"gunicorn {self.target} did not start") from None
                time.sleep(0.1)
        return self

    def __exit__(self, *exc: object) -> None:
        if self.proc:
            self.proc.terminate()
            self.proc.wait(timeout=20)


_LATENCY = re.compile(r"^\s+(50|75|90|99)%\s+([\d.]+)(us|ms|s)\s*$", re.M)
_RPS = re.compile(r"Requests/sec:\s+([\d.]+)")
_STATUS = re.compile(r"Non-2xx or 3xx responses:\s+(\d+)")


def wrk(
    url: str, requests_file: Path, *, connections: int, seconds: int, threads: int = 2
) -> dict[str, float]:
    binary = need("wrk", "apt-get install wrk")
    script = ROOT / "bench" / "signed_requests.lua"
    out = subprocess.run(
        [binary, f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", str(script),
         url, "--", str(requests_file), str(threads)],
        capture_output=True, text=True, check=True, timeout=seconds + 60,
    ).stdout  # fmt: skip
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}
    latency = {f"p{m[0]}": float(m[1]) * scale[m[2]] for m in _LATENCY.findall(out)}
    rps = _RPS.search(out)
    errors = _STATUS.search(out)
    if not rps:
        raise RuntimeError("could not read wrk's output:\n" + out)
    return {
        "rps": float(rps.group(1)),
        "non_2xx": float(errors.group(1)) if errors else 0.0,
        **latency,
    }


def private_redis() -> RedisProcess:
    return RedisProcess(Path(tempfile.mkdtemp(prefix="sandi-bench-redis-"))).start()
