"""The demo shop (``flows/`` and ``templates/``), copied where a test may edit it.

Tests of hot reload, the /flows page and the simulator's banner change the
files on disk; they work on a copy so the repository's own flows stay as they
are. ``flows/tests`` (the flows' own test cases) is left out: an edit that
breaks a step would otherwise also fail those cases and change what is reported.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from app.config import ROOT


def demo_shop(root: Path) -> Path:
    """Copy the demo's flows and templates under ``root``; return ``root``."""
    shutil.copytree(ROOT / "flows", root / "flows", ignore=shutil.ignore_patterns("tests"))
    shutil.copytree(ROOT / "templates", root / "templates")
    return root


def serving(config: dict[str, Any], shop: Path) -> dict[str, Any]:
    """``config`` (changed in place, and returned) pointed at the copy in ``shop``."""
    config["SANDI_FLOWS_DIR"] = str(shop / "flows")
    config["SANDI_TEMPLATES_DIR"] = str(shop / "templates")
    return config
