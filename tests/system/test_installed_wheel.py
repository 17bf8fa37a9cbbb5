"""Sandi as an operator installs it: a wheel in a clean virtualenv, far from the checkout.

The wheel is built from this checkout, installed with the locked dependencies into a
new virtualenv in a temporary folder, and run from another folder: `sandi --version`
says Sandi's version, `sandi init x && cd x && sandi run` serves the new project on
an embedded Redis and answers a signed WhatsApp "halo", and SIGTERM stops the
redis-server it started.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode
from urllib.request import Request, urlopen

import pytest

from app.__about__ import __version__
from app.config import ROOT
from tests.support.embedded_redis import embedded_redis_pid, wait_gone
from tests.support.redis_servers import free_port
from tests.support.twilio_webhooks import inbound_form, sign


def _run(cmd: list[str], cwd: Path, env: dict[str, str], timeout: float = 600) -> str:
    result = subprocess.run(
        cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    assert result.returncode == 0, f"{cmd}: {result.stdout[-2000:]}{result.stderr[-2000:]}"
    return result.stdout


def _clean_env() -> dict[str, str]:
    """The machine's environment without Sandi's settings or this checkout's venv."""
    drop = ("SANDI_", "REDIS_URL", "TWILIO_", "VIRTUAL_ENV", "PYTHONPATH")
    env = {k: v for k, v in os.environ.items() if not k.startswith(drop)}
    env["PATH"] = os.pathsep.join(
        p for p in env.get("PATH", "").split(os.pathsep) if not p.startswith(str(ROOT))
    )
    return env


@pytest.mark.slow
def test_a_wheel_in_a_clean_venv_inits_and_serves_a_project(tmp_path: Path) -> None:
    env = _clean_env()
    dist, venv, work = tmp_path / "dist", tmp_path / "venv", tmp_path / "work"
    work.mkdir()
    _run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(dist), str(ROOT)],
        tmp_path,
        env,
    )
    wheel = next(dist.glob("sandi_chat-*.whl"))
    _run([sys.executable, "-m", "venv", str(venv)], tmp_path, env)
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet"]
    _run([*pip, "--require-hashes", "-r", str(ROOT / "requirements.lock")], tmp_path, env)
    _run([*pip, "--no-deps", str(wheel)], tmp_path, env)
    sandi = str(venv / "bin" / "sandi")

    assert _run([sandi, "--version"], work, env).strip() == f"sandi {__version__}"
    _run([sandi, "init", "x"], work, env)
    project = work / "x"
    assert (project / "flows" / "welcome.yml").exists() and (project / ".env").exists()
    checked = subprocess.run(
        [sandi, "flows", "check"], cwd=project, env=env, capture_output=True, text=True, timeout=120
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr

    port = free_port()
    proc = subprocess.Popen(
        [sandi, "run", "--port", str(port)],
        cwd=project,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        redis_pid = embedded_redis_pid(project / "instance", timeout=60)
        url = f"http://127.0.0.1:{port}/webhooks/twilio/messages"
        form = inbound_form("halo")
        reply = _post_when_up(url, form, timeout=60)
        assert "Halo Budi" in reply
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=20) is not None
        assert wait_gone(redis_pid), "sandi run left its redis-server running"
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)


def _post_when_up(url: str, form: object, timeout: float) -> str:
    deadline = time.monotonic() + timeout
    while True:
        request = Request(url, urlencode(form).encode(), {"X-Twilio-Signature": sign(url, form)})  # type: ignore[arg-type]
        try:
            with urlopen(request, timeout=10) as response:
                return str(response.read().decode())
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)
