"""WhatsApp buttons and lists: a reply's choices as Twilio Content, made once and reused.

TwiML cannot carry buttons; WhatsApp shows them only for a Content resource
(``HX...``) sent through the Messages API. A reply with up to three short
choices becomes ``twilio/quick-reply`` (WhatsApp's in-session limit without an
approved template), four to ten, or titles too long for a button, become
``twilio/list-picker``. Each button's ``id`` is the choice's payload, so a tap
(``ButtonPayload`` / ``ListId``) selects exactly that choice.

The text is the content's variable (``body: "{{1}}"``, sent as
``ContentVariables={"1": text}``): the greeting says the customer's name, and
one content per name would mean a Content API call on every new customer's
first message, a Twilio account full of copies, and customers' words stored at
Twilio for good. So the digest of (account, type, buttons, list label,
language) names a content, made once (``POST /v1/Content``) and its sid cached
in Redis. A variable holds at most 255 characters, so a longer text is cut,
after a space or a line break, into up to four (``{{1}}{{2}}...``, the body's
1,024 at most). Anything the Content API could refuse (a text too long, a
payload over 200 characters, more than ten choices) gives no content at all:
the caller sends the numbered text instead.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import requests
from twilio.base.exceptions import TwilioException
from twilio.rest import Client
from twilio.rest.content.v1.content import ContentList

from app.content.messages import Button
from app.store.content_cache import ContentCache

log = logging.getLogger(__name__)

QUICK_REPLY = "twilio/quick-reply"
LIST_PICKER = "twilio/list-picker"
#: In-session quick replies WhatsApp shows without an approved template.
QUICK_REPLY_MAX = 3
QUICK_REPLY_TITLE = 20
LIST_MAX = 10
LIST_ITEM = 24
LIST_DESCRIPTION = 72
LIST_BUTTON = 20
BODY_MAX = 1024
#: Variables a body may be cut into (4 x 255 fits the 1,024 of a body).
MAX_VARIABLES = 4
#: The longest variable value the Content API takes.
VARIABLE_MAX = 255
#: The sample Twilio requires for the text variable (never a customer's words).
SAMPLE = {"id": "Silakan pilih:", "en": "Please choose:"}
ID_MAX = 200
#: How long a worker waits for another one creating the same content (seconds).
WAIT_FOR_OTHER = 3.0
#: The list button's label when templates/<locale>/button/list.j2 cannot be read.
LIST_LABEL = {"id": "Lihat pilihan", "en": "See options"}


class ContentUnavailable(Exception):
    """No content for this reply: send the numbered text."""


@dataclass(frozen=True, slots=True)
class ContentSpec:
    """One content as the Content API takes it."""

    kind: str
    language: str
    data: dict[str, Any]
    #: ``ContentVariables`` of the send (the text), not part of what the content is.
    values: dict[str, str]

    def digest(self, account_sid: str) -> str:
        raw = json.dumps([account_sid, self.kind, self.language, self.data], sort_keys=True)
        return hashlib.sha256(raw.encode()).hexdigest()[:32]

    def request(self, digest: str) -> dict[str, Any]:
        request: dict[str, Any] = {
            "friendly_name": f"sandi_{self.kind.split('/')[1].replace('-', '_')}_{digest[:16]}",
            "language": self.language,
            "types": {self.kind: self.data},
        }
        if self.values:
            sample = SAMPLE.get(self.language, SAMPLE["en"])
            request["variables"] = dict.fromkeys(self.values, sample)
        return request


def _cut(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def content_spec(
    text: str, buttons: tuple[Button, ...], language: str, list_label: str
) -> ContentSpec | None:
    """The content for a reply with choices, or None when WhatsApp could not show it."""
    body = text.strip()
    if not buttons or len(buttons) > LIST_MAX or not body or len(body) > BODY_MAX:
        return None
    if any(not b.payload or len(b.payload) > ID_MAX or not b.title.strip() for b in buttons):
        return None
    if len({b.payload for b in buttons}) != len(buttons):
        return None  # a tap must name one choice
    chunks = split_text(body)
    if chunks is None:
        return None
    values = {str(i): chunk for i, chunk in enumerate(chunks, start=1)}
    shown = "".join(f"{{{{{name}}}}}" for name in values)
    short = all(len(" ".join(b.title.split())) <= QUICK_REPLY_TITLE for b in buttons)
    if len(buttons) <= QUICK_REPLY_MAX and short:
        actions = [{"title": _cut(b.title, QUICK_REPLY_TITLE), "id": b.payload} for b in buttons]
        return ContentSpec(QUICK_REPLY, language, {"body": shown, "actions": actions}, values)
    items = []
    for b in buttons:
        item: dict[str, Any] = {"item": _cut(b.title, LIST_ITEM), "id": b.payload}
        if len(" ".join(b.title.split())) > LIST_ITEM:
            item["description"] = _cut(b.title, LIST_DESCRIPTION)
        items.append(item)
    label = _cut(list_label, LIST_BUTTON) or LIST_LABEL.get(language, LIST_LABEL["en"])
    data = {"body": shown, "button": label, "items": items}
    return ContentSpec(LIST_PICKER, language, data, values)


def split_text(text: str, limit: int = VARIABLE_MAX) -> list[str] | None:
    """``text`` as at most MAX_VARIABLES pieces of ``limit`` characters that join back
    to it exactly, cut after whitespace where there is some; None when it will not fit."""
    pieces: list[str] = []
    rest = text
    while rest:
        if len(pieces) == MAX_VARIABLES:
            return None
        if len(rest) <= limit:
            pieces.append(rest)
            break
        cut = max(rest.rfind(" ", 0, limit), rest.rfind("\n", 0, limit)) + 1
        cut = cut if cut > 0 else limit
        pieces.append(rest[:cut])
        rest = rest[cut:]
    return pieces


class ContentMaker:
    """Gets the ContentSid of a spec: from the cache, or made through the Content API."""

    def __init__(
        self,
        client: Client,
        account_sid: str,
        cache: ContentCache,
        sleep: Callable[[float], None],
        wait: float = WAIT_FOR_OTHER,
    ) -> None:
        self.client = client
        self.account_sid = account_sid
        self.cache = cache
        self.sleep = sleep
        self.wait = wait

    def sid(self, spec: ContentSpec) -> str:
        digest = spec.digest(self.account_sid)
        found = self.cache.get(digest)
        if found:
            return found
        if not self.cache.claim(digest):
            return self._wait_for_other(digest)
        try:
            sid = self._create(spec, digest)
        except BaseException:
            self.cache.release(digest)
            raise
        self.cache.put(digest, sid)
        log.info("whatsapp content %s made (%s, %s)", sid, spec.kind, spec.language)
        return sid

    def _create(self, spec: ContentSpec, digest: str) -> str:
        request = ContentList.ContentCreateRequest(spec.request(digest))
        try:
            instance = self.client.content.v1.contents.create(content_create_request=request)
        except TwilioException as err:
            log.warning("Content API refused %s: %s", spec.kind, _reason(err))
            raise ContentUnavailable(f"the Content API refused it ({_reason(err)})") from None
        except requests.exceptions.RequestException as err:
            log.warning("Content API unreachable: %s", type(err).__name__)
            raise ContentUnavailable("the Content API could not be reached") from None
        except Exception as err:  # an answer the SDK cannot read: the numbered text, never a 500
            log.warning("Content API answer unusable: %s", type(err).__name__)
            raise ContentUnavailable("the Content API answered something unreadable") from None
        sid = str(instance.sid or "")
        if not sid.startswith("HX"):
            raise ContentUnavailable("the Content API answered without a ContentSid")
        return sid

    def _wait_for_other(self, digest: str) -> str:
        """Another worker is making it right now; its sid, or the numbered text."""
        step, waited = 0.05, 0.0
        while waited < self.wait:
            self.sleep(step)
            waited += step
            found = self.cache.get(digest)
            if found:
                return found
        raise ContentUnavailable("another worker is still creating this content")


def _reason(err: TwilioException) -> str:
    code = getattr(err, "code", None)
    status = getattr(err, "status", None)
    return f"Twilio error {code}" if code else f"HTTP {status}" if status else type(err).__name__
