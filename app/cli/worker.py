"""``sandi worker`` (the Procfile's ``worker:``) and ``sandi run`` with a worker beside it.

In development ``sandi run`` (and so ``make run``) starts the app first, which
starts the embedded Redis if there is no ``REDIS_URL``, then one worker
process on the same Redis (the same instance folder, so the same unix socket),
and stops it when the server exits. ``--no-worker`` leaves it out.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
import time
from typing import Any

import click
from flask.cli import ScriptInfo, run_command, with_appcontext

from app.cli.sandbox import print_banner

log = logging.getLogger(__name__)


@click.command("worker", help="Run background jobs (fallback sends, receipt checks) on rq.")
@click.option("--burst", is_flag=True, help="Run the queued jobs, then exit.")
@click.option("--parent", type=int, default=None, hidden=True, help="Exit when this pid goes.")
@with_appcontext
def worker_command(burst: bool, parent: int | None) -> None:
    from app.web.current import services
    from app.wiring import jobs

    if parent is not None:
        _exit_with(parent)
    worker = jobs.worker(services())
    click.echo(f"sandi worker {worker.name} on queue {jobs.QUEUE}", err=True)
    worker.work(burst=burst, with_scheduler=True, logging_level="WARNING")


def _exit_with(parent: int) -> None:
    """Stop (warm, like Ctrl-C) when the `sandi run` that started us is gone."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1)
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, daemon=True, name="parent-watch").start()


def _start_worker() -> subprocess.Popen[bytes]:
    code = "from app.cli.main import main; main()"
    args = [sys.executable, "-c", code, "worker", "--parent", str(os.getpid())]
    return subprocess.Popen(args)  # noqa: S603 - our own interpreter and module


def _stop_worker(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()  # rq's warm shutdown: the job at hand finishes
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


@click.command(
    "run",
    help="Run the development server, with a background worker beside it.",
    params=list(run_command.params),
)
@click.option("--worker/--no-worker", default=True, help="Start a worker process (default).")
@click.pass_context
def run_with_worker(ctx: click.Context, /, worker: bool, **kwargs: Any) -> None:
    if os.environ.get("WERKZEUG_RUN_MAIN") != "true":
        print_banner(kwargs.get("host"), kwargs.get("port"))
    proc = None
    # With the reloader, only the outer process starts the worker.
    if worker and os.environ.get("WERKZEUG_RUN_MAIN") != "true":
        ctx.ensure_object(ScriptInfo).load_app()  # the embedded Redis is up first
        proc = _start_worker()
    try:
        ctx.invoke(run_command, **kwargs)
    finally:
        if proc is not None:
            _stop_worker(proc)
