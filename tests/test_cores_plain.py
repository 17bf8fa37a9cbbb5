"""The cores, their fakes and the content load as plain Python.

Every module of app.conversation, app.otp and app.content is imported in a
fresh interpreter; afterwards no web framework, Twilio, Redis client or edge
package may have been loaded. (import-linter checks the import statements;
this checks what actually ends up loaded, lazy and transitive imports included.)

The ``app`` package itself is registered bare first: its ``__init__`` is the
Flask app factory, which a process importing ``app.otp`` would otherwise run
(and load Flask) before reaching any core module.
"""

from __future__ import annotations

import json
import subprocess
import sys

from app.config import ROOT

CORES = ("app.conversation", "app.otp", "app.content")
FORBIDDEN = (
    "flask",
    "werkzeug",
    "twilio",
    "redis",
    "app.store",
    "app.web",
    "app.wiring",
    "app.cli",
)

_PROBE = """
import importlib, json, pkgutil, sys, types
bare = types.ModuleType("app")
bare.__path__ = [{root!r}]
sys.modules["app"] = bare
loaded = []
for name in {cores!r}:
    package = importlib.import_module(name)
    loaded.append(name)
    for info in pkgutil.walk_packages(package.__path__, name + "."):
        importlib.import_module(info.name)
        loaded.append(info.name)
print(json.dumps({{"loaded": loaded, "modules": sorted(sys.modules)}}))
"""


def test_the_cores_import_no_framework_twilio_redis_or_edge() -> None:
    probe = _PROBE.format(cores=CORES, root=str(ROOT / "app"))
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)
    assert {"app.conversation.memory", "app.otp.memory", "app.conversation.engine"} <= set(
        found["loaded"]
    )
    assert "app.otp.service" in found["loaded"]
    leaked = [
        m for m in found["modules"] if any(m == f or m.startswith(f"{f}.") for f in FORBIDDEN)
    ]
    assert leaked == []
