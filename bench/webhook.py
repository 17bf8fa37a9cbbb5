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
import re
import secrets
import tempfile
import time
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


def run(target: str, env: dict[str, str], args: argparse.Namespace) -> dict[str, float]:
    gunicorn = Gunicorn(target, env)
    # Twilio signs the public URL; both apps are told theirs (the port is chosen at creation).
    gunicorn.env["SANDI_PUBLIC_URL"] = gunicorn.url
    with gunicorn as server:
        assert server.proc is not None
        warm = requests_file(server.url, 4000, first_customer=90_000_000)
        reqs = requests_file(server.url, int(args.seconds * 4000))
        wrk(server.url, warm, connections=args.connections, seconds=2)  # warm-up
        cpu = group_cpu(server.proc.pid)
        result = wrk(server.url, reqs, connections=args.connections, seconds=args.seconds)
        cpu = group_cpu(server.proc.pid) - cpu
        warm.unlink()
        reqs.unlink()
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
    }
    load_before = load_average()
    try:
        print(f"machine: {machine()}; load average {load_before}")
        print(f"gunicorn: {gunicorn_settings()}")
        print(
            f"load: wrk, {args.connections} connections, {args.seconds} s, signed WhatsApp webhooks"
        )
        print("what each customer sends (and gets):")
        show_walk(env)
        print("baseline (signature check + INCR + TwiML) ...", flush=True)
        base = run("bench.baseline_app:app", env, args)
        print("sandi (full turn through the demo flows) ...", flush=True)
        sandi = run("app:create_app()", env, args)
    finally:
        redis.stop()
    ratio = sandi["rps"] / base["rps"]
    print()
    header = f"{'':10} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'non-2xx':>8} {'CPU ms/req':>10}"
    print(header)
    for name, r in (("baseline", base), ("sandi", sandi)):
        print(f"{name:10} {r['rps']:9.0f} {r['p50']:8.2f} {r['p99']:8.2f} {r['non_2xx']:8.0f} "
              f"{r['cpu_ms_per_request']:10.2f}")  # fmt: skip
    print(f"ratio sandi/baseline: {ratio:.2f} (goal >= 0.75); sandi p99 goal < 25 ms")
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
            "baseline": base,
            "sandi": sandi,
            "ratio": ratio,
        },
    )


if __name__ == "__main__":
    main()
