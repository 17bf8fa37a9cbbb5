"""SIGHUP to gunicorn's master: every worker reloads checked flows; broken ones change nothing."""

from __future__ import annotations

import json
import os
import shutil
import signal
from pathlib import Path
from typing import Any
from urllib.request import Request, urlopen

import pytest

from app.config import ROOT
from app.store.reload_relay import worker_versions
from tests.support.gunicorn_process import gunicorn
from tests.support.polling import wait_for
from tests.support.redis_servers import free_port


def say(base: str, text: str) -> str:
    body = json.dumps({"channel": "whatsapp", "from": "+6281100000801", "body": text}).encode()
    request = Request(base + "/simulator/api/send", body, {"Content-Type": "application/json"})
    with urlopen(request, timeout=5) as response:
        return str(json.load(response)["replies"][0]["text"])


@pytest.mark.slow
def test_sighup_to_gunicorn_reloads_every_worker(
    tmp_path: Path, redis_url: str, redis_client: Any
) -> None:
    shutil.copytree(ROOT / "flows", tmp_path / "flows", ignore=shutil.ignore_patterns("tests"))
    shutil.copytree(ROOT / "templates", tmp_path / "templates")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SANDI_", "TWILIO_"))}
    env |= {
        "PORT": str(port),
        "WEB_CONCURRENCY": "2",
        "REDIS_URL": redis_url,
        "SANDI_FLOWS_DIR": str(tmp_path / "flows"),
        "SANDI_TEMPLATES_DIR": str(tmp_path / "templates"),
        "SANDI_INSTANCE_DIR": str(tmp_path / "instance"),
        "SANDI_WATCH_FLOWS": "0",
        "SANDI_FLOWS_POLL": "0.1",
    }
    log = tmp_path / "gunicorn.log"
    with gunicorn(env, log) as proc:
        workers = wait_for(
            lambda: len(worker_versions(redis_client)) == 2 and worker_versions(redis_client)
        )
        (first,) = {state["version"] for state in workers.values()}
        menu = tmp_path / "templates/id/welcome/menu.j2"
        menu.write_text(menu.read_text().replace("Toko Kenari", "Toko Merpati"))
        proc.send_signal(signal.SIGHUP)
        wait_for(
            lambda: (
                {s["version"] for s in worker_versions(redis_client).values()} - {first}
                and len({s["version"] for s in worker_versions(redis_client).values()}) == 1
            )
        )
        base = f"http://127.0.0.1:{port}"
        assert all("Toko Merpati" in say(base, "menu") for _ in range(4))
        assert "SIGHUP: flows" in log.read_text() and "checked; workers reload" in log.read_text()
        # A broken edit: the master refuses it, the workers keep what they serve.
        welcome = tmp_path / "flows/welcome.yml"
        welcome.write_text(welcome.read_text().replace("goto_flow: agent", "goto_flow: agen"))
        proc.send_signal(signal.SIGHUP)
        wait_for(lambda: "error(s); workers keep the flows they serve" in log.read_text())
        assert "flows/welcome.yml:33:20: error: unknown flow 'agen'" in log.read_text()
        assert "Toko Merpati" in say(base, "menu")
        assert proc.poll() is None
