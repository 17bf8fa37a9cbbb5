"""Twilio's official Node SDK (twilio-node from npm), unmodified, against a live Sandi.

``make test`` installs it into ``tests/node/node_modules`` with ``npm ci`` (the
versions pinned by ``tests/node/package-lock.json``); the script covers services
with pagination, every channel, checks, fetch, cancel and the error paths, and
reads codes off the sandbox outbox over HTTP like the Python SDK tests.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

NODE_DIR = Path(__file__).resolve().parents[2] / "node"


def test_twilio_node_runs_unchanged_against_sandi(base_url: str, api_key: tuple[str, str]) -> None:
    node = shutil.which("node")
    assert node, "Node.js is missing: `make test` installs it (apt-get install nodejs npm)"
    assert (NODE_DIR / "node_modules" / "twilio").is_dir(), (
        "twilio-node is not installed: run `make test` (npm ci in tests/node)"
    )
    done = subprocess.run(
        [node, str(NODE_DIR / "verify_sdk.js")],
        env={
            **os.environ,
            "SANDI_URL": base_url,
            # A key made as `sandi api-keys create` makes it: its SID and its secret.
            "SANDI_KEY_SID": api_key[0],
            "SANDI_KEY_SECRET": api_key[1],
        },
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    out = done.stdout + done.stderr
    assert done.returncode == 0, out
    assert "0 failed" in out and "not ok" not in out, out
    passed = int(out.strip().splitlines()[-1].split()[0])
    assert passed >= 13, out


@pytest.fixture(autouse=True)
def _quiet(app_config: dict[str, object]) -> None:
    app_config["SANDI_LOG_LEVEL"] = "WARNING"
