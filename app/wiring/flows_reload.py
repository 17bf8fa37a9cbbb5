"""What makes the flows reload: file changes, SIGHUP, ``sandi flows reload``.

The reload itself (read, check, swap or refuse) is
:meth:`app.content.registry.FlowRegistry.reload`; this module only
decides *when*, from one background thread per app:

- in development (or with ``SANDI_WATCH_FLOWS=1``) it watches the flows and
  templates folders with watchfiles, debounced, because editors save through
  temporary files and renames;
- every ``SANDI_FLOWS_POLL`` seconds (2) it reads a generation counter in
  Redis that ``sandi flows reload`` bumps, so every gunicorn worker reloads
  from disk, and reports the version it serves (the command waits for all);
- SIGHUP (to a worker, to ``sandi run``, or to gunicorn's master through
  ``gunicorn.conf.py``) asks for the same reload.

The thread starts with the first request, so CLI commands that never serve
one (``sandi flows reload`` itself) do not count as workers.
"""

from __future__ import annotations

import atexit
import logging
import os
import signal
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

from redis.exceptions import RedisError
from watchfiles import Change, watch

from app.config import ConfigError, Settings
from app.content.flows import FlowSet
from app.content.registry import FlowRegistry, ReloadResult, check_snapshot
from app.content.snapshot import take
from app.content.source import Problem
from app.store.connection import RedisClient
from app.store.reload_relay import WorkerReports, publish_reload
from app.wiring.checks import settings_checks

if TYPE_CHECKING:
    from flask import Flask

    from app.wiring.services import Services

log = logging.getLogger(__name__)

#: Changes closer together than this are one save (editor temp files, renames).
DEBOUNCE_MS = 300
#: How often a worker that reported nothing new still says it is alive.
HEARTBEAT_S = 10.0
WATCHED_SUFFIXES = (".yml", ".yaml", ".j2")


@dataclass(frozen=True, slots=True)
class ReloadSettings:
    #: Watch the folders for changes (default: on, except in production).
    watch: bool
    #: Seconds between reads of the Redis generation (0: never).
    poll: float

    @classmethod
    def from_settings(cls, settings: Settings) -> ReloadSettings:
        raw = settings.raw
        flag = (raw.get("SANDI_WATCH_FLOWS") or "").strip().lower()
        if flag in ("", "auto"):
            watch_files = not settings.production
        elif flag in ("1", "true", "yes", "on"):
            watch_files = True
        elif flag in ("0", "false", "no", "off"):
            watch_files = False
        else:
            raise ConfigError(f"SANDI_WATCH_FLOWS must be 1 or 0, not {flag!r}")
        text = (raw.get("SANDI_FLOWS_POLL") or "2").strip()
        try:
            poll = float(text)
        except ValueError:
            raise ConfigError(f"SANDI_FLOWS_POLL must be seconds, not {text!r}") from None
        if poll < 0:
            raise ConfigError("SANDI_FLOWS_POLL must not be negative")
        return cls(watch=watch_files, poll=poll)


def check_on_disk(settings: Settings) -> tuple[str, list[Problem]]:
    """The version on disk and its problems (what a reload would decide on)."""
    version, problems, _ = check_flows_on_disk(settings)
    return version, problems


def check_flows_on_disk(settings: Settings) -> tuple[str, list[Problem], FlowSet | None]:
    """:func:`check_on_disk`, with the flows when they check (None when not)."""
    snapshot = take(settings.flows_dir, settings.templates_dir, settings.locales)
    flowset, _, problems = check_snapshot(snapshot, settings_checks(settings.raw))
    return snapshot.version, problems, flowset


class FlowReloader:
    def __init__(
        self,
        registry: FlowRegistry[object],
        redis: RedisClient,
        settings: ReloadSettings,
        *,
        clock: Callable[[], float] = time.time,
        on_reload: Callable[[ReloadResult], None] | None = None,
    ) -> None:
        self.registry = registry
        #: Told of every reload's result (the sandi_flow_reloads counter).
        self.on_reload = on_reload
        self.redis = redis
        self.settings = settings
        self.clock = clock
        self.worker_id = f"{socket.gethostname()}:{os.getpid()}:{id(self):x}"
        self._relay = WorkerReports(redis, self.worker_id)
        #: Set by the app when this process never serves (``sandi flows test``).
        self.disabled = False
        self._generation = self._relay.generation()
        self._hup = threading.Event()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        #: Set once the file watcher is in place (for tests, and for the log).
        self.watching = threading.Event()
        self._start_lock = threading.Lock()
        self._reported: tuple[str, str | None] | None = None
        self._reported_at = 0.0

    # -- lifecycle -------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        """Catch up with what changed since the app was built, then watch in the background."""
        with self._start_lock:
            if self._thread is not None or self.disabled:
                return
            self._thread = threading.Thread(target=self._run, name="sandi-flows", daemon=True)
            self._reload("start")
            self.poll_once()
            self._thread.start()
            # A process that ends (a worker recycled, `sandi chat` closed) stops counting at once.
            atexit.register(self._forget)

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
        self._forget()

    def _forget(self) -> None:
        self._relay.forget()

    def request(self) -> None:
        """Reload soon, from the background thread (safe inside a signal handler)."""
        self._hup.set()
        self._wake.set()

    # -- one round ---------------------------------------------------------------

    def poll_once(self) -> ReloadResult | None:
        """Act on SIGHUP and on the Redis generation; report what this worker serves."""
        result = None
        if self._hup.is_set():
            self._hup.clear()
            result = self._reload("SIGHUP")
        generation = self._relay.generation()
        if generation is not None and generation != self._generation:
            self._generation = generation
            result = self._reload(f"sandi flows reload, generation {generation}")
        self._report()
        return result

    def _reload(self, reason: str) -> ReloadResult:
        result = self.registry.reload(reason)
        if self.on_reload is not None:
            self.on_reload(result)
        return result

    def files_changed(self, changes: set[tuple[Change, str]]) -> ReloadResult:
        names = sorted({Path(path).name for _, path in changes})
        return self._reload("changed: " + ", ".join(names[:5]))

    def relevant(self, change: Change, path: str) -> bool:
        """Flow files and templates only; not conversation tests in flows/tests/."""
        p = Path(path)
        if not p.name.endswith(WATCHED_SUFFIXES) or p.name.startswith((".", "#")):
            return False
        flows_dir = self.registry.flows_dir.resolve()
        try:
            return p.resolve().parent == flows_dir or not p.resolve().is_relative_to(flows_dir)
        except OSError:
            return True

    # -- the thread --------------------------------------------------------------

    def _run(self) -> None:
        if self.settings.watch:
            try:
                self._watch()
                return
            except Exception:
                log.exception("cannot watch the flows folders; polling only")
        while not self._stop.is_set():
            self._wake.wait(self.settings.poll or None)
            self._wake.clear()
            if not self._stop.is_set():
                self._safely(self.poll_once)

    def _watch(self) -> None:
        folders = [self.registry.flows_dir, self.registry.templates_dir]
        log.info("watching %s for changes", " and ".join(str(f) for f in folders))
        timeout_ms = int((self.settings.poll or 1.0) * 1000)
        for changes in watch(
            *[f for f in folders if f.is_dir()],
            watch_filter=self.relevant,
            debounce=DEBOUNCE_MS,
            step=50,
            stop_event=self._stop,
            rust_timeout=timeout_ms,
            yield_on_timeout=True,
            raise_interrupt=False,
        ):
            if not self.watching.is_set():
                # The watch is in place now; catch what changed while it was being set up.
                self.watching.set()
                self._safely(lambda: self._reload("watching"))
            if changes:
                self._safely(partial(self.files_changed, changes))
            self._safely(self.poll_once)

    def _safely(self, action: Callable[[], object]) -> None:
        try:
            action()
        except RedisError as err:
            log.warning("flows reload: Redis unavailable (%s); will try again", type(err).__name__)
        except Exception:
            # The thread must outlive any surprise, or reloads would silently stop.
            log.exception("flows reload failed; still serving %s", self.registry.current.version)

    def _report(self) -> None:
        rejected = self.registry.rejected
        state = (self.registry.current.version, rejected.version if rejected else None)
        now = self.clock()
        if state == self._reported and now - self._reported_at < HEARTBEAT_S:
            return
        self._relay.report(state[0], state[1], now)
        self._reported, self._reported_at = state, now


def install_sighup(reloader: FlowReloader) -> bool:
    """SIGHUP reloads the flows (only possible from the main thread)."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "SIGHUP"):
        return False

    def on_hup(signum: int, frame: FrameType | None) -> None:
        reloader.request()

    signal.signal(signal.SIGHUP, on_hup)
    return True


def gunicorn_hup(logger: Any) -> None:
    """gunicorn's master on SIGHUP: check the flows on disk, then ask every worker to reload.

    Replaces gunicorn's own HUP (which would boot new workers, and with broken
    flows they would fail to boot and take the server down).
    """
    from app.project import load_env
    from app.store.connection import connect_settings

    load_env()  # as create_app does: the workers see .env too
    settings = Settings.load()
    version, problems = check_on_disk(settings)
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        logger.error(
            "SIGHUP: flows %s have %d error(s); workers keep the flows they serve:\n%s",
            version,
            len(errors),
            "\n".join(f"  {p.line()}" for p in errors),
        )
        return
    redis = connect_settings(settings)
    generation = publish_reload(redis)
    logger.info("SIGHUP: flows %s checked; workers reload (generation %d)", version, generation)


#: Where the app keeps its reloader (``app.extensions[RELOADER]``).
RELOADER = "sandi.flows_reloader"


def init_app(app: Flask, services: Services) -> FlowReloader:
    """Give the app a reloader; it starts with the first request (never in TESTING).

    Tests start and stop it themselves.
    """

    def count(result: ReloadResult) -> None:
        if result.status != "unchanged":
            services.metrics.reloads.labels(result.status).inc()

    reloader = FlowReloader(
        services.flows,
        services.redis,
        ReloadSettings.from_settings(services.settings),
        on_reload=count,
    )
    app.extensions[RELOADER] = reloader
    if not app.testing:
        install_sighup(reloader)

        @app.before_request
        def start_reloader() -> None:
            if not reloader.running:
                reloader.start()

    return reloader
