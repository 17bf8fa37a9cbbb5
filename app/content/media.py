"""Media a ``say`` step sends: an https URL, or a file of the templates folder.

A file is named relative to the templates folder (``media/menu.jpg``) so the
marketers who edit the texts keep the pictures beside them; Sandi serves it at
a signed URL for Twilio to fetch. ``sandi flows check`` refuses a file that is
missing, outside the folder or of a type WhatsApp would not show, so a typo
never reaches a customer as a broken attachment.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from app.content import flows as f
from app.content.source import Problem

if TYPE_CHECKING:
    from app.content.builder import Origins
    from app.content.render import Templates

#: What a file may be, by its suffix, and the type Twilio is told.
MEDIA_TYPES = {
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".pdf": "application/pdf",
}


def is_url(ref: str) -> bool:
    return ref.startswith("https://")


def media_file(root: Path, ref: str) -> Path | None:
    """The file ``ref`` names under ``root``, or None when it is not a servable file there.

    ``..``, absolute paths and symlinks out of the folder are refused: the URL
    that serves these must never reach another file of the server.
    """
    pure = PurePosixPath(ref)
    if is_url(ref) or pure.is_absolute() or ".." in pure.parts:
        return None
    if pure.suffix.lower() not in MEDIA_TYPES:
        return None
    base = root.resolve()
    path = (base / pure).resolve()
    if not path.is_relative_to(base) or not path.is_file():
        return None
    return path


def media_problems(flowset: f.FlowSet, origins: Origins, templates: Templates) -> Iterator[Problem]:
    """A ``media:`` file that is not there (URLs are the business's to keep alive)."""
    for flow in flowset.flows.values():
        doc = origins.flow_doc[flow.id]
        for step in flow.steps:
            ref = step.media if isinstance(step, f.Say) else None
            if not ref or is_url(ref):
                continue
            if media_file(templates.root, ref) is None:
                where = doc.where((*origins.step_path[(flow.id, step.id)], "media"))
                kinds = ", ".join(sorted(MEDIA_TYPES))
                yield Problem(
                    where,
                    f"media file '{ref}' is not in the templates folder ({templates.root}); "
                    f"put it there (a {kinds} file) or give an https:// URL",
                )
