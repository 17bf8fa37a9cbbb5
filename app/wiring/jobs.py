"""Background jobs on rq, on the same Redis: fallback sends and "no receipt yet" checks.

Why jobs: a fallback must survive the process that decided it. A status
callback only records the status and enqueues (milliseconds, then Twilio gets
its 204); a worker process (``sandi worker``, the Procfile's ``worker:``) runs
the send. rq keeps a started job in its StartedJobRegistry; when the worker
dies mid-job (SIGKILL, OOM, a recycled dyno) another worker's maintenance finds
the job abandoned once its lease (the job timeout plus a few seconds) runs out
and runs it again, because every job is enqueued with retries. Running a job
twice is safe: each fallback step is claimed once per verification and each
send is recorded before it goes out (:mod:`app.store.attempts`), so the rerun
finishes what the dead worker started and never sends twice.

Jobs carry ids and channel names only, never a code or a phone number.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import redis
from rq import Queue, Retry, get_current_job
from rq.job import Job
from rq.worker import SimpleWorker

from app.config import ConfigError, Settings

if TYPE_CHECKING:
    from app.wiring.services import Services

log = logging.getLogger(__name__)

QUEUE = "sandi"
#: rq's own keys; its default prefix, kept so rq's tools (rq info, rq-dashboard) see them.
RESULT_TTL = 600
#: Seconds between the tries of an event the receiver did not take.
EVENT_RETRY_WAITS = [10, 60, 300, 1800, 3600]
FAILURE_TTL = 7 * 86400


@dataclass(frozen=True, slots=True)
class JobSettings:
    #: A job running longer is stopped; its lease (timeout + LEASE_GRACE) bounds how long
    #: a job of a dead worker waits before another worker runs it again.
    timeout: int = 30
    retries: int = 3
    #: How often a worker looks for jobs abandoned by dead workers (seconds).
    maintenance_interval: int = 10
    #: /readyz fails when no worker was seen for this long (seconds); 0 = no worker expected.
    worker_stale_after: int = 60

    @classmethod
    def from_settings(cls, settings: Settings) -> JobSettings:
        raw = settings.raw
        # Empty means the default, as for every setting (a copied .env.example).
        expected = (raw.get("SANDI_EXPECT_WORKER") or "").strip()
        if not expected:
            expected = "1" if settings.production else "0"
        return cls(
            timeout=_seconds(raw, "SANDI_JOB_TIMEOUT", 30, 2, 600),
            retries=_seconds(raw, "SANDI_JOB_RETRIES", 3, 1, 10),
            maintenance_interval=_seconds(raw, "SANDI_JOB_MAINTENANCE_INTERVAL", 10, 1, 600),
            worker_stale_after=60 if expected.strip().lower() in {"1", "true", "yes", "on"} else 0,
        )


#: Seconds a started job may outlive its timeout before it counts as abandoned.
LEASE_GRACE = 5


def _seconds(raw: Any, name: str, default: int, low: int, high: int) -> int:
    value = str(raw.get(name) or "").strip()
    if not value:
        return default
    if not value.isdigit() or not low <= int(value) <= high:
        raise ConfigError(f"{name} must be a whole number from {low} to {high}, not {value!r}")
    return int(value)


class RqJobs:
    """:class:`app.channels.status.JobQueue` on rq."""

    def __init__(self, connection: redis.Redis, settings: JobSettings) -> None:
        self.connection = connection
        self.settings = settings
        self.queue = Queue(QUEUE, connection=connection, default_timeout=settings.timeout)

    def _options(self, job_id: str) -> dict[str, Any]:
        return {
            "job_id": job_id,
            "retry": Retry(max=self.settings.retries),
            "result_ttl": RESULT_TTL,
            "failure_ttl": FAILURE_TTL,
            "ttl": 86400,
        }

    def fallback(self, verification_id: str, failed_channel: str, message_id: str) -> None:
        """Send the verification's next channel now (a failure was reported)."""
        self.queue.enqueue(
            run_fallback,
            verification_id,
            failed_channel,
            message_id,
            **self._options(f"fallback-{verification_id}-{failed_channel}"),
        )

    def check_later(self, message_id: str, delay: float) -> None:
        """Look at ``message_id`` again in ``delay`` s: no receipt by then means fallback."""
        self.queue.enqueue_in(
            timedelta(seconds=delay),
            run_silence_check,
            message_id,
            **self._options(f"silence-{message_id}"),
        )

    def reapply_later(self, message_id: str, delay: float = 1.0) -> None:
        """Tell the OTP service a status again once its own record of the send exists."""
        self.queue.enqueue_in(
            timedelta(seconds=delay),
            run_reapply,
            message_id,
            **self._options(f"reapply-{message_id}"),
        )

    def event(self, event_id: str) -> None:
        """Deliver one stored event to SANDI_EVENTS_URL, retried with growing waits."""
        self.queue.enqueue(
            run_event,
            event_id,
            **{
                **self._options(f"event-{event_id}"),
                "retry": Retry(max=max(self.settings.retries, 5), interval=EVENT_RETRY_WAITS),
            },
        )

    def handoff_timers(self, tag: str, until: float, reply_after: int) -> None:
        """The two timers of a handoff (``tag``: the conversation's keyed digest): no
        staff reply after ``reply_after`` s, and the handoff's end at ``until``."""
        key = f"{tag[:24]}-{int(until)}"
        self.queue.enqueue_in(
            timedelta(seconds=reply_after),
            run_handoff_timer,
            tag,
            until,
            "no_reply",
            **self._options(f"handoff-noreply-{key}"),
        )
        self.queue.enqueue_at(
            datetime.fromtimestamp(until, UTC),
            run_handoff_timer,
            tag,
            until,
            "expire",
            # Kept until a day after the handoff's end (rq's job TTL counts from now).
            **{**self._options(f"handoff-expire-{key}"), "ttl": _until_ttl(until)},
        )

    def cancel_check(self, message_id: str) -> None:
        try:
            Job.fetch(f"silence-{message_id}", connection=self.connection).cancel()
        except Exception:
            log.debug("no pending check for %s to cancel", message_id)


def _until_ttl(until: float) -> int:
    import time

    return int(max(0.0, until - time.time())) + 86400


# -- the job functions (run by a worker; they find the app it serves) ----------------

_bound: Services | None = None


def bind(services: Services) -> None:
    """The app the jobs of this process run against (the worker binds it at start)."""
    global _bound
    _bound = services


def _services() -> Services:
    if _bound is None:
        raise RuntimeError(
            "Sandi's jobs run in `sandi worker` (it builds the app and binds it); "
            "a plain `rq worker` has no app to run them against"
        )
    return _bound


def _token() -> tuple[str, bool]:
    """The running job's id (a rerun keeps it) and whether rq would try it again."""
    job = get_current_job()
    if job is None:
        return "inline", True
    return job.id, not job.retries_left


def run_fallback(verification_id: str, failed_channel: str, message_id: str) -> str:
    token, last_try = _token()
    receipt = _services().delivery_status.fall_back(
        verification_id, failed_channel, message_id, token, last_try=last_try
    )
    return receipt.channel if receipt else "none"


def run_silence_check(message_id: str) -> str:
    token, last_try = _token()
    return _services().delivery_status.check_silence(message_id, token, last_try=last_try)


def run_reapply(message_id: str) -> bool:
    return _services().delivery_status.reapply(message_id)


def run_event(event_id: str) -> str:
    return _services().events.deliver(event_id)


def run_handoff_timer(tag: str, until: float, kind: str) -> str:
    return _services().inbox.timer(tag, until, kind)


# -- the worker -----------------------------------------------------------------------


class SandiWorker(SimpleWorker):
    """rq's in-process worker (no fork per job: a send takes milliseconds), whose
    started jobs are leased for their timeout plus :data:`LEASE_GRACE` only, so a
    job of a dead worker is run again within seconds, not rq's default minute."""

    def get_heartbeat_ttl(self, job: Job, working_time: float = 0.0) -> int:
        return int(job.timeout or self.queue_class.DEFAULT_TIMEOUT) + LEASE_GRACE


def worker(services: Services, *, name: str | None = None) -> SandiWorker:
    jobs = services.jobs
    if jobs is None:
        raise ConfigError("background jobs need a plain Redis: set SANDI_JOBS_REDIS_URL")
    bind(services)
    return SandiWorker(
        [jobs.queue],
        connection=jobs.connection,
        name=name or f"sandi-{os.uname().nodename}-{os.getpid()}",
        maintenance_interval=jobs.settings.maintenance_interval,
        # Heartbeats every ~5 s while idle, so /readyz can tell a live worker from a dead one.
        worker_ttl=20,
        default_result_ttl=RESULT_TTL,
    )


def last_worker_seen(connection: redis.Redis) -> float | None:
    """Seconds since the freshest worker heartbeat on the queue, or None if none."""
    from datetime import UTC, datetime

    queue = Queue(QUEUE, connection=connection)
    beats = [w.last_heartbeat for w in SimpleWorker.all(queue=queue) if w.last_heartbeat]
    if not beats:
        return None
    newest = max(b if b.tzinfo else b.replace(tzinfo=UTC) for b in beats)
    return (datetime.now(UTC) - newest).total_seconds()


# -- what /metrics and /readyz say about the jobs ---------------------------------------

#: Finished jobs sampled for the latency figures (rq keeps them for RESULT_TTL).
LATENCY_SAMPLE = 50


def render_metrics(jobs: RqJobs) -> str:
    """Prometheus text: queue depth, scheduled, running, failed jobs, and latency
    (enqueue -> start, start -> end) of the latest finished jobs. Read from Redis
    at scrape time, so every web worker reports the same, whichever ran the job."""
    from datetime import UTC, datetime

    q = jobs.queue
    oldest = q.get_job_ids(0, 1)
    age = 0.0
    if oldest:
        job = q.fetch_job(oldest[0])
        if job is not None and job.enqueued_at is not None:
            enqueued = job.enqueued_at.replace(tzinfo=job.enqueued_at.tzinfo or UTC)
            age = max(0.0, (datetime.now(UTC) - enqueued).total_seconds())
    waits: list[float] = []
    runs: list[float] = []
    finished = q.finished_job_registry.get_job_ids(-LATENCY_SAMPLE, -1)
    for job in Job.fetch_many(finished, connection=jobs.connection):
        if job is None or not (job.enqueued_at and job.started_at and job.ended_at):
            continue
        waits.append(max(0.0, (job.started_at - job.enqueued_at).total_seconds()))
        runs.append(max(0.0, (job.ended_at - job.started_at).total_seconds()))
    seen = last_worker_seen(jobs.connection)
    figures = [
        ("sandi_jobs_queued", "Jobs waiting for a worker", len(q)),
        ("sandi_jobs_scheduled", "Jobs due later (receipt checks)", q.scheduled_job_registry.count),
        ("sandi_jobs_running", "Jobs a worker is running", q.started_job_registry.count),
        ("sandi_jobs_failed", "Jobs that failed for good (kept 7 days)", q.failed_job_registry.count),
        ("sandi_jobs_oldest_queued_seconds", "Age of the oldest waiting job", age),
        ("sandi_job_wait_seconds", "Mean enqueue-to-start of recent jobs", _mean(waits)),
        ("sandi_job_run_seconds", "Mean run time of recent jobs", _mean(runs)),
        ("sandi_worker_last_seen_seconds", "Since the last worker heartbeat (-1: none)",
         -1.0 if seen is None else seen),
    ]  # fmt: skip
    lines = []
    for name, help_text, value in figures:
        lines += [f"# HELP {name} {help_text}", f"# TYPE {name} gauge", f"{name} {float(value)}"]
    return "\n".join(lines) + "\n"


def _mean(values: list[float]) -> float:
    return sum(values) / len(values) if values else 0.0
