"""Reading conversation tests (``flows/tests/*.yml``), Rasa end-to-end style.

```yaml
tests:
  - test: verify my number by SMS, in Indonesian
    channel: whatsapp            # or sms
    sender: "+6281100000001"
    name: Budi                   # WhatsApp profile name (optional)
    locale: id                   # start in this language (optional)
    steps:
      - user: verifikasi
      - bot: {template: verify_number/choose_channel, buttons: [SMS, Telepon, WhatsApp]}
      - tap: SMS                 # a quick-reply button, by its title
      - otp_sent: {channel: sms}
      - user: "{{ otp }}"        # the code just sent, read from the sandbox outbox
      - bot: /terverifikasi/      # a regular expression between slashes
      - session: {code_channel: sms}
  - test: an order the back end knows
    http:                        # what the flows' http steps get (a real loopback server)
      /orders/lookup: {status: 200, json: {found: true, amount: 150000}}
      /orders/confirm: down      # no answer at all: the on_error branch
    steps:
      - user: bayar
      - http_called: {path: /orders/lookup, body: {order: "00123456"}}
```

A file that cannot be read as tests is reported like a broken flow, as
``file:line:col: message``; nothing runs until it is fixed.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.content.messages import Channel
from app.content.source import Document, NodePath, Problem, Where, display_name, read_yaml
from app.flow_tests.backend_double import DOWN, HttpAnswer

DEFAULT_SENDER = "+6281100000001"
_E164 = re.compile(r"^\+[1-9]\d{7,14}$")
#: A language code as in SANDI_LOCALES; the runner answers in it if the server speaks it.
_LOCALE = re.compile(r"^[a-z]{2,3}$")
CASE_KEYS = ("test", "channel", "sender", "name", "locale", "http", "steps")
STEP_KINDS = ("user", "tap", "bot", "no_reply", "otp_sent", "session", "http_called")
BOT_KEYS = ("text", "matches", "contains", "template", "buttons")


@dataclass(frozen=True)
class BotExpect:
    """What one message from the bot must be (any of these that are given)."""

    text: str | None = None
    pattern: re.Pattern[str] | None = None
    contains: str | None = None
    template: str | None = None
    buttons: tuple[str, ...] | None = None

    def describe(self) -> str:
        parts = []
        if self.text is not None:
            parts.append(repr(self.text))
        if self.pattern is not None:
            parts.append(f"/{self.pattern.pattern}/")
        if self.contains is not None:
            parts.append(f"text containing {self.contains!r}")
        if self.template is not None:
            parts.append(f"template {self.template}")
        if self.buttons is not None:
            parts.append(f"buttons {list(self.buttons)}")
        return ", ".join(parts)


@dataclass(frozen=True)
class Step:
    kind: str
    where: Where
    text: str = ""
    expect: BotExpect | None = None
    channel: str | None = None
    to: str | None = None
    values: dict[str, Any] = field(default_factory=dict)
    #: ``http_called``: the back-end path the flow must have called.
    route: str | None = None


@dataclass(frozen=True)
class Case:
    name: str
    where: Where
    channel: Channel
    sender: str
    profile_name: str | None
    locale: str | None
    steps: tuple[Step, ...]
    #: What each back-end path answers in this test; None: the configured back end.
    http: dict[str, HttpAnswer] | None = None


def case_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.glob("*.y*ml") if p.suffix in (".yml", ".yaml"))


def load_cases(path: Path, root: Path | None = None) -> tuple[list[Case], list[Problem]]:
    doc = read_yaml(path, display_name(path, root))
    if isinstance(doc, Problem):
        return [], [doc]
    reader = _Reader(doc)
    cases = reader.cases()
    return cases, reader.problems


class _Reader:
    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self.problems: list[Problem] = []

    def problem(self, path: NodePath, message: str, *, key: bool = False) -> None:
        self.problems.append(self.doc.problem(path, message, key=key))

    def cases(self) -> list[Case]:
        data = self.doc.data
        if not isinstance(data, dict) or not isinstance(data.get("tests"), list):
            self.problem((), "a test file needs 'tests:', a list of '- test: name' entries")
            return []
        self._unknown(data, (), ("tests",))
        cases = []
        names: dict[str, Where] = {}
        for index, raw in enumerate(data["tests"]):
            case = self._case(("tests", index), raw)
            if case is None:
                continue
            if case.name in names:
                self.problem(
                    ("tests", index, "test"),
                    f"test '{case.name}' is named twice (first at {names[case.name]})",
                )
            names.setdefault(case.name, case.where)
            cases.append(case)
        return cases

    def _unknown(self, data: dict[str, Any], path: NodePath, allowed: tuple[str, ...]) -> bool:
        bad = False
        for key in data:
            if key not in allowed:
                close = difflib.get_close_matches(key, allowed, n=1)
                hint = (
                    f"; did you mean '{close[0]}'?"
                    if close
                    else f" (allowed: {', '.join(allowed)})"
                )
                self.problem((*path, key), f"unknown key '{key}'{hint}", key=True)
                bad = True
        return bad

    def _case(self, path: NodePath, raw: Any) -> Case | None:
        if not isinstance(raw, dict) or not isinstance(raw.get("test"), str):
            self.problem(path, "each test starts with 'test: <what it checks>'")
            return None
        before = len(self.problems)
        self._unknown(raw, path, CASE_KEYS)
        channel = str(raw.get("channel", "whatsapp"))
        if channel not in ("whatsapp", "sms"):
            self.problem((*path, "channel"), f"channel must be whatsapp or sms, not {channel!r}")
        sender = str(raw.get("sender", DEFAULT_SENDER))
        if not _E164.match(sender):
            self.problem(
                (*path, "sender"), f"sender must be a number like +6281234567890, not {sender!r}"
            )
        locale = raw.get("locale")
        if locale is not None and not (isinstance(locale, str) and _LOCALE.match(locale)):
            self.problem(
                (*path, "locale"),
                f"locale must be a language code such as id or en, not {locale!r}",
            )
        steps_raw = raw.get("steps")
        if not isinstance(steps_raw, list) or not steps_raw:
            self.problem(path, "a test needs 'steps:', a list starting with '- user: ...'")
            steps_raw = []
        steps = [self._step((*path, "steps", i), s) for i, s in enumerate(steps_raw)]
        http = self._http((*path, "http"), raw["http"]) if "http" in raw else None
        if len(self.problems) > before:
            return None
        name = raw.get("name")
        return Case(
            name=raw["test"],
            where=self.doc.where((*path, "test")),
            channel=Channel(channel),
            sender=sender,
            profile_name=(str(name) if name else "Budi") if channel == "whatsapp" else None,
            locale=locale,
            steps=tuple(s for s in steps if s is not None),
            http=http,
        )

    def _step(self, path: NodePath, raw: Any) -> Step | None:
        if not isinstance(raw, dict) or len(raw) != 1:
            self.problem(path, f"a step is one of: {', '.join(k + ':' for k in STEP_KINDS)}")
            return None
        ((kind, value),) = raw.items()
        # An empty value (``no_reply:``) has no place of its own; its key has.
        where = self.doc.where((*path, kind), key=value is None)
        if kind not in STEP_KINDS:
            close = difflib.get_close_matches(kind, STEP_KINDS, n=1)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            self.problem((*path, kind), f"unknown kind of step '{kind}'{hint}", key=True)
            return None
        if kind in ("user", "tap"):
            if value is None or isinstance(value, dict | list):
                self.problem((*path, kind), f"'{kind}' needs the text the customer sends")
                return None
            return Step(kind, where, text=str(value))
        if kind == "bot":
            expect = self._expect((*path, kind), value)
            return Step(kind, where, expect=expect) if expect else None
        if kind == "no_reply":
            return Step(kind, where)
        if kind == "otp_sent":
            spec = {"channel": value} if isinstance(value, str) else value
            known = ("channel", "to", "contains")
            if not isinstance(spec, dict) or self._unknown(spec, (*path, kind), known):
                self.problem((*path, kind), "otp_sent needs {channel: sms} (and maybe to: ...)")
                return None
            to, contains = spec.get("to"), spec.get("contains")
            return Step(
                kind, where, channel=spec.get("channel"), to=str(to) if to else None,
                text=str(contains) if contains is not None else "",
            )  # fmt: skip
        if kind == "http_called":
            return self._http_called((*path, kind), where, value)
        if not isinstance(value, dict) or not value:
            self.problem((*path, kind), "session needs {variable: value, ...}")
            return None
        return Step(kind, where, values=dict(value))

    def _expect(self, path: NodePath, value: Any) -> BotExpect | None:
        if isinstance(value, str | int | float) and not isinstance(value, bool):
            text = str(value)
            if len(text) > 1 and text.startswith("/") and text.endswith("/"):
                pattern = self._regex(path, text[1:-1])
                return BotExpect(pattern=pattern) if pattern else None
            return BotExpect(text=text)
        if not isinstance(value, dict) or not value:
            self.problem(path, "bot needs the text, a /pattern/, or {template: name}")
            return None
        if self._unknown(value, path, BOT_KEYS):
            return None
        pattern = None
        if "matches" in value:
            pattern = self._regex((*path, "matches"), str(value["matches"]))
            if pattern is None:
                return None
        buttons = value.get("buttons")
        if buttons is not None and not isinstance(buttons, list):
            self.problem((*path, "buttons"), "buttons must be a list of titles")
            return None
        return BotExpect(
            text=str(value["text"]) if "text" in value else None,
            pattern=pattern,
            contains=str(value["contains"]) if "contains" in value else None,
            template=str(value["template"]) if "template" in value else None,
            buttons=tuple(str(b) for b in buttons) if buttons is not None else None,
        )

    def _regex(self, path: NodePath, source: str) -> re.Pattern[str] | None:
        try:
            return re.compile(source, re.DOTALL)
        except re.error as err:
            self.problem(path, f"not a valid regular expression: {err}")
            return None

    def _http(self, path: NodePath, raw: Any) -> dict[str, HttpAnswer] | None:
        """``/path: {status: 200, json: {...}}`` or ``/path: down``, per back-end path."""
        usage = "http needs '/path: {status: 200, json: {...}}' or '/path: down' lines"
        if not isinstance(raw, dict) or not raw:
            self.problem(path, usage)
            return None
        answers: dict[str, HttpAnswer] = {}
        for key, spec in raw.items():
            where: NodePath = (*path, key)
            route = "/" + str(key).lstrip("/")
            if spec == DOWN:
                answers[route] = HttpAnswer(down=True)
                continue
            if not isinstance(spec, dict):
                self.problem(where, usage)
                continue
            if self._unknown(spec, where, ("status", "json")):
                continue
            status = spec.get("status", 200)
            if not isinstance(status, int) or isinstance(status, bool) or not 100 <= status <= 599:
                self.problem(
                    (*where, "status"),
                    f"status must be an HTTP status such as 200 or 404, not {status!r}",
                )
                continue
            answers[route] = HttpAnswer(status=status, body=spec.get("json", {}))
        return answers

    def _http_called(self, path: NodePath, where: Where, value: Any) -> Step | None:
        spec = {"path": value} if isinstance(value, str) else value
        if (
            not isinstance(spec, dict)
            or "path" not in spec
            or self._unknown(spec, path, ("path", "body"))
            or not isinstance(spec.get("body", {}), dict)
        ):
            self.problem(path, "http_called needs {path: /orders/lookup} (and maybe body: {...})")
            return None
        route = "/" + str(spec["path"]).lstrip("/")
        return Step("http_called", where, route=route, values=dict(spec.get("body") or {}))
