"""Twilio's callbacks about what Sandi sent.

``POST /webhooks/twilio/status``: message and call status callbacks. Recorded
before answering (one Redis script); a fallback send runs after the response
has gone (``call_on_close``), so Twilio always gets its 204 within
milliseconds, whatever the next channel's provider does.

``POST /webhooks/twilio/voice/otp/<id>``: the voice call's "press 1 to
repeat"; the code comes back sealed in the URL (see
:mod:`app.channels.voice_token`).
"""

from __future__ import annotations

import logging
import re

from flask import Blueprint, Response, request
from werkzeug.datastructures import MultiDict

from app.channels.status import StatusReport
from app.channels.voice_token import Expired
from app.logs import mask
from app.web.current import services
from app.web.twilio_request import Rejected
from app.web.twilio_signed import twilio_signed

log = logging.getLogger(__name__)

bp = Blueprint("delivery", __name__)

_SID = re.compile(r"^[A-Z]{2}[0-9a-fA-F]{32}$")
_ERROR_CODE = re.compile(r"^\d{1,6}$")


def parse_status(form: dict[str, str]) -> StatusReport:
    if form.get("MessageSid") or form.get("SmsSid"):
        sid = form.get("MessageSid") or form.get("SmsSid") or ""
        status = form.get("MessageStatus") or form.get("SmsStatus") or ""
        kind = "message"
    else:
        sid, status, kind = form.get("CallSid", ""), form.get("CallStatus", ""), "call"
    if not _SID.match(sid) or not status:
        raise Rejected("missing_field", "MessageSid/CallSid and its status are required")
    error = (form.get("ErrorCode") or "").strip() or None
    if error is not None and not _ERROR_CODE.match(error):
        error = None
    return StatusReport(sid, kind, status.strip().lower(), error)


@bp.post("/webhooks/twilio/status")
@twilio_signed("callback")
def status_callback(form: MultiDict[str, str]) -> Response:
    s = services()
    try:
        report = parse_status(form.to_dict())
    except Rejected as err:
        s.metrics.rejected.labels(err.reason).inc()
        log.warning("status callback refused (%s): %s", err.reason, err)
        return Response(f"{err}\n", status=400, mimetype="text/plain")
    recorded = s.delivery_status.record(report)
    response = Response(status=204)
    if recorded.fallback_from:
        tracker = s.delivery_status

        def fall_back() -> None:
            try:
                tracker.fall_back(report.message_id, recorded)
            except Exception:  # the response is gone; never let a fallback crash the worker
                log.exception("fallback after %s failed", report.message_id)

        response.call_on_close(fall_back)
    return response


@bp.post("/webhooks/twilio/voice/otp/<verification_id>")
@twilio_signed("callback")
def voice_repeat(form: MultiDict[str, str], verification_id: str) -> Response:
    s = services()
    voice = s.channels.voice
    try:
        grant = voice.tokens.open(verification_id, request.args.get("t", ""), s.clock().timestamp())
    except Expired:
        log.info("voice repeat for %s: code expired", verification_id)
        return _twiml(voice.closing_twiml(_locale(), expired=True))
    if grant is None:
        log.warning(
            "voice repeat for %s refused: bad token (call to %s)",
            verification_id,
            mask(request.form.get("To")),
        )
        return _twiml(voice.closing_twiml(_locale()))
    if request.form.get("Digits") != "1":
        return _twiml(voice.closing_twiml(grant.locale))
    log.info("voice repeat for %s (%d left)", verification_id, grant.repeats_left)
    return _twiml(voice.twiml(verification_id, grant, first=False))


def _locale() -> str:
    return services().settings.default_locale


def _twiml(body: str) -> Response:
    return Response(body, mimetype="application/xml")
