"""Benchmark: the fraud guard on a simulated day (the suite's, see tests/support/fraud_day.py).

    .venv/bin/python bench/fraud.py [--seed 7] [--mode standard] [--legit 2000] [--attack 2000]

Starts a private redis-server (loopback, free port), builds the app in sandbox
mode with an injected clock, and plays the day through the real OtpService:
2,000 customers on Indonesian numbers and a 2,000-start SMS-pumping attack
on 20 prefixes in ID, MY and PH. Prints what share of the attack was blocked
before a send, what share of the customers was, when the first block came,
and how long the day took to play.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app import create_app  # noqa: E402
from bench.common import load_average, machine, save  # noqa: E402
from tests.support.clock import FakeClock  # noqa: E402
from tests.support.fraud_day import DAY_START, SIM_SETTINGS, run_day  # noqa: E402
from tests.support.redis_servers import RedisProcess  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--mode", default="standard", choices=["basic", "standard", "max"])
    parser.add_argument("--legit", type=int, default=2000)
    parser.add_argument("--attack", type=int, default=2000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="sandi-bench-fraud-") as tmp:
        server = RedisProcess(Path(tmp) / "redis").start()
        try:
            clock = FakeClock(DAY_START)
            app = create_app({
                "REDIS_URL": server.url, "SANDI_SANDBOX": "1", "clock": clock,
                "SANDI_INSTANCE_DIR": str(Path(tmp) / "instance"),
                "SANDI_SECRET_KEY": "bench-fraud-secret", "SANDI_FRAUD_GUARD": args.mode,
                **SIM_SETTINGS,
            })  # fmt: skip
            began = time.perf_counter()
            figures = run_day(
                app.extensions["sandi"], clock, seed=args.seed,
                legit=args.legit, attack=args.attack,
            )  # fmt: skip
            took = time.perf_counter() - began
        finally:
            server.stop()
    print(f"fraud guard {args.mode}, seed {args.seed}: the day played in {took:.1f} s")
    for line in figures.lines():
        print("  " + line)
    print(f"machine: {machine()}; load {load_average()}")
    saved = save("fraud", {
        "mode": args.mode, "seed": args.seed, "seconds": round(took, 1),
        "attack": figures.attack, "attack_blocked": figures.attack_blocked,
        "legit": figures.legit, "legit_blocked": figures.legit_blocked,
        "first_block": figures.first_block, "legit_approved": figures.legit_approved,
        "machine": machine(), "load": load_average(),
    })  # fmt: skip
    print(f"saved {saved.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
