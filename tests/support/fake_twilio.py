"""A fake of Twilio's REST API: a real HTTP server on loopback, in a thread.

It implements ``POST /2010-04-01/Accounts/{AccountSid}/Messages.json`` and
``.../Calls.json`` the way Twilio's API checks them — HTTP Basic auth with the
AccountSid and auth token, required fields, ``whatsapp:`` on both sides, Body
at most 1600 characters, ContentVariables a JSON object in a string, inline
TwiML that parses with ``<Response>`` at its root — and answers with
Twilio-shaped JSON (201, or the error body twilio-python turns into
``TwilioRestException``).

It also implements the Content API's ``POST /v1/Content`` (JSON: friendly_name,
language, and types each shaped as Twilio checks them: a quick reply of at most
3 buttons with titles of at most 20 characters, a list picker of at most 10 items
of at most 24, bodies of at most 1,024, ids unique and at most 200), keeping
what it made in :attr:`FakeTwilio.contents`, and answers ``HEAD`` on a media
URL it was told of (:meth:`FakeTwilio.add_media`) the way Twilio's does: a
redirect to the stored file, which says its ``Content-Length``.

Sandi reaches it the way it would reach any Twilio-compatible API:
``TWILIO_API_BASE_URL`` set to :attr:`FakeTwilio.base_url` (the real twilio
client, on Sandi's own HTTP session). :class:`LoopbackHttpClient` remains for
tests that hand the app a client of their own.

Tests script it: :meth:`FakeTwilio.reject` (a synchronous Twilio error for one
destination, e.g. 21211 or 21610), :meth:`FakeTwilio.undeliver` (accepted, then
an ``undelivered`` status callback with e.g. 63016), :meth:`FakeTwilio.fail_next`
(HTTP 500), :meth:`FakeTwilio.hang_next` (no answer until the client times
out), :meth:`FakeTwilio.drop_every` (the message is accepted, then the
connection is closed without an answer) and :meth:`FakeTwilio.silence` (accepted,
``sent``, and then no ``delivered`` ever). Status callbacks Twilio would post are queued in :attr:`FakeTwilio.callbacks`
for the test to deliver (signed) to the app.
"""

from __future__ import annotations

import json
import re
import secrets
import socket
import threading
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

from twilio.http.http_client import TwilioHttpClient

from tests.support.fake_content import API, ContentAndMedia, TwilioError, basic_auth, error_body

ACCOUNT_SID = "AC" + "5" * 32
AUTH_TOKEN = "fake-twilio-auth-token-0123456789"
_PATH = re.compile(r"^/2010-04-01/Accounts/(AC[0-9a-f]{32})/(Messages|Calls)\.json$")
CONTENT_PATH = "/v1/Content"
_E164 = re.compile(r"^\+[1-9]\d{6,14}$")
#: handle()'s status for "close the connection without an answer".
DROP = -2


@dataclass
class Recorded:
    resource: str  # "Messages" | "Calls" | "Content"
    form: dict[str, list[str]]
    auth: tuple[str, str] | None
    status: int
    sid: str | None = None
    #: Accepted, but the connection was closed before the answer.
    dropped: bool = False

    def get(self, name: str) -> str | None:
        values = self.form.get(name)
        return values[-1] if values else None


@dataclass
class Callback:
    url: str
    form: dict[str, str]


@dataclass
class _Script:
    # (To exactly as posted, resource or None) -> (HTTP status, Twilio code)
    rejects: dict[tuple[str, str | None], tuple[int, int]] = field(default_factory=dict)
    undeliver: dict[str, tuple[str, str]] = field(default_factory=dict)  # To -> (status, code)
    call_outcome: dict[str, str] = field(default_factory=dict)  # to -> final CallStatus
    fail: int = 0
    hang: int = 0
    delay: float = 0.0  # seconds between accepting a create and answering it
    drop_every: int = 0  # accept every n-th message, then drop the connection unanswered
    silent: set[str] = field(default_factory=set)  # To -> only "sent", never a final status
    content_fail: list[tuple[int, int]] = field(default_factory=list)  # (status, code) per create


class FakeTwilio(ContentAndMedia):
    def __init__(self, account_sid: str = ACCOUNT_SID, auth_token: str = AUTH_TOKEN) -> None:
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.requests: list[Recorded] = []
        self.callbacks: list[Callback] = []
        #: The contents made through POST /v1/Content: sid -> the JSON as created.
        self.contents: dict[str, dict[str, Any]] = {}
        #: JSON bodies of every Content API request, accepted or not.
        self.content_requests: list[dict[str, Any]] = []
        #: Media URL path -> (size in bytes, content type), for HEAD.
        self.media: dict[str, tuple[int, str]] = {}
        self._script = _Script()
        self._accepted = 0
        #: Called with the new SID before the create is answered (a test posts
        #: status callbacks that beat the response, as Twilio's sometimes do).
        self.before_answer: Callable[[str], None] | None = None
        self._lock = threading.Lock()
        self._release = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ---------------------------------------------------------------

    def start(self) -> FakeTwilio:
        fake = self

        class Handler(_Handler):
            owner = fake

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._release.set()
        if self._server:
            self._server.shutdown()
            self._server.server_close()

    @property
    def base_url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def http_client(self, timeout: float) -> LoopbackHttpClient:
        """The factory Sandi takes as ``twilio_http_client``."""
        return LoopbackHttpClient(self.base_url, timeout=timeout)

    # -- scripting ---------------------------------------------------------------

    def reject(self, to: str, code: int, status: int = 400, resource: str | None = None) -> None:
        """Answer every create for ``to`` with this Twilio error.

        ``to`` as Twilio gets it: ``+62...`` (SMS and calls, or only one with
        ``resource="Messages"|"Calls"``) or ``whatsapp:+62...``.
        """
        self._script.rejects[(to, resource)] = (status, code)

    def clear_rejects(self) -> None:
        self._script.rejects.clear()

    def undeliver(self, to: str, code: str = "63016", status: str = "undelivered") -> None:
        """Accept messages to ``to`` (as posted: ``whatsapp:+62...`` or ``+62...``),
        then report them failed by status callback."""
        self._script.undeliver[to] = (status, code)

    def call_ends(self, to: str, status: str) -> None:
        """The final CallStatus for calls to ``to`` (default ``completed``)."""
        self._script.call_outcome[to] = status

    def fail_next(self, times: int = 1) -> None:
        self._script.fail += times

    def hang_next(self, times: int = 1) -> None:
        self._script.hang += times

    def drop_every(self, n: int) -> None:
        """Accept every ``n``-th create (recorded, callbacks queued), then close the
        connection without answering: the client cannot know the message went out."""
        self._script.drop_every = n

    def slow(self, seconds: float) -> None:
        """Accept each create at once, answer it ``seconds`` later (a worker killed
        meanwhile leaves a message Twilio has and a send it never heard back from)."""
        self._script.delay = seconds

    def silence(self, to: str) -> None:
        """Messages to ``to`` (as posted) report ``sent`` and then nothing: a phone that
        is off, an SMS stuck at the carrier."""
        self._script.silent.add(to)

    def release(self) -> None:
        """Let hung requests finish (their clients have long given up)."""
        self._release.set()

    # -- reading -----------------------------------------------------------------

    def created(self, resource: str | None = None) -> list[Recorded]:
        """Messages and calls Twilio accepted (``resource="Content"``: contents made)."""
        return [
            r
            for r in self.requests
            if r.status == 201
            and (r.resource == resource or (resource is None and r.resource != "Content"))
        ]

    def take_callbacks(self) -> list[Callback]:
        with self._lock:
            taken, self.callbacks = self.callbacks, []
        return taken

    # -- the API -----------------------------------------------------------------

    def new_record(self, resource: str, auth: tuple[str, str] | None) -> Recorded:
        record = Recorded(resource, {}, auth, 0)
        with self._lock:
            self.requests.append(record)
        return record

    def handle(self, path: str, headers: Any, body: bytes) -> tuple[int, dict[str, Any]]:
        if path == CONTENT_PATH:
            return self.handle_content(headers, body)
        match = _PATH.match(path)
        if not match:
            return 404, error_body(404, 20404, "The requested resource was not found")
        auth = basic_auth(headers.get("Authorization", ""))
        form = parse_qs(body.decode(), keep_blank_values=True)
        resource = match.group(2)
        record = Recorded(resource, form, auth, 0)
        with self._lock:
            self.requests.append(record)
            if auth != (self.account_sid, self.auth_token) or match.group(1) != self.account_sid:
                record.status = 401
                return 401, error_body(401, 20003, "Authenticate")
            if self._script.hang:
                self._script.hang -= 1
                record.status = -1
                hang = True
            else:
                hang = False
            if not hang and self._script.fail:
                self._script.fail -= 1
                record.status = 500
                return 500, error_body(500, 20500, "An internal server error has occurred")
        if hang:
            self._release.wait(5)
            return 500, error_body(500, 20500, "hung")
        try:
            if headers.get("Content-Type") != "application/x-www-form-urlencoded":
                raise TwilioError(400, 20001, "expected a form body")
            one = {k: v[-1] for k, v in form.items()}
            to = one.get("To", "")
            rule = self._script.rejects.get((to, resource)) or self._script.rejects.get((to, None))
            if rule:
                status, code = rule
                raise TwilioError(status, code, f"Twilio error {code}")
            result = self._message(one, form) if resource == "Messages" else self._call(one)
        except TwilioError as err:
            record.status = err.status
            return err.status, error_body(err.status, err.code, err.message)
        if self.before_answer is not None:
            self.before_answer(result["sid"])
        if self._script.delay:
            self._release.wait(self._script.delay)
        with self._lock:
            record.status, record.sid = 201, result["sid"]
            self._accepted += 1
            if self._script.drop_every and self._accepted % self._script.drop_every == 0:
                record.dropped = True
                return DROP, result
        return 201, result

    def _check_media(self, form: dict[str, list[str]], whatsapp: bool) -> None:
        urls = form.get("MediaUrl", [])
        if len(urls) > 10 or (whatsapp and len(urls) > 1):
            raise TwilioError(400, 21623, "Too many media URLs for this channel.")
        for url in urls:
            if not re.match(r"^https?://[^/\s]+/\S*$", url):
                raise TwilioError(400, 21620, f"Invalid media URL: {url}")

    def _message(self, f: dict[str, str], form_all: dict[str, list[str]]) -> dict[str, Any]:
        to, sender, service = f.get("To", ""), f.get("From", ""), f.get("MessagingServiceSid")
        if not to:
            raise TwilioError(400, 21604, "A 'To' phone number is required.")
        if not sender and not service:
            raise TwilioError(400, 21603, "A 'From' phone number is required.")
        body, content_sid = f.get("Body"), f.get("ContentSid")
        if not body and not content_sid and not f.get("MediaUrl"):
            raise TwilioError(400, 21602, "Message body is required.")
        if body is not None and len(body) > 1600:
            raise TwilioError(400, 21617, "The concatenated message body exceeds 1600 characters.")
        is_wa = to.startswith("whatsapp:")
        if sender and is_wa != sender.startswith("whatsapp:"):
            raise TwilioError(400, 21910, "Invalid From and To pair: not the same channel.")
        if not _E164.match(to.removeprefix("whatsapp:")):
            raise TwilioError(400, 21211, f"The 'To' number {to} is not a valid phone number.")
        if content_sid is not None and not re.fullmatch(r"HX[0-9a-f]{32}", content_sid):
            raise TwilioError(400, 21655, "The ContentSid is invalid.")
        if "ContentVariables" in f:
            if body is not None:
                raise TwilioError(
                    400, 35127, "Body and ContentVariables cannot be provided together"
                )
            _check_variables(f["ContentVariables"])
        self._check_media(form_all, is_wa)
        if content_sid in self.contents and "ContentVariables" in f:
            unknown = set(json.loads(f["ContentVariables"])) - set(
                self.contents[content_sid].get("variables") or {}
            )
            if unknown:
                raise TwilioError(400, 21656, "The ContentVariables Parameter is invalid.")
        if "ValidityPeriod" in f and not 1 <= int(f["ValidityPeriod"]) <= 36000:
            raise TwilioError(400, 21619, "ValidityPeriod must be between 1 and 36000.")
        _check_callback(f)
        sid = "SM" + secrets.token_hex(16)
        self._queue_message_callbacks(sid, f)
        now = format_datetime(datetime.now(UTC))
        return {
            "sid": sid, "account_sid": self.account_sid, "api_version": "2010-04-01",
            "to": to, "from": sender or None, "messaging_service_sid": service,
            "body": body or "", "status": "accepted" if service else "queued",
            "num_segments": "1", "num_media": str(len(form_all.get("MediaUrl", []))),
            "direction": "outbound-api",
            "error_code": None, "error_message": None, "price": None, "price_unit": "USD",
            "date_created": now, "date_updated": now, "date_sent": None,
            "uri": f"/2010-04-01/Accounts/{self.account_sid}/Messages/{sid}.json",
        }  # fmt: skip

    def _call(self, f: dict[str, str]) -> dict[str, Any]:
        to, sender = f.get("To", ""), f.get("From", "")
        if not to:
            raise TwilioError(400, 21201, "No 'To' number is specified")
        if not sender:
            raise TwilioError(400, 21213, "No 'From' number is specified")
        if not f.get("Url") and not f.get("Twiml") and not f.get("ApplicationSid"):
            raise TwilioError(400, 21205, "Url parameter is required.")
        if not _E164.match(to) or not _E164.match(sender):
            raise TwilioError(400, 21211, f"The 'To' number {to} is not a valid phone number.")
        twiml = f.get("Twiml")
        if twiml is not None:
            if len(twiml) > 4000:
                raise TwilioError(400, 21232, "Twiml is longer than 4000 characters.")
            try:
                root = ET.fromstring(twiml)
            except ET.ParseError:
                raise TwilioError(400, 12100, "Document parse failure") from None
            if root.tag != "Response":
                raise TwilioError(400, 12102, "Root element must be Response")
        if "Timeout" in f and not 1 <= int(f["Timeout"]) <= 600:
            raise TwilioError(400, 21216, "Timeout must be between 1 and 600.")
        _check_callback(f)
        sid = "CA" + secrets.token_hex(16)
        if f.get("StatusCallback"):
            outcome = self._script.call_outcome.get(to, "completed")
            self.callbacks.append(Callback(f["StatusCallback"], self._call_form(sid, f, outcome)))
        now = format_datetime(datetime.now(UTC))
        return {
            "sid": sid, "account_sid": self.account_sid, "api_version": "2010-04-01",
            "to": to, "to_formatted": to, "from": sender, "from_formatted": sender,
            "status": "queued", "direction": "outbound-api", "date_created": now,
            "date_updated": now, "start_time": None, "end_time": None, "duration": None,
            "price": None, "uri": f"/2010-04-01/Accounts/{self.account_sid}/Calls/{sid}.json",
        }  # fmt: skip

    def _queue_message_callbacks(self, sid: str, f: dict[str, str]) -> None:
        url = f.get("StatusCallback")
        if not url:
            return
        final, code = self._script.undeliver.get(f["To"], ("delivered", ""))
        statuses = ("sent",) if f["To"] in self._script.silent else ("sent", final)
        for status in statuses:
            form = self._message_form(sid, f, status)
            if code and status == final:
                form["ErrorCode"] = code
            self.callbacks.append(Callback(url, form))

    def _message_form(self, sid: str, f: dict[str, str], status: str) -> dict[str, str]:
        form = {
            "SmsSid": sid, "SmsStatus": status, "MessageStatus": status, "To": f["To"],
            "MessageSid": sid, "AccountSid": self.account_sid,
            "From": f.get("From", "+15005550006"), "ApiVersion": "2010-04-01",
        }  # fmt: skip
        if f["To"].startswith("whatsapp:"):
            form |= {
                "ChannelPrefix": "whatsapp",
                "ChannelToAddress": f["To"].removeprefix("whatsapp:"),
                "ChannelInstallSid": "XE" + "0" * 32,
                "StructuredMessage": "false",
            }
            if status in ("delivered", "read"):
                form["EventType"] = status.upper()
        if f.get("MessagingServiceSid"):
            form["MessagingServiceSid"] = f["MessagingServiceSid"]
        return form

    def _call_form(self, sid: str, f: dict[str, str], status: str) -> dict[str, str]:
        return {
            "Called": f["To"], "ToState": "", "CallerCountry": "", "Direction": "outbound-api",
            "Timestamp": format_datetime(datetime.now(UTC)), "CallbackSource": "call-progress-events",
            "SequenceNumber": "0", "CallSid": sid, "To": f["To"], "CallStatus": status,
            "From": f["From"], "AccountSid": self.account_sid, "ApiVersion": "2010-04-01",
            "CallDuration": "0" if status != "completed" else "14", "Caller": f["From"],
        }  # fmt: skip


def message_callback(
    sid: str, status: str, *, to: str, sender: str, error_code: str | None = None
) -> dict[str, str]:
    """A message status callback as Twilio posts it (for tests that craft their own)."""
    fake = FakeTwilio()
    form = fake._message_form(sid, {"To": to, "From": sender}, status)
    if error_code:
        form["ErrorCode"] = error_code
    return form


def _check_variables(raw: str) -> None:
    try:
        variables = json.loads(raw)
    except ValueError:
        raise TwilioError(400, 21656, "The ContentVariables Parameter is invalid.") from None
    if not isinstance(variables, dict) or not all(
        isinstance(k, str) and isinstance(v, str) and len(v) <= 1600 for k, v in variables.items()
    ):
        raise TwilioError(400, 21656, "The ContentVariables Parameter is invalid.")


def _check_callback(f: dict[str, str]) -> None:
    url = f.get("StatusCallback")
    if url is not None and not re.match(r"^https?://[^/\s]+/\S*$", url):
        raise TwilioError(400, 21609, "The StatusCallback URL is not valid.")


class _Handler(BaseHTTPRequestHandler):
    owner: FakeTwilio
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out as two writes

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        status, payload = self.owner.handle(self.path, self.headers, body)
        if status == DROP:
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        data = json.dumps(payload).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a hang test)

    def do_HEAD(self) -> None:
        status, headers = self.owner.handle_head(self.path, self.headers)
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        if "Content-Length" not in headers:
            self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


class LoopbackHttpClient(TwilioHttpClient):
    """twilio's own HTTP client, sent to the fake instead of api.twilio.com."""

    def __init__(self, base_url: str, timeout: float) -> None:
        super().__init__(timeout=timeout)
        self.base_url = base_url

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        assert url.startswith(API), url
        return super().request(method, self.base_url + url[len(API) :], *args, **kwargs)
