"""The Twilio edge: signature checks and webhook forms -> :class:`InboundMessage`."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Iterable, Mapping
from datetime import datetime
from urllib.parse import parse_qsl

from flask import Request
from twilio.request_validator import RequestValidator
from werkzeug.datastructures import MultiDict

from app.content.messages import Channel, InboundMessage, Location, Media
from app.numbers import possible_e164

MAX_BODY_CHARS = 1600  # Twilio's own limit for a message body
_HIGH_ESCAPE = re.compile(rb"%[89a-fA-F][0-9a-fA-F]")
_SID = re.compile(r"^[A-Za-z]{2}[0-9a-fA-F]{32}$")


class Rejected(Exception):
    """A webhook we refuse; ``reason`` is a short label for logs and metrics."""

    def __init__(self, reason: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.reason = reason
        self.status = status


def signed_url(request: Request, public_url: str | None) -> str:
    """The URL Twilio signed: scheme, host, path and the *raw* query string.

    ``request.url`` percent-decodes the query (``%27`` becomes ``'``) and so
    breaks signatures; the raw bytes are what Twilio hashed. Behind a proxy,
    ``SANDI_PUBLIC_URL`` gives the outside scheme and host.
    """
    base = public_url or f"{request.scheme}://{request.host}"
    url = f"{base}{request.script_root}{request.path}"
    if request.query_string:
        url += "?" + request.query_string.decode("latin-1")
    return url


def check_form_request(request: Request) -> MultiDict[str, str]:
    """The form of a Twilio webhook, refusing what Twilio would never send."""
    mimetype = request.mimetype
    if mimetype != "application/x-www-form-urlencoded":
        raise Rejected("content_type", "expected application/x-www-form-urlencoded", status=415)
    raw = request.get_data(cache=True)
    form = request.form
    if strict_pairs(raw) is None:
        raise Rejected("encoding", "request body is not valid UTF-8")
    return form


def strict_pairs(raw: bytes) -> list[tuple[str, str]] | None:
    """The body's fields as werkzeug parses them, or None when it is not strict UTF-8.

    Werkzeug quietly keeps or replaces undecodable bytes; only a body with
    non-ASCII bytes or escapes (%80-%FF) needs the strict, slower parse. The
    others (every Twilio field but a body with accents or emoji) are split
    here directly: what ``parse_qsl(..., keep_blank_values=True)`` returns,
    without its per-field ``unquote`` calls on fields that have no ``%``, and
    with escapes of ASCII characters read without unquote's UTF-8 round trip.
    """
    if not raw.isascii() or _HIGH_ESCAPE.search(raw):
        try:
            return parse_qsl(raw.decode("utf-8"), keep_blank_values=True, errors="strict")
        except UnicodeDecodeError:
            return None
    text = raw.decode("ascii")
    if "+" in text:  # a space in any name or value ("+" is no separator)
        text = text.replace("+", " ")
    pairs = []
    for field in text.split("&"):
        if not field:
            continue
        name, _, value = field.partition("=")
        if "%" in field:
            name, value = _unquote_ascii(name), _unquote_ascii(value)
        pairs.append((name, value))
    return pairs


#: Each escape of an ASCII character ("3A", "3a") -> the character.
_ASCII_ESCAPES = {
    f"{high}{low}": chr(int(f"{high}{low}", 16))
    for high in "01234567"
    for low in "0123456789abcdefABCDEF"
}


def _unquote_ascii(text: str) -> str:
    """``unquote(text)`` for text whose escapes are all of ASCII characters (%00-%7F):
    each one its character, a ``%`` not followed by two hex digits kept as it is.
    (unquote() goes through bytes and a UTF-8 decode for the same result.)"""
    if "%" not in text:
        return text
    head, *rest = text.split("%")
    out = [head]
    for item in rest:
        char = _ASCII_ESCAPES.get(item[:2])
        out.append("%" + item if char is None else char + item[2:])
    return "".join(out)


def signature_ok(
    request: Request, form: MultiDict[str, str], token: str, public_url: str | None
) -> bool:
    signature = request.headers.get("X-Twilio-Signature", "")
    if not signature:
        return False
    url = signed_url(request, public_url)
    if signature_matches(token, url, form, signature):
        return True
    # Twilio may have signed the URL with or without the default port; the
    # library tries both. Only a mismatch pays for that.
    return bool(RequestValidator(token).validate(url, form, signature))


def signature_matches(
    token: str, url: str, form: MultiDict[str, str] | Iterable[tuple[str, str]], signature: str
) -> bool:
    """The signature of exactly this URL (the port as given), compared in constant time."""
    return hmac.compare_digest(twilio_signature(token, url, form).encode(), signature.encode())


def twilio_signature(
    token: str, url: str, form: MultiDict[str, str] | Iterable[tuple[str, str]]
) -> str:
    """``X-Twilio-Signature`` as Twilio documents it: base64 of HMAC-SHA1, keyed by
    the auth token, over the URL and then each name followed by its value, names
    sorted (a repeated name: its distinct values sorted).

    Sorting the distinct (name, value) pairs is that order exactly: by name, then
    by value. The same string as ``RequestValidator.compute_signature``, which
    asks a MultiDict for ``getall`` first and pays an AttributeError per field.
    """
    # Every (name, value), not dict(form): a repeated name is signed with all its values.
    pairs = form.items(multi=True) if isinstance(form, MultiDict) else form
    text = url + "".join([name + value for name, value in sorted(set(pairs))])
    mac = hmac.new(token.encode("utf-8"), text.encode("utf-8"), hashlib.sha1)
    return base64.b64encode(mac.digest()).decode("ascii")


def parse_inbound(form: Mapping[str, str], received_at: datetime) -> InboundMessage:
    sender, recipient = form.get("From", ""), form.get("To", "")
    if not sender or not recipient:
        raise Rejected("missing_field", "From and To are required")
    channel, sender_number = _address(sender, "From")
    to_channel, recipient_number = _address(recipient, "To")
    if channel is not to_channel:
        raise Rejected("channel_mismatch", "From and To must be on the same channel")
    sid = form.get("MessageSid") or form.get("SmsMessageSid") or ""
    if not _SID.match(sid):
        raise Rejected("missing_field", "MessageSid is missing or malformed")
    body = form.get("Body", "")
    if len(body) > MAX_BODY_CHARS:
        raise Rejected("too_long", f"Body is longer than {MAX_BODY_CHARS} characters")
    return InboundMessage(
        channel=channel,
        sender=sender_number,
        recipient=recipient_number,
        body=body,
        message_sid=sid,
        received_at=received_at,
        profile_name=_plain(form.get("ProfileName") or "")[:100] or None,
        # A quick-reply tap says ButtonPayload, a list-picker pick ListId: both are the
        # id Sandi gave the choice (app.channels.content).
        button_payload=(form.get("ButtonPayload") or form.get("ListId") or "").strip()[:256]
        or None,
        button_text=(form.get("ButtonText") or form.get("ListTitle") or "").strip()[:256] or None,
        media=_media(form),
        location=_location(form),
    )


#: Control characters (C0, DEL, C1), surrogates and noncharacters: never part of a name.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff]")


def _plain(value: str) -> str:
    """A WhatsApp profile name as plain text: the name goes into replies and TwiML."""
    return " ".join(_CONTROL.sub(" ", value).split())


def _address(value: str, field: str) -> tuple[Channel, str]:
    prefix, sep, number = value.partition(":")
    if not sep:
        channel, number = Channel.SMS, value
    elif prefix == "whatsapp":
        channel = Channel.WHATSAPP
    else:
        raise Rejected("unknown_channel", f"{field} uses an unsupported channel {prefix!r}")
    return channel, e164(number, field)


def e164(number: str, field: str) -> str:
    """Normalise a number to E.164 with the phonenumbers library, or refuse it."""
    if not number.startswith("+") or len(number) > 20:
        raise Rejected("bad_number", f"{field} is not an E.164 phone number")
    normalised = possible_e164(number)  # Twilio's own test numbers are not "valid"
    if normalised is None:
        raise Rejected("bad_number", f"{field} is not a possible E.164 phone number")
    return normalised


def _media(form: Mapping[str, str]) -> tuple[Media, ...]:
    try:
        count = min(int(form.get("NumMedia", "0") or 0), 10)
    except ValueError:
        raise Rejected("bad_field", "NumMedia is not a number") from None
    items = []
    for i in range(max(count, 0)):
        url = form.get(f"MediaUrl{i}")
        if url:
            items.append(Media(url=url, content_type=form.get(f"MediaContentType{i}", "")))
    return tuple(items)


def _location(form: Mapping[str, str]) -> Location | None:
    lat, lon = form.get("Latitude"), form.get("Longitude")
    if not lat or not lon:
        return None
    try:
        latitude, longitude = float(lat), float(lon)
    except ValueError:
        raise Rejected("bad_field", "Latitude and Longitude must be numbers") from None
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise Rejected("bad_field", "Latitude or Longitude is out of range")
    return Location(latitude, longitude, form.get("Address") or None, form.get("Label") or None)
