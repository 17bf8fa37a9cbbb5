"""One turn's working state: the message, the conversation, and what to say back.

The engine's session data sits beside ``session["history"]`` (which the
TurnRunner owns and this module never touches):

``flow``/``step``
    where the customer is, when a step waits for their answer;
``flow_version``
    the version (content hash) of the flows that step belongs to;
``tries``, ``waiting_since``
    invalid answers so far and when the question was asked;
``vars``
    the answers and values flows have saved;
``locale``, ``last_at``
    the session's language and its last turn (for the idle expiry);
``otp``
    per purpose, where the last code went (to resend it);
``offered``
    the buttons of the last reply outside a flow, so "2" means the second.

Long-lived facts live in ``conversation.profile``: ``locale`` (an explicit
choice), ``opted_out``, ``handoff`` (and ``handoff_over``), ``open_flow``.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import jinja2

from app.content import flows as f
from app.content.messages import Button, Conversation, InboundMessage, Reply
from app.content.render import Templates

log = logging.getLogger(__name__)

#: Session keys the engine owns; everything else (``history``) is left alone.
ENGINE_KEYS = ("flow", "step", "tries", "waiting_since", "vars", "locale", "last_at", "otp",
               "offered", "faq_pick", "flow_version")  # fmt: skip
FLOW_KEYS = ("flow", "step", "tries", "waiting_since", "faq_pick", "flow_version")

#: Said when even the error template cannot be rendered.
LAST_RESORT = {
    "id": "Maaf, terjadi kesalahan. Ketik MENU untuk mulai lagi.",
    "en": "Sorry, something went wrong. Type MENU to start again.",
}


class Dialogue:
    def __init__(
        self,
        flowset: f.FlowSet,
        templates: Templates,
        message: InboundMessage,
        conversation: Conversation,
        now: datetime,
    ) -> None:
        self.flowset = flowset
        self.templates = templates
        self.message = message
        self.conversation = conversation
        self.session = conversation.session
        self.profile = conversation.profile
        self.now = now
        self.locale = "id"
        self.replies: list[Reply] = []
        #: Per-message values for templates (tries_left, retry_after ...).
        self.extra: dict[str, Any] = {}

    # -- state ---------------------------------------------------------------

    @property
    def ts(self) -> float:
        return self.now.timestamp()

    @property
    def flow_id(self) -> str | None:
        value = self.session.get("flow")
        return value if isinstance(value, str) else None

    @property
    def step_id(self) -> str | None:
        value = self.session.get("step")
        return value if isinstance(value, str) else None

    @property
    def vars(self) -> dict[str, Any]:
        return self.session_vars()

    def session_vars(self) -> dict[str, Any]:
        """``session["vars"]``, made a dict (at its place in the session's keys)
        if it is not one yet."""
        found = self.session.get("vars")
        if not isinstance(found, dict):
            found = self.session["vars"] = {}
        return found

    def set_var(self, name: str, value: Any) -> None:
        self.vars[name] = _jsonable(value)

    def wait(self, flow_id: str, step_id: str, *, keep_tries: bool = False) -> None:
        self.session["flow"], self.session["step"] = flow_id, step_id
        self.session["waiting_since"] = self.ts
        if not keep_tries:
            self.session["tries"] = 0
        self.session.pop("offered", None)

    def end_flow(self) -> None:
        for key in FLOW_KEYS:
            self.session.pop(key, None)

    def reset_session(self) -> None:
        """A fresh start: forget the engine's session data, keep the history."""
        for key in ENGINE_KEYS:
            self.session.pop(key, None)

    # -- saying things -----------------------------------------------------------

    def context(self, **extra: Any) -> dict[str, Any]:
        ctx: dict[str, Any] = dict.fromkeys(self.flowset.variables)
        ctx.update(dict.fromkeys(f.EXTRA_VARS))
        ctx.update(self.vars)
        ctx.update(
            name=self.message.profile_name or "",
            sender=self.message.sender,
            channel=self.message.channel.value,
            locale=self.locale,
        )
        ctx.update(self.extra)
        ctx.update(extra)
        return ctx

    def render(self, name: str, **extra: Any) -> str:
        """A template in the turn's language, or the error message if it fails.

        The context is built only for a template that reads it (Templates.render),
        and building it makes ``session["vars"]`` a dict: that is done here for
        every template, so the saved session does not depend on which did."""
        self.session_vars()
        try:
            return self.templates.render(name, self.locale, lambda: self.context(**extra))
        except (jinja2.TemplateError, TypeError, ValueError, ArithmeticError):
            log.exception("template %s failed to render in %s", name, self.locale)
            try:
                return self.templates.render("common/error", self.locale, self.context())
            except (jinja2.TemplateError, TypeError, ValueError):
                return LAST_RESORT.get(self.locale, LAST_RESORT["id"])

    def say(
        self, name: str, buttons: tuple[Button, ...] = (), media: str | None = None, **extra: Any
    ) -> None:
        text = self.render(name, **extra)
        if text or buttons or media:
            # The language matters only where WhatsApp content is made of the reply.
            locale = self.locale if buttons or media else None
            self.replies.append(Reply(text, buttons, (media,) if media else (), locale))

    def label(self, name: str) -> str:
        """A system button's label, from templates/<locale>/button/<name>.j2."""
        return self.render(f"button/{name}")

    def offer(self, buttons: tuple[Button, ...]) -> tuple[Button, ...]:
        """Remember buttons given outside a flow, so their number or label works next time."""
        self.session["offered"] = [[b.payload, b.title] for b in buttons]
        return buttons

    def escape_buttons(self) -> tuple[Button, ...]:
        """The two ways out of anything: the menu and a person."""
        return (Button("cmd:menu", self.label("menu")), Button("cmd:agent", self.label("agent")))


def _jsonable(value: Any) -> Any:
    """Session values must survive JSON; anything exotic is kept as its text."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return str(value)
    return value


def merge(replies: list[Reply], limit: int = 1600) -> tuple[Reply, ...]:
    """Join a turn's messages into as few as fit (one SMS thread, order kept).

    Only the last message of a group may carry buttons, and a group stays
    within Twilio's 1,600 characters. A message with media ends its group: the
    text is its caption, and a reply after it comes after the picture.
    """
    out: list[Reply] = []
    for reply in replies:
        last = out[-1] if out else None
        if (
            last is not None
            and not last.buttons
            and not last.media
            and len(last.text) + 2 + len(reply.text) <= limit
        ):
            joined = f"{last.text}\n\n{reply.text}" if last.text else reply.text
            out[-1] = Reply(joined, reply.buttons, reply.media, reply.locale)
        else:
            out.append(reply)
    return tuple(out)
