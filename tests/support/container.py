"""Build and run deploy/Dockerfile with podman on a machine that reaches no image registry.

What this machine's kind needs, found by trying (each flag is for a refusal seen):
- ``--runtime runc``: crun refuses this kernel's hybrid cgroup (v1 + v2) layout;
- ``--ulimit nofile=1024:1024 --ulimit nproc=4096:4096``: the sandbox has no
  CAP_SYS_RESOURCE, so podman's default limits (higher than ours) cannot be set;
- ``--network host``: the container reaches the test Redis on loopback;
- ``--format docker``: OCI images drop HEALTHCHECK.
The base image is made locally (deploy/make-base-image: debootstrap, Debian's python3),
and the wheels of requirements.lock are downloaded on the host into the build context,
so the build itself needs no network (``PIP_NO_INDEX=1``).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from app.config import ROOT

BASE_IMAGE = "localhost/sandi-base:bookworm"
IMAGE = "localhost/sandi:test"
PODMAN = ["podman", "--runtime", "runc"]
LIMITS = ["--ulimit", "nofile=1024:1024", "--ulimit", "nproc=4096:4096"]
TOOLS = {"podman": "podman", "runc": "runc", "debootstrap": "debootstrap"}


def run(cmd: list[str], timeout: float, **kwargs: object) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        cmd, capture_output=True, text=True, timeout=timeout, check=False, **kwargs
    )
    if result.returncode != 0:
        raise AssertionError(
            f"{' '.join(cmd)} exited {result.returncode}:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
        )
    return result


def ensure_tools() -> None:
    """podman, runc and debootstrap: Debian's packages, installed when root with apt-get."""
    missing = [pkg for tool, pkg in TOOLS.items() if shutil.which(tool) is None]
    if not missing:
        return
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        raise AssertionError(
            "the container test needs podman, runc and debootstrap: "
            f"sudo apt-get install -y {' '.join(missing)}"
        )
    run(["apt-get", "update", "-qq"], timeout=300)
    env = os.environ | {"DEBIAN_FRONTEND": "noninteractive"}
    run(["apt-get", "install", "-y", "-qq", *missing], timeout=600, env=env)


def ensure_base_image() -> None:
    exists = subprocess.run([*PODMAN, "image", "exists", BASE_IMAGE], check=False, timeout=60)
    if exists.returncode != 0:
        run([str(ROOT / "deploy" / "make-base-image"), BASE_IMAGE], timeout=900)


def build_context(target: Path) -> Path:
    """The checkout's files as git sees them (tracked or new, not ignored), links kept."""
    listed = run(
        ["git", "ls-files", "-co", "--exclude-standard", "-z"], timeout=60, cwd=ROOT
    ).stdout
    for name in filter(None, listed.split("\0")):
        source = ROOT / name
        if not source.exists() and not source.is_symlink():
            continue  # deleted in the work tree
        dest = target / name
        dest.parent.mkdir(parents=True, exist_ok=True)
        if source.is_symlink():
            dest.symlink_to(os.readlink(source))
        else:
            shutil.copy2(source, dest)
    return target


def copied_sources(dockerfile: Path) -> list[str]:
    """Every COPY source of the Dockerfile that comes from the build context."""
    sources: list[str] = []
    for line in dockerfile.read_text().splitlines():
        words = line.split()
        if words[:1] == ["COPY"] and not any(w.startswith("--from=") for w in words):
            sources += [w for w in words[1:-1] if not w.startswith("--")]
    return sources


def download_wheels(context: Path) -> None:
    """requirements.lock's wheels (hashes checked), plus what the image's Python needs.

    The lock is universal: lines with a ``python_full_version`` marker may be false
    on this Python and true on the base image's (Debian's 3.11.2), so they are
    fetched explicitly, as is setuptools for building Sandi's own wheel.
    """
    wheels = context / "deploy" / "wheels"
    lock = ROOT / "requirements.lock"
    pip = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "-d", str(wheels)]
    run([*pip, "--require-hashes", "-r", str(lock)], timeout=600)
    marked = re.findall(r"^([A-Za-z0-9_.-]+==[^ ;]+) ; python_full_version", lock.read_text(), re.M)
    build = re.search(r'requires = \["([^"]+)"\]', (ROOT / "pyproject.toml").read_text())
    assert build is not None
    run([*pip, build.group(1), *marked], timeout=600)


def build_image(context: Path) -> None:
    run(
        [
            *PODMAN, "build", "--format", "docker", "--network", "host", *LIMITS,
            "--build-arg", f"BASE={BASE_IMAGE}", "--build-arg", "PIP_NO_INDEX=1",
            "-f", "deploy/Dockerfile", "-t", IMAGE, ".",
        ],
        timeout=1200,
        cwd=context,
    )  # fmt: skip
