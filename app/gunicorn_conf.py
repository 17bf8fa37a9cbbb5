"""gunicorn settings for Sandi: ``gunicorn -c python:app.gunicorn_conf 'app:create_app()'``
(the checkout's gunicorn.conf.py, which gunicorn reads by itself, imports this).

gthread workers, one process per core with 4 threads each: an OTP start
waits on Twilio's API and a flow's ``http`` step on the business back end,
and a waiting thread costs no CPU, so threads keep the cores busy without the
memory of more processes. Each worker takes at most 2 x threads connections
at a time, so that a few keep-alive clients (a load balancer's pool, a load
test) spread over every worker instead of all landing on the first one to
accept. See docs/deployment.md and docs/performance.md for the
measurements behind these numbers.
"""

import multiprocessing
import os
from typing import Any

from app.logs import gunicorn_logconfig

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
# SIGTERM: workers stop accepting and finish the requests they hold. A turn holds its
# conversation for at most SANDI_LOCK_TIMEOUT_MS (12 s), so 15 s lets every running
# turn finish (and write its state) before a worker is killed.
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "15"))
# gunicorn >= 25.1 opens a control socket (gunicornc) under $HOME by default: another
# way in to stop or resize the server, and a file in a read-only container. Off.
control_socket_disable = True
keepalive = 5
# Sandi logs one line per webhook turn and per OTP operation itself (numbers
# masked); gunicorn's access log repeats it at ~6% of the CPU. GUNICORN_ACCESS_LOG=-
# turns it on (to stdout), e.g. where no router logs requests.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
# Numbers in paths and query strings (the OTP APIs) are masked in the access log.
logger_class = "app.gunicorn_logging.MaskingLogger"
# gunicorn's own records (and its access lines, when on) in Sandi's format, so that
# SANDI_LOG_FORMAT=json makes every line of the server one JSON object.
logconfig_dict = gunicorn_logconfig(bool(accesslog))
max_requests = 20000
max_requests_jitter = 2000


def on_starting(server: Any) -> None:
    """Before any worker: read .env, start from empty metrics, share one embedded Redis.

    .env is read here (create_app reads it again, changing nothing) so that its
    REDIS_URL is seen before the master decides to start an embedded Redis.
    """
    from app.metrics import reset_multiprocess_dir
    from app.project import load_env

    load_env()
    if not reset_multiprocess_dir() and server.cfg.workers > 1:
        server.log.warning(
            "PROMETHEUS_MULTIPROC_DIR is not set: /metrics shows one worker of %d",
            server.cfg.workers,
        )
    if not os.environ.get("REDIS_URL") and not os.environ.get("REDIS_SENTINELS"):
        if os.environ.get("SANDI_ENV", "").strip().lower() == "production":
            return  # create_app refuses with the message (config.production_refusals)
        from pathlib import Path

        from app.project import home
        from app.store.embedded import ensure_embedded

        instance = Path(os.environ.get("SANDI_INSTANCE_DIR") or home() / "instance")
        os.environ["REDIS_URL"] = ensure_embedded(instance)


def when_ready(server: Any) -> None:
    """SIGHUP to the master reloads the flows in every worker, checked first.

    gunicorn's own HUP boots new workers; with a flow edit that does not
    check, they would fail to boot and take the server down. Instead the
    master checks the flows on disk and, if they pass, asks every worker
    through Redis to reload them in place (as ``sandi flows reload`` does).
    Restart gunicorn (or send USR2) to run new code or settings.
    """
    from app.wiring.flows_reload import gunicorn_hup

    server.handle_hup = lambda: gunicorn_hup(server.log)
    port = os.environ.get("SANDI_METRICS_PORT", "").strip()
    if port:
        from prometheus_client import start_http_server

        from app.metrics import aggregated_registry

        if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            raise RuntimeError("SANDI_METRICS_PORT needs PROMETHEUS_MULTIPROC_DIR (a folder)")
        host = os.environ.get("SANDI_METRICS_HOST", "0.0.0.0")  # noqa: S104 - a private port
        start_http_server(int(port), host, registry=aggregated_registry())
        server.log.info("metrics on http://%s:%s/metrics", host, port)


def post_worker_init(worker: Any) -> None:
    """Every worker follows flow reloads from boot, not only after its first request."""
    from app.wiring.flows_reload import RELOADER

    reloader = getattr(worker.wsgi, "extensions", {}).get(RELOADER)
    if reloader is not None:
        reloader.start()


def worker_exit(server: Any, worker: Any) -> None:
    """A stopping worker writes the approvals' statistics it still carries."""
    from app.store import carried

    carried.settle()


def child_exit(server: Any, worker: Any) -> None:
    """A dead worker's live gauges leave /metrics; its counters stay in the totals."""
    from app.metrics import mark_process_dead

    mark_process_dead(worker.pid)
