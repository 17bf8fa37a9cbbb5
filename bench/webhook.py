"""bench/webhook: Sandi's full turn against a minimal signed-webhook baseline.

    .venv/bin/python -m bench.webhook [--seconds 5] [--rounds 3] [--connections 8]

Both run under gunicorn with the repository's gunicorn.conf.py (the
Procfile's settings) on the same private redis-server, side by side; the
rounds alternate between them so that other load on the machine hits both
alike, and the median of the per-round ratios is the figure. wrk replays signed
WhatsApp webhooks from many different customers walking the demo (greeting,
a menu choice, an FAQ question); every request has its own MessageSid, so no
turn is skipped by the dedupe. Prints requests/s, p50/p99 and the ratio.
"""

from __future__ import annotations

import argparse
import re
import secrets
import statistics
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path
from urllib.parse import urlencode
from urllib.request import Request, urlopen

from twilio.request_validator import RequestValidator

from bench.common import (
    Gunicorn,
    group_cpu,
    gunicorn_settings,
    load_average,
    machine,
    need,
    private_redis,
    save,
    wrk,
)

TOKEN = "bench-auth-token"
#: Greeting (welcome menu), menu choice 3 (FAQ), an FAQ question, back to the
#: menu, and an FAQ question typed at the menu (found without choosing 3 first).
CONVERSATION = ["halo", "3", "apa itu kode OTP?", "menu", "berapa lama kode berlaku"]
BLOCK = 200


def requests_file(base_url: str, count: int, first_customer: int = 0) -> Path:
    """``count`` signed webhooks: customers each walking CONVERSATION in turn.

    Customers go in blocks of BLOCK: the block's first messages, then their
    second ones, and so on, so every step of the conversation is in the mix
    from the first second on (not only greetings), and a customer's next
    message comes ~BLOCK requests after the previous one (finished by then, as
    with a real person typing). ``first_customer`` keeps warm-up and measured
    customers apart, so the measured run never replays a MessageSid (which the
    dedupe would answer without running the turn).
    """
    validator = RequestValidator(TOKEN)
    url = base_url + "/webhooks/twilio/messages"
    path = Path(tempfile.mkstemp(prefix="sandi-bench-", suffix=".txt")[1])
    customers = max(BLOCK, count // len(CONVERSATION))
    with path.open("w") as out:
        for block in range(first_customer, first_customer + customers, BLOCK):
            for body in CONVERSATION:
                for c in range(block, block + BLOCK):
                    sid = "SM" + secrets.token_hex(16)
                    number = f"+62812{c:08d}"
                    form = {
                        "SmsMessageSid": sid, "NumMedia": "0", "ProfileName": f"Pelanggan {c}",
                        "MessageType": "text", "SmsSid": sid, "WaId": number[1:],
                        "SmsStatus": "received", "Body": body,
                        "To": "whatsapp:+14155238886", "NumSegments": "1", "ReferralNumMedia": "0",
                        "MessageSid": sid, "AccountSid": "AC" + "0" * 32,
                        "From": f"whatsapp:{number}", "ApiVersion": "2010-04-01",
                    }  # fmt: skip
                    signature = validator.compute_signature(url, form)
                    out.write(f"{signature}\t{urlencode(form)}\n")
    return path


def measure(server: Gunicorn, requests: Path, args: argparse.Namespace) -> dict[str, float]:
    """One wrk run against ``server``, with the CPU its gunicorn processes used."""
    assert server.proc is not None
    cpu = group_cpu(server.proc.pid)
    result = wrk(server.url, requests, connections=args.connections, seconds=args.seconds)
    cpu = group_cpu(server.proc.pid) - cpu
    result["cpu_ms_per_request"] = 1000 * cpu / max(result["rps"] * args.seconds, 1)
    return result


def show_walk(env: dict[str, str]) -> None:
    """One customer's conversation, to show what the measured turns do."""
    gunicorn = Gunicorn("app:create_app()", env)
    gunicorn.env["SANDI_PUBLIC_URL"] = gunicorn.url
    with gunicorn as server:
        lines = requests_file(server.url, 1, first_customer=99_000_000).read_text().splitlines()
        for body, line in zip(CONVERSATION, lines[::BLOCK], strict=True):
            signature, form = line.split("\t")
            request = Request(
                server.url + "/webhooks/twilio/messages", data=form.encode(),
                headers={"X-Twilio-Signature": signature,
                         "Content-Type": "application/x-www-form-urlencoded"},
            )  # fmt: skip
            with urlopen(request, timeout=10) as response:
                reply = re.sub(r"<[^>]+>", " ", response.read().decode())
            print(f"  > {body}\n    < {' '.join(reply.split())[:110]}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=int, default=5, help="per app and round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=8)
    args = parser.parse_args()
    need("wrk", "apt-get install wrk")
    redis = private_redis()
    env = {
        "REDIS_URL": redis.url,
        "TWILIO_AUTH_TOKEN": TOKEN,
        "TWILIO_ACCOUNT_SID": "AC" + "0" * 32,
        "SANDI_SANDBOX": "1",
        "SANDI_SECRET_KEY": "bench-secret",
    }
    load_before = load_average()
    runs: dict[str, list[dict[str, float]]] = {"baseline": [], "sandi": []}
    try:
        print(f"machine: {machine()}; load average {load_before}")
        print(f"gunicorn: {gunicorn_settings()}")
        print(f"load: wrk, {args.connections} connections, {args.rounds} rounds of "
              f"{args.seconds} s per app, alternating; signed WhatsApp webhooks")  # fmt: skip
        print("what each customer sends (and gets):")
        show_walk(env)
        with ExitStack() as stack:
            servers = {}
            for name, target in (
                ("baseline", "bench.baseline_app:app"),
                ("sandi", "app:create_app()"),
            ):
                server = Gunicorn(target, env)
                # Twilio signs the public URL; each app is told its own.
                server.env["SANDI_PUBLIC_URL"] = server.url
                servers[name] = stack.enter_context(server)
                warm = requests_file(server.url, 4000, first_customer=90_000_000)
                wrk(server.url, warm, connections=args.connections, seconds=2)
                warm.unlink()
            for round_ in range(args.rounds):
                # Alternate which app goes first: other load on the machine drifts.
                order = ["baseline", "sandi"] if round_ % 2 == 0 else ["sandi", "baseline"]
                for name in order:
                    server = servers[name]
                    reqs = requests_file(
                        server.url, args.seconds * 4000, first_customer=round_ * 1_000_000
                    )
                    runs[name].append(measure(server, reqs, args))
                    reqs.unlink()
                print(f"round {round_ + 1}: load average {load_average()}", flush=True)
    finally:
        redis.stop()
    ratios = [s["rps"] / b["rps"] for b, s in zip(runs["baseline"], runs["sandi"], strict=True)]
    print()
    print(f"{'':10} {'round':>5} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'non-2xx':>8} "
          f"{'CPU ms/req':>10}")  # fmt: skip
    for name in ("baseline", "sandi"):
        for i, r in enumerate(runs[name]):
            print(f"{name:10} {i + 1:5} {r['rps']:9.0f} {r['p50']:8.2f} {r['p99']:8.2f} "
                  f"{r['non_2xx']:8.0f} {r['cpu_ms_per_request']:10.2f}")  # fmt: skip
    med = {
        name: {k: statistics.median(r[k] for r in runs[name]) for k in runs[name][0]}
        for name in runs
    }
    ratio = statistics.median(ratios)
    capacity = med["baseline"]["cpu_ms_per_request"] / med["sandi"]["cpu_ms_per_request"]
    print(f"ratio sandi/baseline per round: {' '.join(f'{r:.2f}' for r in ratios)}; "
          f"median {ratio:.2f} (goal >= 0.6, moonshot 0.75)")  # fmt: skip
    print(f"sandi p99 median {med['sandi']['p99']:.1f} ms (goal < 25 ms); "
          f"CPU per request: baseline {med['baseline']['cpu_ms_per_request']:.2f} ms, "
          f"sandi {med['sandi']['cpu_ms_per_request']:.2f} ms (ratio {capacity:.2f})")  # fmt: skip
    print(f"load average after: {load_average()}")
    save(
        "webhook",
        {
            "date": time.strftime("%Y-%m-%d %H:%M"),
            "machine": machine(),
            "gunicorn": gunicorn_settings(),
            "load_average_before": load_before,
            "load_average_after": load_average(),
            "args": vars(args),
            "runs": runs,
            "ratios": ratios,
            "ratio": ratio,
            "cpu_ratio": capacity,
        },
    )


if __name__ == "__main__":
    main()
