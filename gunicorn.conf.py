"""gunicorn settings for Sandi (read automatically from the working directory).

gthread workers, one process per core with 4 threads each: an OTP start
waits on Twilio's API and a flow's ``http`` step on the business back end,
and a waiting thread costs no CPU, so threads keep the cores busy without the
memory of more processes. Each worker takes at most 2 x threads connections
at a time, so that a few keep-alive clients (a load balancer's pool, a load
test) spread over every worker instead of all landing on the first one to
accept. See the README's Deployment and Performance sections for the
measurements behind these numbers.
"""

import multiprocessing
import os

bind = f"0.0.0.0:{os.environ.get('PORT', '5000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count()))
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "gthread")
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
# gthread keeps a connection on the worker that accepted it. Without a cap, the
# first worker to wake accepted all 16 connections of bench/otp and served them
# on one core: 245 pairs/s instead of 415. Past threads, the extra slots are for
# idle keep-alive connections; when they are full, a response closes its connection.
worker_connections = int(os.environ.get("GUNICORN_WORKER_CONNECTIONS", 2 * threads))
# Twilio gives up after 15 s; a request still running after 20 s is stuck.
timeout = 20
graceful_timeout = 10
keepalive = 5
# Sandi logs one line per webhook turn and per OTP operation itself (numbers
# masked); gunicorn's access log repeats it at ~6% of the CPU. GUNICORN_ACCESS_LOG=-
# turns it on (to stdout), e.g. where no router logs requests.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
# Numbers in paths and query strings (the OTP APIs) are masked in the access log.
logger_class = "app.gunicorn_logging.MaskingLogger"
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


def when_ready(server):
    """SIGHUP to the master reloads the flows in every worker, checked first.

    gunicorn's own HUP boots new workers; with a flow edit that does not
    check, they would fail to boot and take the server down. Instead the
    master checks the flows on disk and, if they pass, asks every worker
    through Redis to reload them in place (as ``sandi flows reload`` does).
    Restart gunicorn (or send USR2) to run new code or settings.
    """
    from app.wiring.flows_reload import gunicorn_hup

    server.handle_hup = lambda: gunicorn_hup(server.log)


def post_worker_init(worker):
    """Every worker follows flow reloads from boot, not only after its first request."""
    from app.wiring.flows_reload import RELOADER

    reloader = getattr(worker.wsgi, "extensions", {}).get(RELOADER)
    if reloader is not None:
        reloader.start()
