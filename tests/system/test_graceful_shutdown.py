"""SIGTERM to gunicorn (a deploy, `docker stop`) lets the turn it is running finish.

The turn waits on the business back end (a flow's ``http`` step) when the master
gets SIGTERM; the back end answers 1.5 s later, and the customer still gets the
answer built from it, written to Redis, before gunicorn exits by itself.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode
from urllib.request import Request, urlopen

import pytest

from app.config import ROOT
from tests.support.backend_server import BackendServer
from tests.support.gunicorn_process import gunicorn
from tests.support.redis_servers import free_port
from tests.support.twilio_webhooks import inbound_form, sign

SLOW_FLOW = """\
flow: parcel
description: Asks the back end where the customer's parcel is (a slow back end).
triggers:
  id: [lacak paket]
  en: [track parcel]
steps:
  - id: ask
    http: /parcels/where
    body:
      phone: "{{ sender }}"
    save:
      place: place
    timeout: 10s
    on_error: failed
  - end: parcel/here
  - id: failed
    end: parcel/failed
"""
REPLIES = {"here": "Paket Anda ada di {{ place }}.", "failed": "Maaf, coba lagi nanti."}
REPLIES_EN = {"here": "Your parcel is in {{ place }}.", "failed": "Sorry, try again later."}


def _project(root: Path) -> tuple[Path, Path]:
    flows, templates = root / "flows", root / "templates"
    shutil.copytree(ROOT / "flows", flows, ignore=shutil.ignore_patterns("tests"))
    shutil.copytree(ROOT / "templates", templates)
    (flows / "parcel.yml").write_text(SLOW_FLOW)
    for locale, texts in (("id", REPLIES), ("en", REPLIES_EN)):
        (templates / locale / "parcel").mkdir()
        for name, text in texts.items():
            (templates / locale / "parcel" / f"{name}.j2").write_text(text + "\n")
    return flows, templates


def _wait(predicate: Any, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


@pytest.mark.slow
def test_sigterm_lets_a_running_turn_finish(
    tmp_path: Path, redis_url: str, redis_client: Any
) -> None:
    flows, templates = _project(tmp_path)
    backend = BackendServer(secret="drain-secret-0123456789").start()
    backend.hang.set()
    backend.reply = (200, json.dumps({"place": "Bandung"}).encode())
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SANDI_", "TWILIO_"))}
    env |= {
        "PORT": str(port),
        "REDIS_URL": redis_url,
        "WEB_CONCURRENCY": "1",
        "SANDI_SECRET_KEY": "drain-secret-0123456789",
        "SANDI_BACKEND_URL": backend.url,
        "SANDI_FLOWS_DIR": str(flows),
        "SANDI_TEMPLATES_DIR": str(templates),
    }
    url = f"http://127.0.0.1:{port}/webhooks/twilio/messages"
    form = inbound_form("lacak paket")
    answers: list[str] = []

    def post() -> None:
        request = Request(url, urlencode(form).encode(), {"X-Twilio-Signature": sign(url, form)})
        with urlopen(request, timeout=20) as response:
            answers.append(response.read().decode())

    try:
        with gunicorn(env, tmp_path / "gunicorn.log") as proc:
            _wait(lambda: _answers(port), 30)
            thread = threading.Thread(target=post)
            thread.start()
            _wait(lambda: backend.calls, 10)
            proc.send_signal(signal.SIGTERM)
            time.sleep(1.5)
            assert proc.poll() is None, "gunicorn exited with a turn running"
            backend.release.set()
            thread.join(15)
            assert proc.wait(timeout=20) == 0
    finally:
        backend.stop()
    assert answers and "Paket Anda ada di Bandung." in answers[0], answers
    log = (tmp_path / "gunicorn.log").read_text()
    assert "Handling signal: term" in log


def _answers(port: int) -> bool:
    try:
        with urlopen(f"http://127.0.0.1:{port}/readyz", timeout=1) as response:
            return bool(response.status == 200)
    except OSError:
        return False


@pytest.mark.slow
def test_a_stopping_worker_writes_the_statistics_it_carries(
    tmp_path: Path, redis_url: str, redis_client: Any
) -> None:
    """An approval's statistics wait (here up to 5 s) to be written with others'; SIGTERM
    right after the check still lands them: gunicorn's worker_exit settles them."""
    import redis

    from app.store import keys
    from app.store.insights import RedisInsightsStore
    from app.store.outbox import OutboxStore
    from tests.support.otp import code_in

    port, key, to = free_port(), "stats-key-" + "s" * 24, "+6281277770001"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SANDI_", "TWILIO_"))}
    env |= {
        "PORT": str(port), "REDIS_URL": redis_url, "WEB_CONCURRENCY": "1",
        "SANDI_SECRET_KEY": "stats-secret-0123456789", "SANDI_API_KEYS": key,
        "SANDI_STATS_DELAY_MS": "5000",
    }  # fmt: skip
    base = f"http://127.0.0.1:{port}/v1/verifications"

    def post(url: str, body: dict[str, str]) -> Any:
        headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
        with urlopen(Request(url, json.dumps(body).encode(), headers), timeout=10) as response:
            return json.loads(response.read())

    with gunicorn(env, tmp_path / "gunicorn.log") as proc:
        _wait(lambda: _answers(port), 30)
        started = post(base, {"to": to, "channel": "sms"})
        code = code_in(OutboxStore(redis_client).read(to)[-1])
        assert post(f"{base}/check", {"id": started["id"], "code": code})["status"] == "approved"
        hour = int(time.time()) // 3600
        assert not any(f.startswith("a|") for f in redis_client.hkeys(keys.insights_hour(hour)))
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=20) == 0
    reader = RedisInsightsStore(redis.Redis.from_url(redis_url, decode_responses=True))
    counts = reader.buckets([hour])[0]
    assert sum(n for f, n in counts.items() if f.startswith("a|")) == 1, counts
