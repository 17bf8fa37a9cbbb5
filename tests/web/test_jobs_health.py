"""/readyz and /metrics about the background jobs: a worker seen or not, queue figures."""

from __future__ import annotations

from typing import Any

from app import create_app
from app.wiring import jobs
from tests.support.jobs import run_jobs


def test_readiness_fails_without_a_worker_only_where_one_is_expected(
    app_config: dict[str, Any], redis_client: Any
) -> None:
    relaxed = create_app(app_config).test_client().get("/readyz")
    assert relaxed.status_code == 200 and relaxed.json["worker"] == "not seen for a minute"
    app_config["SANDI_EXPECT_WORKER"] = "1"
    app = create_app(app_config)
    strict = app.test_client().get("/readyz")
    assert strict.status_code == 503 and strict.json["worker"] == "not seen for a minute"
    worker = jobs.worker(app.extensions["sandi"], name="readyz-test")
    worker.register_birth()  # rq's own registration and heartbeat, as `sandi worker` does
    try:
        ready = app.test_client().get("/readyz")
        assert ready.status_code == 200 and ready.json["worker"] == "ok"
    finally:
        worker.register_death()


def test_metrics_show_queue_depth_and_job_latency(
    app_config: dict[str, Any], redis_client: Any
) -> None:
    app = create_app(app_config)
    services = app.extensions["sandi"]
    assert services.jobs is not None
    services.jobs.fallback("VE" + "1" * 32, "whatsapp", "SM" + "2" * 32)
    body = app.test_client().get("/metrics").get_data(as_text=True)
    assert "sandi_jobs_queued 1.0" in body and "sandi_jobs_failed 0.0" in body
    assert run_jobs(services) == 1
    body = app.test_client().get("/metrics").get_data(as_text=True)
    assert "sandi_jobs_queued 0.0" in body
    run = next(line for line in body.splitlines() if line.startswith("sandi_job_run_seconds "))
    assert float(run.split()[1]) > 0  # measured from the finished job
