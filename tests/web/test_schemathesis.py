"""schemathesis, a client nobody here wrote, against a live Sandi from /v1/openapi.json.

Every check it has (``--checks all``: status codes, content types, response
schemas and headers, valid data accepted and invalid data refused, auth not
ignored, unsupported methods, ...) over the examples, coverage, fuzzing and
stateful phases; the stateful phase follows the document's links from a
start's answer to real verification ids. Sized to finish in a few minutes on
two cores: a fixed seed and a bounded number of examples per operation.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from app import create_app
from tests.support.live_server import serve

pytestmark = pytest.mark.slow

KEY = "schemathesis-key"
ST = Path(sys.executable).with_name("st")
CONFIG = Path(__file__).with_name("schemathesis.toml")


@pytest.fixture
def target(app_config: dict[str, Any], redis_client: Any) -> Iterator[tuple[str, str]]:
    """The live server's base URL and an admin-scoped API key (so /v1/customers is
    exercised, not just refused; the OTP routes take any key)."""
    app_config.update(
        SANDI_API_KEYS=KEY,
        SANDI_SECRET_KEY="schemathesis-secret",
        SANDI_LOG_LEVEL="WARNING",
        # Any country: schemathesis makes numbers from everywhere, and a refused
        # country is a 422 it rightly counts against valid data.
        SANDI_ALLOWED_COUNTRIES="*",
    )
    app: Flask = create_app(app_config)
    services = app.extensions["sandi"]
    _, secret = services.api_keys.create("schemathesis admin", services.clock(), ["admin"])
    with serve(app) as url:
        yield url, secret


def run_schemathesis(
    target: tuple[str, str], tmp_path: Path, *extra: str
) -> subprocess.CompletedProcess[str]:
    base_url, key = target
    command = [
        str(ST), "--config-file", str(CONFIG), "run", f"{base_url}/v1/openapi.json", "--url", base_url,
        "--checks", "all", "--header", f"Authorization: Bearer {key}",
        "--max-examples", os.environ.get("SANDI_SCHEMATHESIS_EXAMPLES", "50"),
        "--seed", "20261201", "--workers", "1", "--request-timeout", "10",
        "--report", "junit", "--report-dir", str(tmp_path), *extra,
    ]  # fmt: skip
    env = {**os.environ, "SCHEMATHESIS_TELEMETRY": "false", "NO_COLOR": "1"}
    return subprocess.run(
        # In tmp_path: st keeps a crash cache in its working directory.
        command,
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
        check=False,
        cwd=tmp_path,
    )


def test_schemathesis_finds_nothing(target: tuple[str, str], tmp_path: Path) -> None:
    done = run_schemathesis(target, tmp_path)
    out = done.stdout + done.stderr
    assert done.returncode == 0, out[-20000:]
    assert "Stateful" in out, out[-3000:]  # the links were followed
    # Every generated case passed ("N generated, N passed"). Warnings may name the word
    # "failed" (DELETE /sandbox/outbox is a page action: without the page's CSRF token
    # it is refused with 403, which schemathesis reports as "Authentication failed").
    summary = out.split("SUMMARY")[-1]
    counts = re.search(r"(\d+) generated, (\d+) passed", summary)
    assert counts and counts.group(1) == counts.group(2), out[-3000:]
    assert " failed" not in summary.split("Test cases:")[-1], out[-3000:]
