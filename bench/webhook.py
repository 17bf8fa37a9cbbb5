"""bench/webhook: Sandi's full turn against a minimal signed-webhook baseline.

    .venv/bin/python -m bench.webhook [--seconds 10] [--connections 8]

Both run under gunicorn with the repository's gunicorn.conf.py (the
Procfile's settings) on the same private redis-server. wrk replays signed
WhatsApp webhooks from many different customers walking the demo (greeting,
a menu choice, an FAQ question); every request has its own MessageSid, so no
turn is skipped by the dedupe. Prints requests/s, p50/p99 and the ratio.
"""

from __future__ import annotations

import argparse
import json
import secrets
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

from twilio.request_validator import RequestValidator

from bench.common import ROOT, Gunicorn, machine, need, private_redis, wrk

TOKEN = "bench-auth-token"
CONVERSATION = ["halo", "3", "apa itu kode OTP?", "menu", "berapa lama kode berlaku"]


def requests_file(base_url: str, count: int) -> Path:
    """``count`` signed webhooks: customers each walking CONVERSATION in turn."""
    validator = RequestValidator(TOKEN)
    url = base_url + "/webhooks/twilio/messages"
    path = Path(tempfile.mkstemp(prefix="sandi-bench-", suffix=".txt")[1])
    customers = max(1, count // len(CONVERSATION))
    with path.open("w") as out:
        for step in range(len(CONVERSATION)):
            for c in range(customers):
                sid = "SM" + secrets.token_hex(16)
                number = f"+62812{c:08d}"
                form = {
                    "SmsMessageSid": sid, "NumMedia": "0", "ProfileName": f"Pelanggan {c}",
                    "MessageType": "text", "SmsSid": sid, "WaId": number[1:],
                    "SmsStatus": "received", "Body": CONVERSATION[step],
                    "To": "whatsapp:+14155238886", "NumSegments": "1", "ReferralNumMedia": "0",
                    "MessageSid": sid, "AccountSid": "AC" + "0" * 32,
                    "From": f"whatsapp:{number}", "ApiVersion": "2010-04-01",
                }  # fmt: skip
                signature = validator.compute_signature(url, form)
                out.write(f"{signature}\t{urlencode(form)}\n")
    return path


def run(target: str, env: dict[str, str], args: argparse.Namespace) -> dict[str, float]:
    gunicorn = Gunicorn(target, env)
    # Twilio signs the public URL; both apps are told theirs (the port is chosen at creation).
    gunicorn.env["SANDI_PUBLIC_URL"] = gunicorn.url
    with gunicorn as server:
        reqs = requests_file(server.url, int(args.seconds * 4000))
        wrk(server.url, reqs, connections=args.connections, seconds=1)  # warm-up
        result = wrk(server.url, reqs, connections=args.connections, seconds=args.seconds)
        reqs.unlink()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=int, default=10)
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
        "SANDI_LOG_LEVEL": "WARNING",
    }
    try:
        print(f"machine: {machine()}")
        print(
            f"load: wrk, {args.connections} connections, {args.seconds} s, signed WhatsApp webhooks"
        )
        print("baseline (signature check + INCR + TwiML) ...", flush=True)
        base = run("bench.baseline_app:app", env, args)
        print("sandi (full turn through the demo flows) ...", flush=True)
        sandi = run("app:create_app()", env, args)
    finally:
        redis.stop()
    ratio = sandi["rps"] / base["rps"]
    print()
    print(f"{'':10} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'non-2xx':>8}")
    for name, r in (("baseline", base), ("sandi", sandi)):
        print(f"{name:10} {r['rps']:9.0f} {r['p50']:8.2f} {r['p99']:8.2f} {r['non_2xx']:8.0f}")
    print(f"ratio sandi/baseline: {ratio:.2f} (goal >= 0.75); sandi p99 goal < 25 ms")
    results = ROOT / "bench" / "results"
    results.mkdir(exist_ok=True)
    stamp = time.strftime("%Y-%m-%d")
    record = {
        "date": stamp,
        "machine": machine(),
        "args": vars(args),
        "baseline": base,
        "sandi": sandi,
        "ratio": ratio,
    }
    (results / f"webhook-{stamp}.json").write_text(json.dumps(record, indent=2))


if __name__ == "__main__":
    main()
