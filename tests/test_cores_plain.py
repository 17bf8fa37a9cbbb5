"""The cores, their fakes and the content load as plain Python.

Every module of app.conversation, app.otp and app.content is imported in a
fresh interpreter; afterwards no web framework, Twilio, Redis client or edge
package may have been loaded. (import-linter checks the import statements;
this checks what actually ends up loaded, lazy and transitive imports included.)

The real ``app`` package is imported, ``__init__`` and all: the Flask app
factory lives in ``app.web.factory`` and ``app.create_app`` is only looked up
lazily, so ``import app.otp`` must not run it.
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
import importlib, json, pkgutil, sys
import app
assert app.__file__ is not None and app.__file__.endswith("__init__.py"), app
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
    probe = _PROBE.format(cores=CORES)
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


def test_each_core_alone_leaves_flask_unloaded_until_create_app_is_asked_for() -> None:
    """``import app.otp`` in a fresh process runs ``app/__init__.py``; the factory waits."""
    probe = """
import importlib, json, sys
importlib.import_module(sys.argv[1])
before = sorted(m for m in sys.modules if m.split(".")[0] in ("flask", "redis", "twilio"))
import app
factory = app.create_app
try:
    app.no_such_thing
    missing = "no error"
except AttributeError as err:
    missing = str(err)
print(json.dumps({"before": before, "factory": factory.__module__, "flask": "flask" in sys.modules,
                  "missing": missing}))
"""
    for core in CORES:
        done = subprocess.run(
            [sys.executable, "-c", probe, core],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, done.stderr
        found = json.loads(done.stdout)
        assert found["before"] == [], core
        assert found["factory"] == "app.web.factory"
        assert found["flask"] is True
        assert "no_such_thing" in found["missing"]
