"""``expect: media``: a photo or document the customer sends (proof of payment, an ID).

The answer is the first attachment of the message, checked against the
step's ``accept`` list (``image/jpeg``, or ``image/*`` for any image) and its
``max_bytes``. The size comes from the edge (a HEAD on Twilio's media URL);
when the media host did not say, the file is taken and WhatsApp's own
limits apply (5 MB for an image, 100 MB for a document). The variable keeps
``{url, content_type, size}``: the URL is Twilio's, readable with the
account's credentials, so a back end step can fetch the file.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from app.content.flows import Ask
from app.content.messages import Media

#: What a customer reads for a type: the part after the slash, or a word for families.
_FAMILIES = {
    "image/*": "image",
    "application/*": "document",
    "video/*": "video",
    "audio/*": "audio",
}
_NAMES = {"image/jpeg": "JPG", "application/pdf": "PDF"}


@dataclass(frozen=True, slots=True)
class MediaAnswer:
    value: dict[str, Any] | None
    #: Why it was refused: ``missing`` (text only), ``type`` or ``size``.
    reason: str | None = None


def content_type(media: Media) -> str:
    """``image/jpeg; charset=...`` -> ``image/jpeg``."""
    return media.content_type.split(";", 1)[0].strip().lower()


def accepted(step: Ask, kind: str) -> bool:
    if not step.accept:
        return True
    family = kind.split("/", 1)[0] + "/*"
    return kind in step.accept or family in step.accept


def check_media(step: Ask, media: tuple[Media, ...]) -> MediaAnswer:
    if not media:
        return MediaAnswer(None, "missing")
    first = media[0]
    kind = content_type(first)
    if not accepted(step, kind):
        return MediaAnswer(None, "type")
    if step.max_bytes is not None and first.size is not None and first.size > step.max_bytes:
        return MediaAnswer(None, "size")
    return MediaAnswer({"url": first.url, "content_type": kind, "size": first.size})


def refusal_context(step: Ask, reason: str) -> dict[str, Any]:
    """What ``invalid/media`` may say: why, the types taken, the size limit in MB."""
    names = [_FAMILIES.get(t) or _NAMES.get(t) or t.split("/", 1)[-1].upper() for t in step.accept]
    limit = step.max_bytes
    return {
        "media_problem": reason,
        "media_types": ", ".join(names),
        "media_max_mb": round(limit / 1_000_000, 1) if limit else None,
    }
