"""bench/memory: RSS per gunicorn worker, and how long flows take to load.

    .venv/bin/python -m bench.memory [--flows 200] [--steps 20] [--repeat 3] [--load-only]

Two flow sets: the bundled demo, and the demo plus ``--flows`` generated
flows of ``--steps`` steps each (``bench/flowgen.py``: valid flows with an
Indonesian and an English template per message, written to a temp folder).

- Load + validate: ``load_flows`` (YAML, schema, references, reachability,
  every template parsed and its variables checked) in a fresh process each
  time, after the imports; the median of ``--repeat`` runs, wall clock and
  CPU time of that process (``time.process_time``: moves less than the wall
  clock when other work shares the cores). Cold: nothing cached.
- RSS: gunicorn with the repository's gunicorn.conf.py (the Procfile's
  settings) on a private Redis, after signed webhooks have walked into the
  flows (the demo, and for the big set the first question of 50 generated
  flows), read from /proc for every worker. Goals: < 150 MB per worker, < 2 s.
  ``--load-only`` skips this part (no gunicorn, no Redis).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.request import Request, urlopen

from twilio.request_validator import RequestValidator

from bench.common import (
    ROOT,
    Gunicorn,
    gunicorn_settings,
    load_average,
    machine,
    private_redis,
    save,
)
from bench.flowgen import generate

TOKEN = "bench-auth-token"
_TIMER = """
import json, sys, time
from pathlib import Path
from app.content.loader import load_flows
from app.content.render import Templates
from app.conversation.faq_check import faq_problems
flows, templates = Path(sys.argv[1]), Path(sys.argv[2])
started, cpu = time.perf_counter(), time.process_time()
flowset = load_flows(flows, Templates(templates), (faq_problems,))
print(json.dumps({
    "seconds": time.perf_counter() - started,
    "cpu_seconds": time.process_time() - cpu,
    "flows": len(flowset.flows),
}))
"""


def load_time(flows: Path, templates: Path, repeat: int) -> dict[str, object]:
    """Median and runs of the wall clock and CPU time of ``load_flows``, fresh process each."""
    runs, cpu_runs = [], []
    count = 0
    for _ in range(repeat):
        out = subprocess.run(
            [sys.executable, "-c", _TIMER, str(flows), str(templates)],
            cwd=ROOT, capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
        result = json.loads(out)
        runs.append(result["seconds"])
        cpu_runs.append(result["cpu_seconds"])
        count = result["flows"]
    return {
        "flows": count,
        "load_s": statistics.median(runs),
        "load_runs": runs,
        "load_cpu_s": statistics.median(cpu_runs),
        "load_cpu_runs": cpu_runs,
    }


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def workers(master: int) -> list[int]:
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return [int(pid) for pid in children]


def send(url: str, sender: str, body: str, n: int) -> None:
    form = {
        "MessageSid": f"SM{n:032x}", "SmsMessageSid": f"SM{n:032x}", "AccountSid": "AC" + "0" * 32,
        "From": f"whatsapp:{sender}", "To": "whatsapp:+14155238886", "Body": body, "NumMedia": "0",
    }  # fmt: skip
    target = url + "/webhooks/twilio/messages"
    signature = RequestValidator(TOKEN).compute_signature(target, form)
    data = "&".join(f"{k}={v}" for k, v in form.items()).replace("+", "%2B").replace(" ", "+")
    request = Request(
        target, data=data.encode(),
        headers={"X-Twilio-Signature": signature, "Content-Type": "application/x-www-form-urlencoded"},
    )  # fmt: skip
    with urlopen(request, timeout=10) as response:
        assert response.status == 200, response.status


def measure_rss(flows: Path, templates: Path, generated: int, redis_url: str) -> dict[str, object]:
    env = {
        "REDIS_URL": redis_url,
        "TWILIO_AUTH_TOKEN": TOKEN,
        "TWILIO_ACCOUNT_SID": "AC" + "0" * 32,
        "SANDI_SANDBOX": "1",
        "SANDI_SECRET_KEY": "bench-secret",
        "SANDI_FLOWS_DIR": str(flows),
        "SANDI_TEMPLATES_DIR": str(templates),
    }
    server = Gunicorn("app:create_app()", env)
    server.env["SANDI_PUBLIC_URL"] = server.url
    with server:
        assert server.proc is not None
        n = 0
        for c in range(40):  # the demo: greeting, menu, FAQ (both workers get some)
            for body in ("halo", "3", "apa itu kode OTP?", "menu", "berapa lama kode berlaku"):
                n += 1
                send(server.url, f"+62812{c:08d}", body, n)
        for g in range(min(generated, 50)):  # the first question of 50 generated flows
            for body in (f"mulai alur {g}", "jawaban saya"):
                n += 1
                send(server.url, f"+62813{g:08d}", body, n)
        time.sleep(0.5)  # let the workers settle before reading /proc
        pids = workers(server.proc.pid)
        return {
            "master_mb": rss_kb(server.proc.pid) / 1024,
            "workers_mb": [rss_kb(pid) / 1024 for pid in pids],
            "requests": n,
        }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--flows", type=int, default=200)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--load-only", action="store_true", help="time load + validate only; no gunicorn RSS"
    )
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="sandi-bench-flows-"))
    big_flows, big_templates = generate(tmp, args.flows, args.steps)
    sets = {
        "demo": (ROOT / "flows", ROOT / "templates", 0),
        f"demo + {args.flows} x {args.steps} steps": (big_flows, big_templates, args.flows),
    }
    print(f"machine: {machine()}; load average {load_average()}")
    if not args.load_only:
        print(f"gunicorn: {gunicorn_settings()}")
    record: dict[str, object] = {
        "date": time.strftime("%Y-%m-%d %H:%M"),
        "machine": machine(),
        "gunicorn": gunicorn_settings(),
        "load_average_before": load_average(),
        "args": vars(args),
    }
    redis = None if args.load_only else private_redis()
    try:
        for name, (flows, templates, generated) in sets.items():
            timing = load_time(flows, templates, args.repeat)
            print(f"\n{name}: {timing['flows']} flows")
            print(f"  load + validate: median {timing['load_s']:.2f} s (runs: "
                  f"{_runs(timing['load_runs'])}; goal < 2 s); CPU median "
                  f"{timing['load_cpu_s']:.2f} s (runs: {_runs(timing['load_cpu_runs'])})")  # fmt: skip
            record[name] = timing
            if redis is None:
                continue
            memory = measure_rss(flows, templates, generated, redis.url)
            workers_mb = memory["workers_mb"]
            assert isinstance(workers_mb, list)
            print(f"  RSS per worker: {', '.join(f'{w:.0f} MB' for w in workers_mb)} "
                  f"(goal < 150 MB); master {memory['master_mb']:.0f} MB, "
                  f"after {memory['requests']} webhooks")  # fmt: skip
            record[name] = {**timing, **memory}
    finally:
        if redis is not None:
            redis.stop()
    record["load_average_after"] = load_average()
    print(f"\nload average after: {record['load_average_after']}")
    save("memory", record)


def _runs(values: object) -> str:
    assert isinstance(values, list)
    return ", ".join(f"{v:.2f}" for v in values)


if __name__ == "__main__":
    main()
