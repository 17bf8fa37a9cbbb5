"""The fake Twilio's Content API (``POST /v1/Content``) and media (``HEAD`` on a
``MediaUrl``), mixed into :class:`tests.support.fake_twilio.FakeTwilio`.

Shapes and limits as Twilio documents them for in-session WhatsApp content:
a quick reply of 1-3 buttons (titles at most 20 characters), a list picker of
1-10 items (at most 24, descriptions 72, its button 20), bodies at most 1,024,
ids unique and at most 200, a two-letter language.
"""

from __future__ import annotations

import base64
import json
import re
import secrets
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

API = "https://api.twilio.com"
#: fail_content's status for "no answer at all".
HANG = -1
_LANGUAGE = re.compile(r"^[a-z]{2}(_[A-Z]{2})?$")
_MEDIA = re.compile(
    r"^/2010-04-01/Accounts/(AC[0-9a-f]{32})/Messages/MM[0-9a-f]{32}/Media/ME[0-9a-f]{32}$"
)


class TwilioError(Exception):
    def __init__(self, status: int, code: int, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def check_content(data: Any) -> dict[str, Any]:
    """The Content API's checks of a create; returns the content as stored (nulls dropped:
    twilio-python sends every type it knows, unused ones as null)."""
    if not isinstance(data, dict):
        raise TwilioError(400, 20001, "the body must be a JSON object")
    name, language = data.get("friendly_name"), data.get("language")
    if not isinstance(name, str) or not 1 <= len(name) <= 64:
        raise TwilioError(400, 20001, "friendly_name is required (1-64 characters)")
    if not isinstance(language, str) or not _LANGUAGE.match(language):
        raise TwilioError(400, 20001, "language must be an ISO 639-1 code such as 'id'")
    variables = data.get("variables")
    if variables is not None and not (
        isinstance(variables, dict)
        and all(isinstance(k, str) and isinstance(v, str) for k, v in variables.items())
    ):
        raise TwilioError(400, 20001, "variables must map names to sample strings")
    types = data.get("types")
    if not isinstance(types, dict):
        raise TwilioError(400, 20001, "types is required")
    used = {k: v for k, v in types.items() if v is not None}
    if not used:
        raise TwilioError(400, 20001, "types must hold at least one content type")
    for kind, value in used.items():
        check = _TYPE_CHECKS.get(kind)
        if check is None:
            raise TwilioError(400, 20001, f"unsupported content type {kind}")
        check(value)
    return {
        "friendly_name": name,
        "language": language,
        "variables": variables or {},
        "types": used,
    }


def _text_field(value: Any, name: str, limit: int) -> str:
    if not isinstance(value, str) or not 1 <= len(value) <= limit:
        raise TwilioError(400, 20001, f"{name} is required, at most {limit} characters")
    return value


def _ids(ids: list[Any]) -> None:
    for value in ids:
        _text_field(value, "id", 200)
    if len(set(ids)) != len(ids):
        raise TwilioError(400, 20001, "ids must be unique")


def _check_quick_reply(value: Any) -> None:
    if not isinstance(value, dict):
        raise TwilioError(400, 20001, "twilio/quick-reply must be an object")
    _text_field(value.get("body"), "twilio/quick-reply body", 1024)
    actions = value.get("actions")
    # WhatsApp shows at most 3 in-session quick replies without an approved template.
    if not isinstance(actions, list) or not 1 <= len(actions) <= 3:
        raise TwilioError(400, 20001, "twilio/quick-reply needs 1 to 3 actions in session")
    for action in actions:
        if not isinstance(action, dict):
            raise TwilioError(400, 20001, "an action must be an object")
        if action.get("type") not in (None, "QUICK_REPLY"):
            raise TwilioError(400, 20001, "a quick-reply action's type is QUICK_REPLY")
        _text_field(action.get("title"), "action title", 20)
    _ids([a.get("id") for a in actions])


def _check_list_picker(value: Any) -> None:
    if not isinstance(value, dict):
        raise TwilioError(400, 20001, "twilio/list-picker must be an object")
    _text_field(value.get("body"), "twilio/list-picker body", 1024)
    _text_field(value.get("button"), "twilio/list-picker button", 20)
    items = value.get("items")
    if not isinstance(items, list) or not 1 <= len(items) <= 10:
        raise TwilioError(400, 20001, "twilio/list-picker needs 1 to 10 items")
    for item in items:
        if not isinstance(item, dict):
            raise TwilioError(400, 20001, "an item must be an object")
        _text_field(item.get("item"), "item", 24)
        if item.get("description") is not None:
            _text_field(item["description"], "item description", 72)
    _ids([i.get("id") for i in items])


def _check_text(value: Any) -> None:
    if not isinstance(value, dict):
        raise TwilioError(400, 20001, "twilio/text must be an object")
    _text_field(value.get("body"), "twilio/text body", 1600)


_TYPE_CHECKS: dict[str, Callable[[Any], None]] = {
    "twilio/quick-reply": _check_quick_reply,
    "twilio/list-picker": _check_list_picker,
    "twilio/text": _check_text,
}


class ContentAndMedia:
    """The Content API and media HEAD half of :class:`tests.support.fake_twilio.FakeTwilio`."""

    account_sid: str
    auth_token: str
    requests: list[Any]
    contents: dict[str, dict[str, Any]]
    content_requests: list[dict[str, Any]]
    media: dict[str, tuple[int, str]]
    _lock: threading.Lock
    _release: threading.Event
    _script: Any

    def new_record(self, resource: str, auth: tuple[str, str] | None) -> Any:
        raise NotImplementedError  # FakeTwilio records it with the Messages and Calls

    def hang_content(self) -> None:
        """The next Content API create gets no answer (until :meth:`release`)."""
        self._script.content_fail.append((HANG, 0))

    def fail_content(self, status: int = 500, code: int = 20500, times: int = 1) -> None:
        """The next ``times`` Content API creates fail with this error."""
        self._script.content_fail += [(status, code)] * times

    def add_media(self, size: int, content_type: str = "image/jpeg") -> str:
        """A customer's attachment Twilio holds: its ``MediaUrl`` as the webhook gives it
        (``https://api.twilio.com/...``; a HEAD with the account's auth says its size)."""
        path = (
            f"/2010-04-01/Accounts/{self.account_sid}/Messages/MM{secrets.token_hex(16)}"
            f"/Media/ME{secrets.token_hex(16)}"
        )
        self.media[path] = (size, content_type)
        return API + path

    def handle_content(self, headers: Any, body: bytes) -> tuple[int, dict[str, Any]]:
        """``POST /v1/Content``, checked as the Content API checks a create."""
        auth = basic_auth(headers.get("Authorization", ""))
        record = self.new_record("Content", auth)
        if auth != (self.account_sid, self.auth_token):
            record.status = 401
            return 401, error_body(401, 20003, "Authenticate")
        try:
            if headers.get("Content-Type") != "application/json":
                raise TwilioError(400, 20001, "expected a JSON body")
            try:
                data = json.loads(body)
            except ValueError:
                raise TwilioError(400, 20001, "the body is not JSON") from None
            with self._lock:
                self.content_requests.append(data)
                failing = self._script.content_fail.pop(0) if self._script.content_fail else None
            if failing and failing[0] == HANG:
                self._release.wait(5)  # no answer until the client has given up
                raise TwilioError(500, 20500, "hung")
            if failing:
                raise TwilioError(failing[0], failing[1], "Content API error")
            created = check_content(data)
        except TwilioError as err:
            record.status = err.status
            return err.status, error_body(err.status, err.code, err.message)
        sid = "HX" + secrets.token_hex(16)
        now = datetime.now(UTC).isoformat()
        result = {
            "sid": sid, "account_sid": self.account_sid, "date_created": now, "date_updated": now,
            "url": f"https://content.twilio.com/v1/Content/{sid}", "links": {}, **created,
        }  # fmt: skip
        with self._lock:
            self.contents[sid] = created
            record.status, record.sid = 201, sid
        return 201, result

    def handle_head(self, path: str, headers: Any) -> tuple[int, dict[str, str]]:
        """HEAD on a media URL: 307 to the stored file (auth required), which has a length."""
        if path.startswith("/_media/"):
            found = self.media.get(path.removeprefix("/_media"))
            if found is None:
                return 404, {}
            return 200, {"Content-Length": str(found[0]), "Content-Type": found[1]}
        if not _MEDIA.match(path) or path not in self.media:
            return 404, {}
        if basic_auth(headers.get("Authorization", "")) != (self.account_sid, self.auth_token):
            return 401, {}
        return 307, {"Location": f"/_media{path}"}


def error_body(status: int, code: int, message: str) -> dict[str, Any]:
    return {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }


def basic_auth(header: str) -> tuple[str, str] | None:
    if not header.startswith("Basic "):
        return None
    try:
        user, _, password = base64.b64decode(header[6:]).decode().partition(":")
    except ValueError:
        return None
    return user, password
