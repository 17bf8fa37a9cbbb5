"""bench/scaleout: the webhook load on one Sandi process, then on two, against one Redis
and against a real 3-master Redis Cluster on loopback.

    .venv/bin/python -m bench.scaleout [--seconds 8] [--connections 8] [--no-cluster]

Each Sandi is gunicorn with one worker (``WEB_CONCURRENCY=1``, the repo's
gunicorn.conf.py otherwise), pinned to its own core with ``taskset``; each
gets its own wrk (the demo walk of ``bench/webhook.py``, signed for its URL,
``--connections`` connections). Prints turns/s per process (two processes
against one), and Redis CPU per turn from ``INFO cpu`` deltas summed over the
nodes, so an operator can size a fleet: "one core of Redis carries N turns/s".
On a 2-core machine the two processes share the cores with wrk and Redis:
per-process figures there are a floor, not what separate machines would give.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import tempfile
import threading
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import redis

from bench.common import Gunicorn, load_average, machine, need, private_redis, save, wrk
from bench.webhook import TOKEN, requests_file
from tests.support.redis_cluster import RedisClusterProcesses


def pin(pgid: int, cpu: int) -> None:
    """Every process of gunicorn's group (master and worker, all threads) onto ``cpu``."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if os.getpgid(int(entry.name)) == pgid:
                subprocess.run(
                    ["taskset", "-a", "-cp", str(cpu), entry.name],
                    check=False,
                    capture_output=True,
                )
        except (ProcessLookupError, PermissionError):
            continue


def redis_cpu(ports: list[int]) -> float:
    total = 0.0
    for port in ports:
        info: Any = redis.Redis(port=port).info("cpu")
        total += float(info["used_cpu_user"]) + float(info["used_cpu_sys"])
    return total


def run(
    processes: int, env: dict[str, str], ports: list[int], args: argparse.Namespace, seed: int
) -> dict[str, float]:
    """``processes`` one-worker Sandis under their own wrk at once; per-process turns/s."""
    results: list[dict[str, float]] = []
    with ExitStack() as stack:
        servers = []
        for cpu in range(processes):
            server = Gunicorn("app:create_app()", {**env, "WEB_CONCURRENCY": "1"})
            server.env["SANDI_PUBLIC_URL"] = server.url  # Twilio signs the public URL
            stack.enter_context(server)
            assert server.proc is not None
            pin(server.proc.pid, cpu % (os.cpu_count() or 1))
            warm = requests_file(server.url, 2000, first_customer=90_000_000 + cpu * 100_000)
            wrk(server.url, warm, connections=args.connections, seconds=2)
            warm.unlink()
            servers.append(server)
        files = [
            requests_file(s.url, args.seconds * 3000, first_customer=seed + i * 1_000_000)
            for i, s in enumerate(servers)
        ]
        before = redis_cpu(ports)

        def load(server: Gunicorn, reqs: Path) -> None:
            results.append(
                wrk(server.url, reqs, connections=args.connections, seconds=args.seconds)
            )

        threads = [
            threading.Thread(target=load, args=(s, f)) for s, f in zip(servers, files, strict=True)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        spent = redis_cpu(ports) - before
        for f in files:
            f.unlink()
    total = sum(r["rps"] for r in results)
    return {
        "processes": processes,
        "rps_total": total,
        "rps_per_process": total / processes,
        "p99_worst": max(r.get("p99", 0.0) for r in results),
        "non_2xx": sum(r["non_2xx"] for r in results),
        "redis_cpu_ms_per_turn": 1000 * spent / max(total * args.seconds, 1),
    }


def show(label: str, r: dict[str, float]) -> None:
    per_core = 1000 / r["redis_cpu_ms_per_turn"] if r["redis_cpu_ms_per_turn"] else 0.0
    print(
        f"{label:24} {r['processes']:>2.0f} proc  {r['rps_per_process']:7.0f} turns/s each "
        f"(total {r['rps_total']:6.0f})  p99 {r['p99_worst']:6.1f} ms  non-2xx {r['non_2xx']:.0f}  "
        f"Redis {r['redis_cpu_ms_per_turn']:.3f} ms CPU/turn (one Redis core: ~{per_core:,.0f} "
        "turns/s)",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--connections", type=int, default=8, help="per process")
    parser.add_argument("--no-cluster", action="store_true", help="one Redis only")
    args = parser.parse_args()
    need("wrk", "apt-get install wrk")
    need("taskset", "apt-get install util-linux")
    base = {
        "TWILIO_AUTH_TOKEN": TOKEN, "TWILIO_ACCOUNT_SID": "AC" + "0" * 32, "SANDI_SANDBOX": "1",
        "SANDI_SECRET_KEY": "bench-secret", "SANDI_WATCH_FLOWS": "0",
    }  # fmt: skip
    print(f"machine: {machine()}; load average {load_average()}")
    record: dict[str, object] = {"date": time.strftime("%Y-%m-%d %H:%M"), "machine": machine()}
    single = private_redis()
    try:
        env = {**base, "REDIS_URL": single.url}
        ports = [single.port]
        for n in (1, 2):
            record[f"redis_{n}"] = r = run(n, env, ports, args, seed=n * 10_000_000)
            show("one Redis", r)
    finally:
        single.stop()
    if not args.no_cluster:
        cluster = RedisClusterProcesses(Path(tempfile.mkdtemp(prefix="sandi-cluster-"))).start()
        try:
            env = {**base, "REDIS_URL": cluster.url}
            ports = [node.port for node in cluster.nodes]
            for n in (1, 2):
                record[f"cluster_{n}"] = r = run(n, env, ports, args, seed=50_000_000 + n * 10**7)
                show("3-master cluster", r)
        finally:
            for node in cluster.nodes:
                node.stop()
    for kind in ("redis", "cluster"):
        one, two = record.get(f"{kind}_1"), record.get(f"{kind}_2")
        if isinstance(one, dict) and isinstance(two, dict):
            share = two["rps_per_process"] / max(one["rps_per_process"], 1e-9)
            print(f"{kind}: per-process throughput with two processes = {share:.2f} x single "
                  "(goal >= 0.85)")  # fmt: skip
            record[f"{kind}_share"] = share
    print(f"load average after: {load_average()}")
    save("scaleout", record)


if __name__ == "__main__":
    main()
