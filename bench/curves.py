"""bench/curves: a webhook turn's CPU as the content and the conversation grow.

    .venv/bin/python -m bench.curves [--count 1000] [--flows 10,200,1000] [--history 0,10,30]
                                     [--rounds 2] [--profile N]

In process, like ``bench/inprocess.py`` (CPU time per turn of the demo walk,
one thread, a private redis-server): first with ``N`` generated flows of 20
steps loaded beside the demo's (``bench/flowgen.py``), then with the
conversation history on (``SANDI_HISTORY_TTL``) and each customer already
``H`` messages into it (history keeps at most ``HISTORY_LIMIT`` messages, so
the curve flattens there). Each point is a fresh app on a fresh database.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path
from typing import Any

from bench import inprocess
from bench.common import load_average, machine, private_redis, save
from bench.flowgen import generate


def turn_cost(env: dict[str, str], count: int, history: int = 0, profile: int = 0) -> float:
    """CPU seconds per measured turn of a fresh app under ``env``."""
    server = private_redis()
    saved = dict(os.environ)
    os.environ.update(env, REDIS_URL=server.url)
    try:
        from app import create_app

        app: Any = create_app()
        for env_ in inprocess.webhook_requests(500, 90_000_000):
            inprocess.call(app, env_)
        envs = list(inprocess.webhook_requests(count, 0))
        if history:
            # The same customers, already ``history`` messages into the conversation.
            for _ in range(history):
                for env_ in inprocess.webhook_requests(count, 0):
                    if env_["wsgi.input"].getvalue().find(b"Body=halo") >= 0:
                        inprocess.call(app, env_)
        return inprocess.timed(
            lambda: [inprocess.call(app, e) for e in envs], len(envs), profile=profile
        )
    finally:
        os.environ.clear()
        os.environ.update(saved)
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--flows", default="10,200,1000")
    parser.add_argument("--history", default="0,10,30")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--profile", type=int, default=0, metavar="N", help="cProfile's top N")
    args = parser.parse_args()
    base = {
        "TWILIO_AUTH_TOKEN": inprocess.TOKEN, "TWILIO_ACCOUNT_SID": "AC" + "0" * 32,
        "SANDI_SANDBOX": "1", "SANDI_SECRET_KEY": "bench-secret",
        "SANDI_PUBLIC_URL": inprocess.PUBLIC, "SANDI_WATCH_FLOWS": "0",
        "SANDI_LOG_LEVEL": "WARNING",
    }  # fmt: skip
    print(f"machine: {machine()}; load average {load_average()}")
    record: dict[str, object] = {"machine": machine()}
    points: list[tuple[str, dict[str, str], int]] = []
    for n in (int(x) for x in args.flows.split(",") if x):
        target = Path(tempfile.mkdtemp(prefix="sandi-curve-"))
        flows_dir, templates_dir = generate(target, flows=n, steps=20)
        env = {
            **base, "SANDI_FLOWS_DIR": str(flows_dir), "SANDI_TEMPLATES_DIR": str(templates_dir),
            "SANDI_INSTANCE_DIR": str(target / "instance"),
        }  # fmt: skip
        points.append((f"{n:5} generated flows + the demo", env, 0))
    for h in (int(x) for x in args.history.split(",") if x):
        env = {
            **base, "SANDI_HISTORY_TTL": "86400",
            "SANDI_INSTANCE_DIR": tempfile.mkdtemp(prefix="sandi-curve-"),
        }  # fmt: skip
        points.append((f"history on, {h:3} earlier messages", env, h))
    # Rounds go through every point in turn (alternating direction): load on the
    # machine drifts, and it then touches every point alike; the minimum is shown.
    costs: dict[str, list[float]] = {label: [] for label, _, _ in points}
    for r in range(args.rounds):
        for label, env, h in points if r % 2 == 0 else points[::-1]:
            costs[label].append(turn_cost(env, args.count, history=h, profile=args.profile))
    for label, _, _ in points:
        got = costs[label]
        print(f"{label}: {min(got) * 1e6:6.0f} µs CPU per turn (rounds: "
              f"{', '.join(f'{c * 1e6:.0f}' for c in got)})")  # fmt: skip
    flows = {label: min(c) for label, c in costs.items() if "flows" in label}
    history = {label: min(c) for label, c in costs.items() if "history" in label}
    record.update(flows=flows, history=history, load_average_after=load_average())
    save("curves", record)


if __name__ == "__main__":
    main()
