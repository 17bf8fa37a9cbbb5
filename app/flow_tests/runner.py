"""Running conversation tests through the real, signed webhook.

Each test starts a fresh conversation for its sender (and empties that
sender's sandbox outbox), then plays its steps through
:class:`app.flow_tests.driver.Simulator`: the same signature check, dedupe, lock,
flows and Redis a customer's message goes through. A test stops at its first
failing step, since the rest of the conversation depends on it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import jinja2

from app.content.messages import Reply, conversation_id
from app.content.source import Where
from app.content.template_safety import sandboxed
from app.edges.backend import HttpBackend, call_budget
from app.flow_tests.backend_double import BackendDouble
from app.flow_tests.cases import Case, Step
from app.flow_tests.driver import Simulator
from app.flow_tests.matching import match
from app.otp.destinations import parse_destination
from app.otp.errors import OtpError
from app.wiring.services import Services

_VALUES = sandboxed(undefined=jinja2.StrictUndefined, autoescape=False)


@dataclass(frozen=True)
class Failure:
    where: Where
    message: str
    details: tuple[str, ...] = ()


@dataclass
class CaseResult:
    case: Case
    failure: Failure | None = None
    #: The conversation so far, for the report: ("you"|"bot"|"outbox", text).
    transcript: list[tuple[str, str]] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return self.failure is None


class _Failed(Exception):
    def __init__(self, failure: Failure) -> None:
        self.failure = failure


class CaseRunner:
    def __init__(self, simulator: Simulator, services: Services) -> None:
        self.sim = simulator
        self.services = services
        #: Started by the first test that declares ``http:`` answers; :meth:`close` stops it.
        self.backend: BackendDouble | None = None

    def close(self) -> None:
        if self.backend is not None:
            self.backend.close()
            self.backend = None

    def run(self, case: Case) -> CaseResult:
        result = CaseResult(case)
        state = _State(case)
        profile = {"locale": case.locale} if case.locale else {}
        self.sim.reset(case.channel, case.sender, profile)
        for address in {case.sender, *(s.to for s in case.steps if s.to)}:
            if address:
                self.services.outbox.clear(address)
                self._lift_send_limit(address)
        cid = conversation_id(case.channel, case.sender)
        if case.http is not None:
            self._backend().answer(case.http)
            self.services.backend.route(cid, self._adapter())
        try:
            for step in case.steps:
                self._step(step, state, result)
        except _Failed as failed:
            result.failure = failed.failure
        finally:
            self.services.backend.route(cid, None)
        return result

    def _backend(self) -> BackendDouble:
        if self.backend is None:
            self.backend = BackendDouble(self.services.settings.secret_key)
        return self.backend

    def _adapter(self) -> HttpBackend:
        """The real signed adapter, pointed at the loopback back end."""
        settings = self.services.settings
        return HttpBackend(
            self._backend().url, settings.secret_key, max_timeout=call_budget(settings.lock_timeout)
        )

    def _lift_send_limit(self, address: str) -> None:
        """Forget the test address's code sends, so tests can run many times an hour.

        The OTP service allows a number only so many codes an hour (SMS
        pumping); a test number is not a customer, and every run starts it afresh.
        """
        otp = self.services.otp
        reset = getattr(otp.limiter, "reset", None)
        if reset is None:
            return
        try:
            dest = parse_destination(address, "email" if "@" in address else "sms")
        except OtpError:
            return
        reset(otp.hasher.destination(dest.address))

    def _step(self, step: Step, state: _State, result: CaseResult) -> None:
        if step.kind in ("user", "tap"):
            self._send(step, state, result)
        elif step.kind == "bot":
            if not state.pending:
                raise _Failed(
                    Failure(step.where, "expected a reply, but the bot said nothing (more)")
                )
            reply = state.pending[0]
            assert step.expect is not None
            outcome = match(
                step.expect,
                reply.text[state.offset :],
                reply.buttons,
                self._templates(),
                self._locale(state),
            )
            if outcome.end is None:
                raise _Failed(Failure(step.where, outcome.problems[0], outcome.problems[1:]))
            state.consume(outcome.end)
        elif step.kind == "no_reply":
            if state.pending:
                said = [line for r in state.pending for line in _quote(r.text)]
                raise _Failed(Failure(step.where, "expected no reply, the bot said:", tuple(said)))
        elif step.kind == "otp_sent":
            self._otp_sent(step, state, result)
        elif step.kind == "session":
            self._session(step, state)
        elif step.kind == "http_called":
            self._http_called(step, state)

    def _send(self, step: Step, state: _State, result: CaseResult) -> None:
        case = state.case
        button = None
        if step.kind == "tap":
            button = _find_button(state.buttons, step.text)
            if button is None:
                titles = [b[1] for b in state.buttons] or ["(none)"]
                raise _Failed(
                    Failure(
                        step.where,
                        f"no button {step.text!r}; the last buttons were:",
                        tuple(titles),
                    )
                )
            body = button[1]
            if case.channel.value == "sms":
                # SMS shows buttons as a numbered list: the customer types the number.
                body, button = str(state.buttons.index(button) + 1), None
        else:
            body = self._fill(step, state)
        state.outbox_seen = {a: len(self.services.outbox.read(a)) for a in state.addresses()}
        exchange = self.sim.send(
            case.channel, case.sender, body, profile_name=case.profile_name, button=button
        )
        result.transcript.append(("you", body))
        if exchange.status != 200:
            raise _Failed(
                Failure(
                    step.where,
                    f"the webhook answered HTTP {exchange.status}",
                    (exchange.twiml[:300],),
                )
            )
        state.pending = [r for r in exchange.replies if r.text.strip() or r.buttons]
        state.offset = 0
        state.buttons = [(b.payload, b.title) for r in exchange.replies for b in r.buttons]
        result.transcript += [("bot", r.text) for r in exchange.replies]
        if self.backend is not None and state.case.http is not None:
            calls = self.backend.calls[state.calls_seen :]
            state.calls_seen += len(calls)
            result.transcript += [("http", f"POST {c.path} {c.body!r}") for c in calls]

    def _fill(self, step: Step, state: _State) -> str:
        if "{{" not in step.text and "{%" not in step.text:
            return step.text
        try:
            return _VALUES.from_string(step.text).render(state.values)
        except jinja2.UndefinedError as err:
            known = ", ".join(sorted(state.values))
            raise _Failed(Failure(step.where, f"{err.message}; known here: {known}")) from None
        except jinja2.TemplateError as err:
            raise _Failed(Failure(step.where, f"cannot fill in {step.text!r}: {err}")) from None

    def _otp_sent(self, step: Step, state: _State, result: CaseResult) -> None:
        address = step.to or state.case.sender
        entries = self.services.outbox.read(address)[state.outbox_seen.get(address, 0) :]
        found = [
            e
            for e in entries
            if "code" in e
            and (not step.channel or e.get("channel") == step.channel)
            and step.text in _said(e)
        ]
        if not found:
            seen = [f"[{e.get('channel')}] {str(e.get('body', ''))[:80]}" for e in entries] or [
                "(nothing)"
            ]
            what = f" by {step.channel}" if step.channel else ""
            what += f" saying {step.text!r}" if step.text else ""
            raise _Failed(
                Failure(
                    step.where, f"no code was sent{what} to {address}; the outbox got:", tuple(seen)
                )
            )
        state.values["otp"] = str(found[-1]["code"])
        result.transcript.append(("outbox", f"[{found[-1].get('channel')}] code sent to {address}"))

    def _http_called(self, step: Step, state: _State) -> None:
        if state.case.http is None or self.backend is None:
            raise _Failed(
                Failure(step.where, "http_called needs the test's 'http:' answers (none given)")
            )
        calls = [c for c in self.backend.calls if c.path == step.route]
        for call in calls:
            body = call.body if isinstance(call.body, dict) else {}
            if all(body.get(k) == v for k, v in step.values.items()):
                if not call.signed:
                    raise _Failed(Failure(step.where, f"{call.path} was called unsigned"))
                return
        made = [f"POST {c.path} {c.body!r}" for c in self.backend.calls] or ["(none)"]
        what = f" with {step.values!r}" if step.values else ""
        raise _Failed(
            Failure(step.where, f"no call to {step.route}{what}; the calls were:", tuple(made))
        )

    def _session(self, step: Step, state: _State) -> None:
        saved = self._conversation(state).session.get("vars") or {}
        wrong = [
            f"{name}: expected {want!r}, got {saved.get(name)!r}"
            for name, want in step.values.items()
            if saved.get(name) != want
        ]
        if wrong:
            raise _Failed(Failure(step.where, "the session differs:", tuple(wrong)))

    def _conversation(self, state: _State) -> Any:
        cid = conversation_id(state.case.channel, state.case.sender)
        return self.services.turn_store.peek(cid)

    def _locale(self, state: _State) -> str:
        conversation = self._conversation(state)
        for value in (conversation.session.get("locale"), conversation.profile.get("locale")):
            if value in self.services.settings.locales:
                return str(value)
        return state.case.locale or self.services.settings.default_locale

    def _templates(self) -> Any:
        return self.services.flows.current.templates


@dataclass
class _State:
    case: Case
    pending: list[Reply] = field(default_factory=list)
    buttons: list[tuple[str, str]] = field(default_factory=list)
    values: dict[str, Any] = field(default_factory=dict)
    outbox_seen: dict[str, int] = field(default_factory=dict)
    #: How much of ``pending[0]`` earlier ``bot:`` steps have matched.
    offset: int = 0
    #: Back-end calls already in the transcript.
    calls_seen: int = 0

    def __post_init__(self) -> None:
        self.values.update(sender=self.case.sender, channel=self.case.channel.value)

    def consume(self, end: int) -> None:
        """What a ``bot:`` step matched is checked; the next step starts after it."""
        self.offset += end
        if not self.pending[0].text[self.offset :].strip():
            self.pending.pop(0)
            self.offset = 0

    def addresses(self) -> set[str]:
        return {self.case.sender, *(s.to for s in self.case.steps if s.to)}


def _find_button(buttons: Iterable[tuple[str, str]], title: str) -> tuple[str, str] | None:
    wanted = title.strip().casefold()
    return next((b for b in buttons if b[1].strip().casefold() == wanted), None)


def _quote(text: str) -> list[str]:
    return ["| " + line for line in (text.splitlines() or [""])]


def _said(entry: dict[str, Any]) -> str:
    """What an outbox entry told the customer: the SMS body, the call's words, the e-mail."""
    extra = entry.get("extra")
    subject = extra.get("subject", "") if isinstance(extra, dict) else ""
    return f"{subject} {entry.get('body') or ''}"
