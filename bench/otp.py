"""Benchmark: OTP start+check pairs per second against gunicorn on a real Redis.

    .venv/bin/python bench/otp.py [--seconds 20] [--processes 2] [--threads 8] [--compare]

Starts a private redis-server (loopback, free port) and gunicorn with the
repo's ``gunicorn.conf.py`` (bound to 127.0.0.1 only) in sandbox mode with an
API key from ``SANDI_API_KEYS``. Client processes with keep-alive connections
each loop: POST /v1/verifications for a fresh Indonesian number, read the code
from the sandbox outbox *directly in Redis* (the delivery medium of sandbox
mode; not timed, and no load on the web workers), POST /v1/verifications/check
by id. Only the two API calls count in the figures. Stops by itself and
prints pairs/s and p50/p99 latencies. Send limits per API key and per client
IP are raised for the run (one key and one IP drive all the load); the
per-destination limits stay as configured (every pair uses a new number).
``--compare`` runs ``bench/otp_baseline_app.py`` (a minimal correct OTP API)
first, then Sandi, under the same server and load, and prints the ratio.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import redis

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.store import keys  # noqa: E402
from bench.common import (  # noqa: E402
    Gunicorn,
    group_cpu,
    gunicorn_settings,
    load_average,
    machine,
    save,
)
from tests.support.redis_servers import RedisProcess  # noqa: E402

API_KEY = "bench-key-" + "x" * 24
CODE = re.compile(r"\b(\d{4,10})\b")
_LENGTH = re.compile(rb"(?i)\r\ncontent-length:\s*(\d+)")


class Connection:
    """A keep-alive HTTP/1.1 connection that sends prepared bytes and reads
    just the status and body: http.client's header parsing would make the
    load generator take a good share of the two cores it shares with gunicorn."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.sock = self._connect()
        self.buffer = b""

    def _connect(self) -> socket.socket:
        sock = socket.create_connection(("127.0.0.1", self.port), timeout=10)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock

    def post(self, path: str, body: bytes) -> tuple[int, bytes]:
        request = (
            f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {API_KEY}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
        ).encode() + body
        for attempt in range(2):
            try:
                self.sock.sendall(request)
                return self._response()
            except (ConnectionError, EOFError):
                if attempt:
                    raise
                # gunicorn recycles a worker after max_requests and closes its
                # idle keep-alive connections: connect again.
                self.sock.close()
                self.sock, self.buffer = self._connect(), b""
        raise AssertionError("unreachable")

    def _response(self) -> tuple[int, bytes]:
        while b"\r\n\r\n" not in self.buffer:
            self._read()
        head, _, rest = self.buffer.partition(b"\r\n\r\n")
        found = _LENGTH.search(head)
        length = int(found.group(1)) if found else 0
        self.buffer = rest
        while len(self.buffer) < length:
            self._read()
        body, self.buffer = self.buffer[:length], self.buffer[length:]
        return int(head[9:12]), body

    def _read(self) -> None:
        chunk = self.sock.recv(65536)
        if not chunk:
            raise EOFError("connection closed")
        self.buffer += chunk

    def close(self) -> None:
        self.sock.close()


def client(
    port: int, redis_url: str, seconds: float, warmup: float, threads: int, out: str, null: bool
) -> None:
    """One client process: ``threads`` keep-alive loops; writes its samples to ``out``."""
    import threading

    store = redis.Redis.from_url(redis_url, decode_responses=True)
    samples: list[tuple[float, float, float]] = []  # (pair, start, check) ms
    errors: list[str] = []
    lock = threading.Lock()
    begin = time.monotonic() + warmup
    end = begin + seconds

    def loop(seed: int) -> None:
        rng = random.Random(seed)
        conn = Connection(port)
        while time.monotonic() < end:
            to = f"+62812{rng.randrange(10**8):08d}"
            t0 = time.perf_counter()
            status, body = conn.post(
                "/v1/verifications", json.dumps({"to": to, "channel": "sms"}).encode()
            )
            t1 = time.perf_counter()
            if status != 201:
                errors.append(f"start {status} {body[:120]!r}")
                continue
            vid = json.loads(body)["id"]
            # The null app sends nothing; the same read keeps the client's cost equal.
            entry = json.loads(store.lindex(keys.outbox(to), -1) or '{"code": "000000"}')
            code = entry["code"] if null else CODE.search(entry["body"]).group(1)
            t2 = time.perf_counter()
            status, body = conn.post(
                "/v1/verifications/check", json.dumps({"id": vid, "code": code}).encode()
            )
            t3 = time.perf_counter()
            if status != 200 or not json.loads(body)["valid"]:
                errors.append(f"check {status} {body[:120]!r}")
                continue
            if time.monotonic() >= begin and t3 <= time.perf_counter():
                with lock:
                    samples.append(((t1 - t0 + t3 - t2) * 1000, (t1 - t0) * 1000, (t3 - t2) * 1000))
        conn.close()

    pool = [threading.Thread(target=loop, args=(os.getpid() * 1000 + i,)) for i in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    Path(out).write_text(
        json.dumps({"samples": samples, "errors": errors[:20], "error_count": len(errors)})
    )


def redis_cpu(url: str) -> float:
    info = redis.Redis.from_url(url).info("cpu")
    return float(info["used_cpu_user"]) + float(info["used_cpu_sys"])


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


def _allow_the_load_generator(env: dict[str, str]) -> None:
    """List the clients' one address as the fraud guard's operator would list a
    business's back end (``sandi fraud allow ip``): 16 clients on one IP are a
    source that starts codes faster than its checks land, and the guard's
    "no conversion" rule would otherwise block it for an hour mid-run."""
    sandi = Path(sys.executable).with_name("sandi")
    command = [str(sandi), "fraud", "allow", "ip", "127.0.0.1", "--note", "bench/otp.py"]
    subprocess.run(command, env={**os.environ, **env}, check=True, capture_output=True)


def run(app: str, args: argparse.Namespace) -> dict[str, object]:
    """One gunicorn run of ``app`` ("sandi", "baseline" or "null") under the load; its record."""
    tmp = Path(tempfile.mkdtemp(prefix="sandi-bench-"))
    server = RedisProcess(tmp / "redis").start()
    env = {
        "REDIS_URL": server.url,
        "SANDI_SANDBOX": "1",
        "SANDI_API_KEYS": API_KEY,
        "SANDI_SECRET_KEY": "bench-secret-key",
        "SANDI_OTP_API_KEY_LIMITS": "10000000/minute",
        "SANDI_OTP_IP_LIMITS": "10000000/minute",
        # the server-wide window (3,000 a minute by default) would answer a loaded run 429
        "SANDI_OTP_SERVER_LIMITS": "10000000/minute",
        "SANDI_INSTANCE_DIR": str(tmp / "instance"),
    }
    if app == "sandi":
        _allow_the_load_generator(env)
    load_before = load_average()
    null = app == "null"
    try:
        target = TARGETS[app]
        with Gunicorn(target, env, log=tmp / "gunicorn.log") as web:
            assert web.proc is not None
            outs = [str(tmp / f"client-{i}.json") for i in range(args.processes)]
            cpu0 = os.times()
            web0, redis0 = group_cpu(web.proc.pid), redis_cpu(server.url)
            procs = [
                multiprocessing.Process(
                    target=client,
                    args=(web.port, server.url, args.seconds, args.warmup, args.threads, out, null),
                )
                for out in outs
            ]
            for p in procs:
                p.start()
            for p in procs:
                p.join(args.seconds + args.warmup + 60)
            cpu1 = os.times()
            web_cpu = group_cpu(web.proc.pid) - web0
            store_cpu = redis_cpu(server.url) - redis0
            results = [json.loads(Path(o).read_text()) for o in outs]
    finally:
        server.stop()

    samples = [s for r in results for s in r["samples"]]
    error_count = sum(r["error_count"] for r in results)
    pairs = [s[0] for s in samples]
    starts = [s[1] for s in samples]
    checks = [s[2] for s in samples]
    client_cpu = (cpu1.children_user + cpu1.children_system) - (
        cpu0.children_user + cpu0.children_system
    )
    wall = args.seconds + args.warmup
    record: dict[str, object] = {
        "date": time.strftime("%Y-%m-%d %H:%M"),
        "machine": machine(),
        "gunicorn": gunicorn_settings(),
        "load_average_before": load_before,
        "load_average_after": load_average(),
        "args": vars(args),
        "app": LABELS[app],
        "pairs": len(pairs),
        "errors": error_count,
    }
    print(
        f"machine: {record['machine']}; load average {load_before} -> {record['load_average_after']}"
    )
    print(f"gunicorn: {record['gunicorn']}; app: {record['app']}")
    print(f"load: {args.processes} client processes x {args.threads} threads; "
          f"{args.seconds:.0f} s measured after {args.warmup:.0f} s warm-up")  # fmt: skip
    print(f"pairs: {len(pairs)} ok, {error_count} failed")
    if pairs:
        record.update(
            pairs_per_s=len(pairs) / args.seconds,
            pair_p50=pct(pairs, 50), pair_p99=pct(pairs, 99),
            start_p50=pct(starts, 50), start_p99=pct(starts, 99),
            check_p50=pct(checks, 50), check_p99=pct(checks, 99),
            gunicorn_cpu_ms_per_pair=1000 * web_cpu / (len(pairs) * wall / args.seconds),
            redis_cpu_ms_per_pair=1000 * store_cpu / (len(pairs) * wall / args.seconds),
        )  # fmt: skip
        print(f"throughput: {len(pairs) / args.seconds:.0f} start+check pairs/s")
        print(f"pair latency ms: p50 {pct(pairs, 50):.1f}  p99 {pct(pairs, 99):.1f}  "
              f"mean {statistics.fmean(pairs):.1f} (goal p99 < 50)")  # fmt: skip
        print(f"start ms: p50 {pct(starts, 50):.1f} p99 {pct(starts, 99):.1f}; "
              f"check ms: p50 {pct(checks, 50):.1f} p99 {pct(checks, 99):.1f}")  # fmt: skip
    print(f"CPU seconds over {wall:.0f} s: gunicorn {web_cpu:.1f}, redis {store_cpu:.1f}, "
          f"load generator {client_cpu:.1f}")  # fmt: skip
    if pairs:
        print(f"gunicorn CPU per pair: {record['gunicorn_cpu_ms_per_pair']:.2f} ms; "
              f"redis {record['redis_cpu_ms_per_pair']:.2f} ms")  # fmt: skip
    for r in results:
        for e in r["errors"][:3]:
            print("error:", e)
    return record


TARGETS = {
    "sandi": "app:create_app()",
    "baseline": "bench.otp_baseline_app:app",
    "null": "bench.null_app:app",
}
LABELS = {
    "sandi": "Sandi",
    "baseline": "bench/otp_baseline_app.py (minimal correct OTP API)",
    "null": "bench/null_app.py (ceiling)",
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seconds", type=float, default=20)
    ap.add_argument("--warmup", type=float, default=3)
    ap.add_argument("--processes", type=int, default=2)
    ap.add_argument("--threads", type=int, default=8)
    ap.add_argument(
        "--null",
        action="store_true",
        help="drive bench/null_app.py instead: the ceiling gunicorn and the load leave",
    )
    ap.add_argument(
        "--compare",
        action="store_true",
        help="side by side in one run: the minimal OTP baseline, then Sandi; prints the ratio",
    )
    args = ap.parse_args()
    if not args.compare:
        save("otp", run("null" if args.null else "sandi", args))
        return
    base = run("baseline", args)
    print()
    sandi = run("sandi", args)
    ratio = float(sandi.get("pairs_per_s", 0.0)) / max(float(base.get("pairs_per_s", 0.0)), 1e-9)  # type: ignore[arg-type]
    print(f"\nratio Sandi/baseline pairs/s: {ratio:.2f} (goal >= 0.5, moonshot 0.7); "
          f"p99 Sandi {sandi.get('pair_p99', 0):.1f} ms, baseline {base.get('pair_p99', 0):.1f} ms")  # fmt: skip
    save("otp_compare", {"baseline": base, "sandi": sandi, "ratio": ratio})


if __name__ == "__main__":
    main()
