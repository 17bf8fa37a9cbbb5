"""The container image, built from deploy/Dockerfile and run as an operator runs it.

Built with podman from a Debian base made on this machine (no registry is reachable;
tests/support/container.py says which flags this sandbox needs and why), then run on
the test Redis: /healthz with the version, a signed WhatsApp "halo" answered, a
non-root user, the HEALTHCHECK passing, JSON log lines carrying the request's
context, and `podman stop` (SIGTERM to gunicorn, PID 1) ending it cleanly.
"""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Iterator
from urllib.request import Request, urlopen

import pytest

from app.__about__ import __version__
from app.config import ROOT
from tests.support import container
from tests.support.redis_servers import free_port
from tests.support.twilio_webhooks import encode, inbound_form, sign

pytestmark = [pytest.mark.slow, pytest.mark.container]


def test_every_file_the_dockerfile_copies_is_in_the_checkout() -> None:
    sources = container.copied_sources(ROOT / "deploy" / "Dockerfile")
    assert "requirements.lock" in sources
    for source in sources:
        assert (ROOT / source).exists(), f"deploy/Dockerfile copies {source}, which is missing"


@pytest.fixture(scope="module")
def image(tmp_path_factory: pytest.TempPathFactory) -> str:
    container.ensure_tools()
    container.ensure_base_image()
    context = container.build_context(tmp_path_factory.mktemp("context"))
    container.download_wheels(context)
    container.build_image(context)
    return container.IMAGE


@pytest.fixture
def running(image: str, redis_url: str, redis_client: object) -> Iterator[tuple[str, int]]:
    port = free_port()
    name = f"sandi-test-{port}"
    container.run(
        [
            *container.PODMAN, "run", "-d", "--name", name, "--network", "host", *container.LIMITS,
            "-e", f"REDIS_URL={redis_url}", "-e", f"PORT={port}", "-e", "WEB_CONCURRENCY=2",
            "-e", "SANDI_LOG_FORMAT=json", image,
        ],
        timeout=120,
    )  # fmt: skip
    try:
        yield name, port
    finally:
        subprocess.run([*container.PODMAN, "rm", "-f", name], capture_output=True, timeout=60)


def _wait(url: str, timeout: float = 60) -> dict[str, object]:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urlopen(url, timeout=2) as response:
                return dict(json.loads(response.read()))
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


def test_the_image_serves_a_signed_webhook_and_stops_on_sigterm(
    running: tuple[str, int],
) -> None:
    name, port = running
    assert _wait(f"http://127.0.0.1:{port}/healthz") == {"status": "ok", "version": __version__}
    assert _wait(f"http://127.0.0.1:{port}/readyz")["redis"] == "ok"

    url = f"http://127.0.0.1:{port}/webhooks/twilio/messages"
    form = inbound_form("halo")
    request = Request(
        url,
        encode(form).encode(),
        {"X-Twilio-Signature": sign(url, form), "X-Request-Id": "container-test-1"},
    )
    with urlopen(request, timeout=10) as response:
        assert response.headers["X-Request-Id"] == "container-test-1"
        assert "Halo Budi" in response.read().decode()

    uid = container.run([*container.PODMAN, "exec", name, "id", "-u"], timeout=60).stdout
    assert uid.strip() not in {"", "0"}
    health = subprocess.run(
        [*container.PODMAN, "healthcheck", "run", name], capture_output=True, timeout=60
    )
    assert health.returncode == 0, health.stderr

    started = time.monotonic()
    container.run([*container.PODMAN, "stop", "-t", "20", name], timeout=60)
    assert time.monotonic() - started < 20, "gunicorn did not stop on SIGTERM"
    state = container.run(
        [*container.PODMAN, "inspect", name, "--format", "{{.State.ExitCode}}"], timeout=60
    )
    assert state.stdout.strip() == "0"

    logs = container.run([*container.PODMAN, "logs", name], timeout=60)
    lines = [
        json.loads(line)
        for line in (logs.stdout + logs.stderr).splitlines()
        if line.startswith("{")
    ]
    assert any(
        r["logger"] == "gunicorn.error" and "Handling signal: term" in r["message"] for r in lines
    )
    turn = [r for r in lines if r["logger"] == "app.web.messages"]
    assert turn and turn[0]["request_id"] == "container-test-1"
    assert turn[0]["message_sid"] == form["MessageSid"]
    assert turn[0]["conversation"].startswith("whatsapp:+62") and "****" in turn[0]["conversation"]
