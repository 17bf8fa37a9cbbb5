"""Fallback jobs per second on real ``sandi worker`` processes, and how soon a job of a
killed worker runs again.

Its own redis-server and a fake Twilio on loopback (tests/support/fake_twilio.py);
N verifications are started on WhatsApp in this process, their SMS fallbacks
enqueued, and W worker processes drain the queue. Then one more job is started
on a worker that is SIGKILLed while the fake holds the request, and the time
until another worker has finished it is measured.

    .venv/bin/python bench/delivery.py [--jobs 500] [--workers 2]
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
from bench.common import load_average, machine  # noqa: E402
from tests.support.fake_twilio import ACCOUNT_SID, AUTH_TOKEN, FakeTwilio  # noqa: E402
from tests.support.redis_servers import RedisProcess  # noqa: E402
from tests.support.worker_process import worker_env, workers  # noqa: E402


def config(redis_url: str, fake: FakeTwilio, instance: Path) -> dict[str, str]:
    return {
        "REDIS_URL": redis_url,
        "SANDI_INSTANCE_DIR": str(instance),
        "SANDI_SANDBOX": "0",
        "SANDI_LOG_LEVEL": "WARNING",
        "SANDI_PUBLIC_URL": "http://localhost",
        "SANDI_AUTO_WHATSAPP_PREFIXES": "",
        "SANDI_FALLBACK": "whatsapp>sms",
        "SANDI_FALLBACK_WAIT_WHATSAPP": "0",
        "SANDI_JOB_TIMEOUT": "3",
        "SANDI_JOB_MAINTENANCE_INTERVAL": "1",
        "TWILIO_API_BASE_URL": fake.base_url,
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "TWILIO_SMS_FROM": "+14155550100",
        "TWILIO_WHATSAPP_FROM": "+14155238886",
        "TWILIO_WHATSAPP_OTP_CONTENT_SID": "HX" + "a" * 32,
    }


def wait(condition: object, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not condition():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise SystemExit("timed out")
        time.sleep(0.02)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--jobs", type=int, default=500)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="sandi-bench-delivery-") as tmp:
        redis_server = RedisProcess(Path(tmp) / "redis").start()
        fake = FakeTwilio().start()
        try:
            cfg = config(redis_server.url, fake, Path(tmp) / "instance")
            services = create_app({"TESTING": True, **cfg}).extensions["sandi"]
            jobs = services.jobs
            assert jobs is not None
            started = []
            for i in range(args.jobs + 1):
                v = services.otp.start(f"+62816{i:07d}", "whatsapp", "login").verification
                started.append((v.id, str(services.otp.store.get(v.id)["message_id"])))
            queue = jobs.queue
            t0 = time.monotonic()
            for vid, sid in started[:-1]:
                jobs.fallback(vid, "whatsapp", sid)
            with workers(worker_env(cfg), Path(tmp)) as pool:
                for _ in range(args.workers):
                    pool.start()
                wait(lambda: queue.finished_job_registry.count >= args.jobs, 600)
                elapsed = time.monotonic() - t0
                # A job whose worker is killed mid-request: how soon is it done elsewhere?
                victim = pool.procs[0]
                fake.slow(2.0)
                vid, sid = started[-1]
                jobs.fallback(vid, "whatsapp", sid)
                wait(lambda: any(r.status == 0 for r in fake.requests), 30)
                pool.kill(victim)
                killed = time.monotonic()
                fake.slow(0)
                wait(lambda: queue.finished_job_registry.count > args.jobs, 120)
                rerun = time.monotonic() - killed
        finally:
            fake.stop()
            redis_server.stop()
    sms = [r for r in fake.created("Messages") if not (r.get("To") or "").startswith("whatsapp:")]
    print(f"machine: {machine()}, load {load_average()}")
    print(f"{args.jobs} fallback jobs on {args.workers} workers: {elapsed:.1f} s, "
          f"{args.jobs / elapsed:.0f} jobs/s; {len(sms)} SMS at the fake")  # fmt: skip
    print(f"killed worker's job finished by another after {rerun:.1f} s "
          f"(lease: SANDI_JOB_TIMEOUT 3 s + 5 s)")  # fmt: skip


if __name__ == "__main__":
    main()
