"""One consistent copy of the flows and templates folders, and its version.

Editors save through temporary files and renames, so a folder read file by
file may mix the old and the new. A hot reload therefore reads everything
once into memory, validates that copy, and serves that copy — never the
disk again — so what was checked is exactly what runs. The version is a
hash of the content: the same files give the same version in every worker,
and a session can tell when the flows it started on have changed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from app.config import LOCALES
from app.content.loader import flow_files
from app.content.render import Templates
from app.content.source import Problem, Where, display_name

#: Characters of the content hash shown as the flows' version.
VERSION_LENGTH = 12


@dataclass(frozen=True)
class Snapshot:
    flows_dir: Path
    templates_dir: Path
    #: Flow files (not their sub-folders) by path, as text.
    flow_texts: dict[Path, str]
    #: Templates by ``<locale>/<name>.j2``, as text.
    template_texts: dict[str, str]
    #: Files that could not be read (a problem each, at line 1).
    unreadable: tuple[Problem, ...] = ()
    version: str = field(default="")
    #: The languages every text and template is checked in (``SANDI_LOCALES``).
    locales: tuple[str, ...] = LOCALES

    def templates(self) -> Templates:
        return Templates(self.templates_dir, self.template_texts, self.locales)

    def sources(self, problems: Iterable[Problem]) -> dict[str, str]:
        """The text of each file ``problems`` point at, by the name they print (for excerpts)."""
        wanted = {p.where.file for p in problems}
        found: dict[str, str] = {}
        for path, text in self.flow_texts.items():
            name = display_name(path, self.flows_dir)
            if name in wanted:
                found[name] = text
        for key, text in self.template_texts.items():
            name = display_name(self.templates_dir / key, self.templates_dir)
            if name in wanted:
                found[name] = text
        return found


def take(flows_dir: Path, templates_dir: Path, locales: tuple[str, ...] = LOCALES) -> Snapshot:
    """Read every flow file and template now; hash them into a version (the
    languages too: the same files checked for other languages are another version)."""
    unreadable: list[Problem] = []
    flow_texts: dict[Path, str] = {}
    if flows_dir.is_dir():
        for path in flow_files(flows_dir):
            text = _read(path, flows_dir, unreadable)
            if text is not None:
                flow_texts[path] = text
    template_texts: dict[str, str] = {}
    if templates_dir.is_dir():
        for path in sorted(templates_dir.rglob("*.j2")):
            text = _read(path, templates_dir, unreadable)
            if text is not None:
                template_texts[path.relative_to(templates_dir).as_posix()] = text
    digest = hashlib.sha256()
    for name, text in sorted((p.name, t) for p, t in flow_texts.items()):
        digest.update(f"flows/{name}\0{text}\0".encode())
    for name, text in sorted(template_texts.items()):
        digest.update(f"templates/{name}\0{text}\0".encode())
    for problem in unreadable:
        digest.update(f"unreadable/{problem.where.file}\0".encode())
    if locales != LOCALES:
        digest.update(f"locales/{','.join(locales)}\0".encode())
    return Snapshot(
        flows_dir=flows_dir,
        templates_dir=templates_dir,
        flow_texts=flow_texts,
        template_texts=template_texts,
        unreadable=tuple(unreadable),
        version=digest.hexdigest()[:VERSION_LENGTH],
        locales=locales,
    )


def _read(path: Path, root: Path, problems: list[Problem]) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        # Removed between listing and reading (an editor's rename): not there.
        return None
    except (OSError, UnicodeDecodeError) as err:
        problems.append(
            Problem(Where(display_name(path, root), 1, 1), f"cannot read the file: {err}")
        )
        return None
