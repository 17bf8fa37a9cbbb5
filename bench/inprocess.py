"""bench/inprocess: CPU per request of the WSGI apps alone, without HTTP or load.

    .venv/bin/python -m bench.inprocess [otp|webhook|baseline|otp-baseline|all]
                                        [--count 3000] [--profile 25]

Calls each app's WSGI entry point directly with prepared requests (built
before the clock starts) on a private redis-server, one thread, and reports
the process CPU time per operation: an OTP start+check pair, a webhook turn
of the demo walk (``bench/webhook.py``'s requests), and the two baselines:
the minimal signed webhook (``bench/baseline_app.py``) and the minimal
correct OTP API (``bench/otp_baseline_app.py``, the same pair as Sandi's),
so that each ratio is measured without gunicorn, HTTP or load. Machine load barely moves these figures, so they
are what to compare while optimising; the gunicorn benchmarks measure the
whole server. ``--profile N`` prints cProfile's N most expensive functions.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import random
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any
from urllib.parse import urlencode

from twilio.request_validator import RequestValidator

from bench.common import load_average, machine, private_redis

TOKEN = "bench-auth-token"
API_KEY = "bench-key-" + "x" * 24
PUBLIC = "http://bench.invalid"
WSGI = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def environ(method: str, path: str, body: bytes, headers: dict[str, str]) -> dict[str, Any]:
    env: dict[str, Any] = {
        "REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": "", "SERVER_NAME": "bench.invalid",
        "SERVER_PORT": "80", "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "127.0.0.1",
        "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(body), "wsgi.errors": sys.stderr,
        "wsgi.multithread": True, "wsgi.multiprocess": True, "wsgi.run_once": False,
        "wsgi.version": (1, 0), "CONTENT_LENGTH": str(len(body)), "HTTP_HOST": "bench.invalid",
    }  # fmt: skip
    for name, value in headers.items():
        key = name.upper().replace("-", "_")
        env[key if key == "CONTENT_TYPE" else "HTTP_" + key] = value
    return env


def call(app: WSGI, env: dict[str, Any]) -> tuple[str, bytes]:
    status: list[str] = []
    body = b"".join(app(env, lambda s, h, e=None: status.append(s)))
    return status[0], body


def webhook_requests(count: int, first: int) -> Iterator[dict[str, Any]]:
    """The demo walk of bench/webhook.py, customer after customer."""
    from bench.webhook import BLOCK, CONVERSATION

    validator = RequestValidator(TOKEN)
    url = PUBLIC + "/webhooks/twilio/messages"
    made = 0
    block = first
    while made < count:
        for text in CONVERSATION:
            for c in range(block, block + BLOCK):
                sid = "SM" + random.randbytes(16).hex()
                number = f"+62812{c:08d}"
                form = {
                    "SmsMessageSid": sid, "NumMedia": "0", "ProfileName": f"Pelanggan {c}",
                    "MessageType": "text", "SmsSid": sid, "WaId": number[1:],
                    "SmsStatus": "received", "Body": text, "To": "whatsapp:+14155238886",
                    "NumSegments": "1", "ReferralNumMedia": "0", "MessageSid": sid,
                    "AccountSid": "AC" + "0" * 32, "From": f"whatsapp:{number}",
                    "ApiVersion": "2010-04-01",
                }  # fmt: skip
                headers = {
                    "X-Twilio-Signature": validator.compute_signature(url, form),
                    "Content-Type": "application/x-www-form-urlencoded",
                }
                yield environ(
                    "POST", "/webhooks/twilio/messages", urlencode(form).encode(), headers
                )
                made += 1
        block += BLOCK


def run_webhook(app: WSGI, count: int, profile: int) -> float:
    warm = list(webhook_requests(1000, 90_000_000))
    for env in warm:
        call(app, env)
    envs = list(webhook_requests(count, 0))
    return timed(lambda: [_expect(call(app, env), "200") for env in envs], len(envs), profile)


def run_otp(app: WSGI, count: int, profile: int) -> float:
    """Start (SMS, sandbox) then check by id with the code read from the outbox."""
    import redis

    from app.store import keys

    store = redis.Redis.from_url(os.environ["REDIS_URL"], decode_responses=True)
    headers = {"Authorization": f"Bearer {API_KEY}", "Content-Type": "application/json"}

    def pair(n: int) -> None:
        to = f"+62813{n:08d}"
        body = json.dumps({"to": to, "channel": "sms"}).encode()
        status, answer = call(app, environ("POST", "/v1/verifications", body, headers))
        _expect((status, answer), "201")
        vid = json.loads(answer)["id"]
        code = json.loads(store.lindex(keys.outbox(to), -1) or "{}")["code"]
        body = json.dumps({"id": vid, "code": code}).encode()
        _expect(call(app, environ("POST", "/v1/verifications/check", body, headers)), "200")

    for n in range(500):
        pair(90_000_000 + n)
    # The outbox read is the client's part, but it happens inside the loop:
    # its CPU is measured separately and taken off.
    started = time.process_time()
    for n in range(count):
        json.loads(store.lindex(keys.outbox(f"+62813{90_000_000 + n % 500:08d}"), -1) or "{}")
    client = time.process_time() - started
    return timed(lambda: [pair(n) for n in range(count)], count, profile) - client / count


def timed(work: Callable[[], object], count: int, profile: int) -> float:
    # CPU time, not wall: on a loaded machine waiting on Redis would swamp the profile.
    profiler = cProfile.Profile(time.process_time) if profile else None
    started, wall = time.process_time(), time.perf_counter()
    if profiler:
        profiler.enable()
    work()
    if profiler:
        profiler.disable()
    spent = time.process_time() - started
    print(f"  {count} in {time.perf_counter() - wall:.2f} s wall, {spent:.2f} s CPU", flush=True)
    if profiler:
        calls = pstats.Stats(profiler).total_calls  # type: ignore[attr-defined]
        print(f"  {calls / count:,.0f} Python function calls per operation (cProfile)")
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(profile)
        pstats.Stats(profiler).sort_stats("tottime").print_stats(profile)
    return spent / count


def _expect(result: tuple[str, bytes], status: str) -> None:
    if not result[0].startswith(status):
        raise SystemExit(f"expected {status}, got {result[0]}: {result[1][:300]!r}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "what",
        nargs="?",
        default="all",
        choices=["otp", "webhook", "baseline", "otp-baseline", "all"],
    )
    parser.add_argument("--count", type=int, default=3000)
    parser.add_argument("--profile", type=int, default=0, metavar="N")
    args = parser.parse_args()
    server = private_redis()
    os.environ.update(
        REDIS_URL=server.url, TWILIO_AUTH_TOKEN=TOKEN, TWILIO_ACCOUNT_SID="AC" + "0" * 32,
        SANDI_SANDBOX="1", SANDI_SECRET_KEY="bench-secret", SANDI_PUBLIC_URL=PUBLIC,
        SANDI_API_KEYS=API_KEY, SANDI_OTP_API_KEY_LIMITS="10000000/minute",
        SANDI_OTP_IP_LIMITS="10000000/minute", SANDI_OTP_SERVER_LIMITS="10000000/minute",
        SANDI_WATCH_FLOWS="0",
        SANDI_INSTANCE_DIR=tempfile.mkdtemp(prefix="sandi-bench-"),
    )  # fmt: skip
    print(f"machine: {machine()}; load average {load_average()}")
    try:
        from app import create_app

        sandi: WSGI = create_app()
        results = {}
        if args.what in ("baseline", "webhook", "all"):
            from bench import baseline_app

            if args.what != "webhook":
                results["baseline"] = run_webhook(baseline_app.app, args.count, args.profile)
        if args.what in ("webhook", "all"):
            results["webhook"] = run_webhook(sandi, args.count, args.profile)
        if args.what in ("otp-baseline", "all"):
            from bench import otp_baseline_app

            results["otp-baseline"] = run_otp(otp_baseline_app.app, args.count, args.profile)
        if args.what in ("otp", "all"):
            results["otp"] = run_otp(sandi, args.count, args.profile)
    finally:
        server.stop()
    for name, seconds in results.items():
        unit = "per start+check pair" if name.startswith("otp") else "per webhook"
        print(f"{name:12} {seconds * 1e6:8.0f} µs CPU {unit}")
    if "baseline" in results and "webhook" in results:
        print(
            f"ratio baseline/webhook (in-process): {results['baseline'] / results['webhook']:.2f}"
        )
    if "otp-baseline" in results and "otp" in results:
        print(f"ratio baseline/otp (in-process): {results['otp-baseline'] / results['otp']:.2f}")


if __name__ == "__main__":
    main()
