"""A Sandi project folder: where a server finds its flows, templates and data.

A project is a folder (the working directory, or ``SANDI_HOME``) holding ``flows/``,
``templates/``, ``.env`` and, in development, ``instance/``. Nothing is ever looked
up beside the installed code: a wheel in site-packages serves the folder it was
started in. ``sandi init`` writes a new project from the package's
``project_template`` (the demo flows and templates of the source tree, shipped
inside the wheel).
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Mapping
from importlib import resources
from importlib.abc import Traversable
from pathlib import Path

#: Files of project_template copied under another name (package data skips dot-files).
_RENAMED = {"gitignore": ".gitignore"}
_SKIPPED = {"env.tmpl", "__pycache__"}


class ProjectError(Exception):
    """The folder cannot become a project; the message says why."""


def home(environ: Mapping[str, str] | None = None) -> Path:
    """The project folder: ``SANDI_HOME`` if set, else the working directory."""
    value = (os.environ if environ is None else environ).get("SANDI_HOME", "").strip()
    return Path(value).expanduser().resolve() if value else Path.cwd()


def bundled(name: str) -> Path:
    """The demo's ``flows`` or ``templates`` folder shipped inside the package."""
    return Path(str(template() / name)).resolve()


def content_folder(project: Path, name: str) -> Path:
    """``./flows`` (``./templates``) of the project when it exists, else the bundled demo.

    The README's promise: a server started in a folder serves that folder's
    flows. Only a folder with none of its own (a first ``sandi run`` anywhere)
    gets the demo, and the start-up banner says so.
    """
    own = project / name
    return own if own.is_dir() else bundled(name)


def load_env() -> None:
    """Read the project's ``.env`` (settings already in the environment win).

    From the project folder, not python-dotenv's default search, which starts
    beside the calling module: under site-packages for an installed Sandi.
    """
    from dotenv import load_dotenv

    load_dotenv(home() / ".env", override=False)


def template() -> Traversable:
    """The project template shipped in the package."""
    return resources.files("app") / "project_template"


def init_project(target: Path) -> list[Path]:
    """Write a new project into ``target`` (new or empty); returns the files written.

    The ``.env`` gets a freshly generated ``SANDI_SECRET_KEY``, so no two
    projects share the key their OTP hashes are made with.
    """
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise ProjectError(f"{target} exists and is not an empty folder")
    target.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    _copy(template(), target, written)
    env = target / ".env"
    text = (template() / "env.tmpl").read_text(encoding="utf-8")
    env.write_text(text.format(secret_key=secrets.token_urlsafe(32)), encoding="utf-8")
    env.chmod(0o600)
    written.append(env)
    return written


def _copy(source: Traversable, target: Path, written: list[Path]) -> None:
    for item in sorted(source.iterdir(), key=lambda t: t.name):
        if item.name in _SKIPPED:
            continue
        destination = target / _RENAMED.get(item.name, item.name)
        if item.is_dir():
            destination.mkdir(exist_ok=True)
            _copy(item, destination, written)
        else:
            with item.open("rb") as src, destination.open("wb") as dst:
                shutil.copyfileobj(src, dst)
            written.append(destination)
