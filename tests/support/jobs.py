"""Running the app's background jobs in a test: a real rq worker on the test's Redis.

``run_jobs`` drains the queue with rq's own worker class (Sandi's, in burst
mode, in this process) bound to the test's app, so the jobs see the same
services (clock, spies) the test does. Tests about worker processes, their
death and their scheduler start ``sandi worker`` processes instead
(:mod:`tests.support.worker_process`).
"""

from __future__ import annotations

from app.wiring import jobs
from app.wiring.services import Services


def run_jobs(services: Services) -> int:
    """Run every job queued now (not the scheduled ones); return how many ran."""
    assert services.jobs is not None
    if not len(services.jobs.queue):
        return 0  # starting a worker costs ~0.5 s (registration, maintenance)
    before = services.jobs.queue.finished_job_registry.count
    failed_before = services.jobs.queue.failed_job_registry.count
    worker = jobs.worker(services, name=None)
    worker.work(burst=True, logging_level="WARNING")
    ran = services.jobs.queue.finished_job_registry.count - before
    failed = services.jobs.queue.failed_job_registry.count - failed_before
    return ran + failed


def run_scheduled(services: Services, prefix: str) -> int:
    """Make the scheduled jobs whose id starts with ``prefix`` due now, and run them."""
    assert services.jobs is not None
    queue = services.jobs.queue
    for job_id in queue.scheduled_job_registry.get_job_ids():
        if job_id.startswith(prefix):
            job = queue.fetch_job(job_id)
            if job is not None:
                queue.scheduled_job_registry.remove(job)
                queue.enqueue_job(job)
    return run_jobs(services)
