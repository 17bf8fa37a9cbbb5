"""Shared machinery for the benchmarks: private Redis, gunicorn, wrk."""

from __future__ import annotations

import json
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


def load_average() -> str:
    """The 1/5/15-minute load average: other work on the machine skews every figure."""
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


def gunicorn_settings() -> str:
    """What gunicorn.conf.py makes of the environment, for the report."""
    workers = os.environ.get("WEB_CONCURRENCY") or f"{os.cpu_count()} (one per core)"
    threads = int(os.environ.get("GUNICORN_THREADS", "4"))
    connections = os.environ.get("GUNICORN_WORKER_CONNECTIONS", str(2 * threads))
    return (
        f"{workers} workers x {threads} threads "
        f"({os.environ.get('GUNICORN_WORKER_CLASS', 'gthread')}), "
        f"{connections} connections per worker, "
        f"access log {'on' if os.environ.get('GUNICORN_ACCESS_LOG') else 'off'}"
        + (f", {os.environ['GUNICORN_CMD_ARGS']}" if os.environ.get("GUNICORN_CMD_ARGS") else "")
    )


class Gunicorn:
    """gunicorn with the repository's gunicorn.conf.py (the Procfile's settings),
    bound to the loopback interface only; its output goes to ``log``."""

    def __init__(self, target: str, env: dict[str, str], log: Path | None = None) -> None:
        self.port = free_port()
        self.target = target
        self.env = {**os.environ, **env, "PORT": str(self.port)}
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = log or Path(tempfile.mkstemp(prefix="sandi-bench-", suffix=".log")[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> Gunicorn:
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                [str(BIN / "gunicorn"), "--bind", f"127.0.0.1:{self.port}", self.target],
                cwd=ROOT,
                env=self.env,
                stdout=out,
                stderr=out,
                start_new_session=True,
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


def group_cpu(pgid: int) -> float:
    """CPU seconds used so far by a process group (Linux /proc): its live processes,
    plus the workers gunicorn has already recycled (max_requests), which the
    kernel adds to their parent's children time once reaped."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid:  # pgrp
            total += int(fields[11]) + int(fields[12])  # utime + stime
            total += int(fields[13]) + int(fields[14])  # cutime + cstime (reaped children)
    return total / os.sysconf("SC_CLK_TCK")


def save(name: str, record: dict[str, object]) -> Path:
    """Keep a run's figures in bench/results/<name>-<date>-<time>.json (git-ignored)."""
    results = ROOT / "bench" / "results"
    results.mkdir(exist_ok=True)
    path = results / f"{name}-{time.strftime('%Y-%m-%d-%H%M%S')}.json"
    path.write_text(json.dumps(record, indent=2))
    return path
