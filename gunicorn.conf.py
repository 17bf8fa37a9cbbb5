"""gunicorn settings for Sandi (read automatically from the working directory).

gthread workers: a turn spends most of its time waiting on Redis and, in
flows with an ``http`` step, on the business back end, so a few threads per
process keep the cores busy without the memory of more processes. See the
README's Deployment section for the reasoning and the measured figures.
"""

import multiprocessing
import os

bind = f"0.0.0.0:{os.environ.get('PORT', '5000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count()))
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "gthread")
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
# Twilio gives up after 15 s; a request still running after 20 s is stuck.
timeout = 20
graceful_timeout = 10
keepalive = 5
# Sandi logs one line per webhook turn and per OTP operation itself (numbers
# masked); gunicorn's access log repeats it at ~6% of the CPU. GUNICORN_ACCESS_LOG=-
# turns it on (to stdout), e.g. where no router logs requests.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
max_requests = 20000
max_requests_jitter = 2000


def on_starting(server):
    """Without REDIS_URL, start one embedded Redis for every worker to share."""
    if not os.environ.get("REDIS_URL"):
        from pathlib import Path

        from app.config import ROOT
        from app.store.embedded import ensure_embedded

        instance = Path(os.environ.get("SANDI_INSTANCE_DIR") or ROOT / "instance")
        os.environ["REDIS_URL"] = ensure_embedded(instance)
