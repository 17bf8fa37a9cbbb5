"""``scripts/ensure-chromium``, the first thing ``make test`` runs, on machines without Chromium.

The script runs for real under /bin/sh; only what it finds on the machine is arranged:
the Chromium path (``SANDI_CHROMIUM``), the PATH (a recording ``apt-get`` or none at all)
and the user (root, or nobody through ``setpriv``).
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.config import ROOT

SCRIPT = ROOT / "scripts" / "ensure-chromium"


def _bin(tmp_path: Path, *, apt: bool, root: bool = False) -> Path:
    """A PATH folder with `id` (the machine's, or with ``root`` one that says uid 0, so the
    root path runs for any user), and (if apt) an apt-get that logs its arguments and installs."""
    folder = tmp_path / "bin"
    folder.mkdir()
    if root:
        (folder / "id").write_text('#!/bin/sh\n[ "$1" = -u ] && echo 0\n')
        (folder / "id").chmod(0o755)
    else:
        os.symlink(shutil.which("id") or "/usr/bin/id", folder / "id")
    if apt:
        fake = folder / "apt-get"
        fake.write_text(
            "#!/bin/sh\n"
            'echo "$*" >> "$APT_LOG"\n'
            'case "$*" in *install*chromium*) printf "#!/bin/sh\\n" > "$SANDI_CHROMIUM";'
            ' /bin/chmod +x "$SANDI_CHROMIUM";; esac\n'
        )
        fake.chmod(0o755)
    return folder


@pytest.fixture
def tmp_path() -> Iterator[Path]:
    """A folder user nobody can read too (pytest's own live under a root-only parent)."""
    folder = Path(tempfile.mkdtemp(prefix="sandi-chromium-"))
    folder.chmod(0o755)
    try:
        yield folder
    finally:
        shutil.rmtree(folder)


def _run(
    tmp_path: Path, folder: Path, *, as_nobody: bool = False
) -> subprocess.CompletedProcess[str]:
    env = {
        "PATH": str(folder),
        "SANDI_CHROMIUM": str(tmp_path / "chromium"),
        "APT_LOG": str(tmp_path / "apt.log"),
    }
    cmd = ["/bin/sh", str(SCRIPT)]
    if as_nobody:
        cmd = ["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", *cmd]
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=30, check=False)


def test_present_chromium_is_left_alone(tmp_path: Path) -> None:
    folder = _bin(tmp_path, apt=True)
    chromium = tmp_path / "chromium"
    chromium.write_text("#!/bin/sh\n")
    chromium.chmod(chromium.stat().st_mode | stat.S_IXUSR | stat.S_IXOTH)
    result = _run(tmp_path, folder)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert not (tmp_path / "apt.log").exists()


def test_root_with_apt_installs_debians_package(tmp_path: Path) -> None:
    result = _run(tmp_path, _bin(tmp_path, apt=True, root=True))
    assert result.returncode == 0, result.stderr
    calls = (tmp_path / "apt.log").read_text().splitlines()
    assert calls == ["update -qq", "install -y -qq chromium"]
    assert os.access(tmp_path / "chromium", os.X_OK)


def test_without_root_it_stops_at_once_with_the_command(tmp_path: Path) -> None:
    as_nobody = os.geteuid() == 0
    result = _run(tmp_path, _bin(tmp_path, apt=True), as_nobody=as_nobody)
    assert result.returncode == 1
    assert f"Chromium at {tmp_path / 'chromium'}, which is missing" in result.stderr
    assert "    sudo apt-get update && sudo apt-get install -y chromium\n" in result.stderr
    assert not (tmp_path / "apt.log").exists(), "apt-get must not run without root"


def test_without_apt_it_names_the_setting(tmp_path: Path) -> None:
    result = _run(tmp_path, _bin(tmp_path, apt=False))
    assert result.returncode == 1
    assert "SANDI_CHROMIUM=/path/to/chromium make test" in result.stderr
