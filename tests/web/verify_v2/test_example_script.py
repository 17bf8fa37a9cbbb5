"""``examples/twilio_verify_switch.py``, the README's script, run as a user runs it:
a separate Python process with the official SDK against a live Sandi server."""

from __future__ import annotations

import os
import subprocess
import sys

from app.config import ROOT
from tests.web.verify_v2.conftest import ENV_KEY, Outbox

SCRIPT = ROOT / "examples" / "twilio_verify_switch.py"


def test_the_example_runs_a_full_sms_verification(base_url: str, outbox: Outbox) -> None:
    env = {
        **os.environ,
        "SANDI_URL": base_url,
        "SANDI_KEY": ENV_KEY,
        "SANDI_TO": "+6281298765432",
    }
    env.pop("TWILIO_REGION", None)
    env.pop("TWILIO_EDGE", None)
    done = subprocess.run(
        [sys.executable, str(SCRIPT)], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "start: pending",
        "wrong code: pending",
        "right code: approved",
        "same code again: error 20404",
        "five wrong codes: ['pending', 'pending', 'pending', 'pending', 'max_attempts_reached']",
        "sixth check: error 60202",
    ]
    assert len(outbox.entries("+6281298765432")) == 2
