"""``/inbox``: staff answer the conversations handed over to a person.

The page polls ``/inbox/api/conversations`` every two seconds with
``If-None-Match``; an unchanged list is a bodiless 304. Polling rather than
Server-Sent Events because gunicorn runs gthread workers: an SSE stream holds
one of a worker's few threads for as long as a tab stays open, so a handful
of staff tabs would starve the Twilio webhook; a poll holds one for a
millisecond. Every action is a JSON ``POST`` with the page's CSRF token
(``X-CSRF-Token``, checked by :func:`app.web.staff.protect` like every staff
page) and lands in the audit trail.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, render_template, request

from app.conversation.handoff import Waiting, parse_conversation_id
from app.logs import mask
from app.web.current import services
from app.web.errors import json_error
from app.web.staff import audit, protect, staff_name

bp = protect(Blueprint("inbox", __name__, template_folder="templates"))

#: The longest staff reply or note (Twilio's limit for one message).
MAX_TEXT = 1600


def view_json(w: Waiting, now: float) -> dict[str, Any]:
    return {
        "conversation": w.conversation,
        "channel": w.channel.value,
        "number": w.number,
        "name": w.name,
        "locale": w.locale,
        "since": w.since,
        "until": w.until,
        "waited": max(0, int(now - w.since)),
        "assigned": w.assigned,
        "replied_at": w.replied_at,
        "log": w.log,
        "notes": w.notes,
    }


@bp.get("/inbox")
def page() -> str:
    s = services().settings
    return render_template(
        "inbox.html",
        sandbox=s.sandbox,
        inbox_user=staff_name(),
        url_map_endpoints=set(current_app.view_functions),
    )


@bp.get("/inbox/api/conversations")
def conversations() -> Response:
    """The waiting list; ``waited`` is left out of the ETag so a quiet list stays 304."""
    svc = services()
    now = svc.clock().timestamp()
    items = [view_json(w, now) for w in svc.inbox.waiting()]
    stable = [{k: v for k, v in item.items() if k != "waited"} for item in items]
    tag = hashlib.sha256(json.dumps(stable, sort_keys=True).encode()).hexdigest()[:32]
    if request.if_none_match.contains(tag):
        response = Response(status=304)
    else:
        response = jsonify(conversations=items, now=now)
    response.set_etag(tag)
    response.headers["Cache-Control"] = "no-cache, private"
    return response


def _target() -> tuple[str, dict[str, Any]]:
    """The conversation a POST names, checked; raises :class:`_Bad`."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise _Bad(400, "invalid_request", "send a JSON object")
    cid = data.get("conversation")
    try:
        parse_conversation_id(str(cid or ""))
    except ValueError:
        raise _Bad(400, "invalid_conversation", "conversation must look like wa:+62...") from None
    return str(cid), data


def _text(data: dict[str, Any]) -> str:
    text = data.get("text")
    if not isinstance(text, str) or not text.strip():
        raise _Bad(400, "invalid_text", "type a message first")
    if len(text) > MAX_TEXT:
        raise _Bad(400, "invalid_text", f"at most {MAX_TEXT} characters")
    return text.strip()


class _Bad(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code = status, code


@bp.errorhandler(_Bad)
def _bad(err: _Bad) -> tuple[Response, int]:
    return json_error(err.status, err.code, str(err))


def _gone(cid: str) -> tuple[Response, int]:
    return json_error(404, "not_waiting", f"{mask(cid)} is no longer waiting for a person")


def _answer(w: Waiting) -> Response:
    return jsonify(conversation=view_json(w, services().clock().timestamp()))


@bp.post("/inbox/api/reply")
def reply() -> Response | tuple[Response, int]:
    cid, data = _target()
    text = _text(data)
    sent, after = services().inbox.reply(cid, staff_name(), text)
    if after is None and not sent.sent:
        return _gone(cid)
    if not sent.sent:
        audit("inbox reply refused", mask(cid))
        return json_error(409, "not_sent", sent.refusal or "the message was not sent")
    audit("inbox reply", mask(cid))
    body: dict[str, Any] = {"sent": True, "via": sent.how, "sid": sent.sid}
    if after is not None:
        body["conversation"] = view_json(after, services().clock().timestamp())
    return jsonify(body)


@bp.post("/inbox/api/assign")
def assign() -> Response | tuple[Response, int]:
    cid, _ = _target()
    after = services().inbox.assign(cid, staff_name())
    if after is None:
        return _gone(cid)
    audit("inbox assign", mask(cid))
    return _answer(after)


@bp.post("/inbox/api/note")
def note() -> Response | tuple[Response, int]:
    cid, data = _target()
    after = services().inbox.note(cid, staff_name(), _text(data))
    if after is None:
        return _gone(cid)
    audit("inbox note", mask(cid))
    return _answer(after)


@bp.post("/inbox/api/release")
def release() -> Response | tuple[Response, int]:
    cid, _ = _target()
    channel, number = parse_conversation_id(cid)
    released = services().inbox.release(number, channel, staff_name())
    if not released:
        return _gone(cid)
    audit("handoff release", mask(number))
    return jsonify(released=[r.conversation for r in released])
