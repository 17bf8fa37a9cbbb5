"""Running flow steps: entering them, and handling the answer to the waiting one.

A turn runs steps from where the customer is until one waits for an answer
(``ask``, ``otp_confirm``, ``faq``) or the flow ends. Steps that fail in the
world (a back end down, a code not sent) take their error branch; answers
that do not fit take the step's tries and then its fallback. Whatever
happens, the customer hears something and is never left inside a step that
cannot move.
"""

from __future__ import annotations

import logging
from typing import Any

from app.content import flows as f
from app.content.expressions import safe_evaluate
from app.content.messages import Button
from app.content.text import normalise
from app.conversation.answers import check_answer
from app.conversation.dialogue import Dialogue
from app.conversation.faq import FaqIndex
from app.conversation.go import END, STOP, WAIT, Go
from app.conversation.handoff_state import append_log, history_entries
from app.conversation.media_answers import check_media, refusal_context
from app.conversation.otp_steps import OtpSteps
from app.conversation.ports import Backend

log = logging.getLogger(__name__)

#: Steps one message may run through; the loader rejects loops that never
#: wait, so reaching this means something unforeseen: stop safely.
MAX_STEPS_PER_TURN = 100
DEFAULT_HANDOFF = 4 * 3600


class Steps:
    def __init__(
        self, faq: FaqIndex, otp: OtpSteps, backend: Backend, handoff_timeout: int = DEFAULT_HANDOFF
    ) -> None:
        self.faq = faq
        self.otp = otp
        self.backend = backend
        self.handoff_timeout = handoff_timeout

    # -- running -------------------------------------------------------------

    def start(self, d: Dialogue, flow_id: str) -> None:
        d.end_flow()
        self.run(d, flow_id, None)

    def run(self, d: Dialogue, flow_id: str, step_id: str | None) -> None:
        flow = d.flowset.flows[flow_id]
        current: str | None = step_id or flow.first.id
        for _ in range(MAX_STEPS_PER_TURN):
            step = flow.step(current) if current else None
            if step is None:
                d.end_flow()
                return
            go = self.enter(d, flow, step)
            if go.wait:
                d.wait(flow.id, step.id)
                return
            if go.stop:
                d.end_flow()
                return
            if go.flow:
                flow = d.flowset.flows[go.flow]
                current = flow.first.id
                continue
            current = go.step
        log.error("flow %s ran %d steps in one turn; stopping it", flow.id, MAX_STEPS_PER_TURN)
        d.end_flow()
        d.say("common/error", d.escape_buttons())

    def then(self, d: Dialogue, go: Go) -> None:
        """Continue after an answer was handled."""
        flow_id = d.flow_id
        if go.wait or flow_id is None:
            return
        if go.stop:
            d.end_flow()
        elif go.flow:
            self.start(d, go.flow)
        elif go.step:
            self.run(d, flow_id, go.step)
        else:
            d.end_flow()

    def enter(self, d: Dialogue, flow: f.Flow, step: f.Step) -> Go:
        if isinstance(step, f.Say):
            d.say(step.template, media=step.media)
            return Go(step.next)
        if isinstance(step, f.Ask):
            d.say(step.template, self.buttons(d, step))
            return WAIT
        if isinstance(step, f.Branch):
            value, error = safe_evaluate(step.condition, d.context())
            if error:
                log.warning("condition %r in %s failed: %s", step.condition.source, flow.id, error)
            return Go(step.then) if value else Go(step.otherwise or step.next)
        if isinstance(step, f.SetVars):
            for name, expression in step.values.items():
                value, error = safe_evaluate(expression, d.context())
                if error:
                    log.warning("value of %s in %s failed: %s", name, flow.id, error)
                d.set_var(name, value)
            return Go(step.next)
        if isinstance(step, f.Goto):
            return Go(step.target)
        if isinstance(step, f.GotoFlow):
            return Go(flow=step.flow)
        if isinstance(step, f.End):
            if step.template:
                d.say(step.template)
            return END
        if isinstance(step, f.Http):
            return self.http(d, step)
        if isinstance(step, f.OtpIssue):
            return self.otp.issue(d, step)
        if isinstance(step, f.OtpConfirm | f.FaqAsk):
            d.say(step.template)
            return WAIT
        if isinstance(step, f.Handoff):
            return self.handoff(d, step, flow.id)
        raise TypeError(f"unknown step {step!r}")  # pragma: no cover - the loader builds only these

    def reprompt(self, d: Dialogue) -> None:
        """Say the waiting step's question again (after help or a language switch)."""
        step = self.waiting_step(d)
        if isinstance(step, f.Ask):
            d.say(step.template, self.buttons(d, step))
        elif isinstance(step, f.OtpConfirm | f.FaqAsk):
            d.say(step.template)

    def waiting_step(self, d: Dialogue) -> f.Step | None:
        flow = d.flowset.flows.get(d.flow_id or "")
        step = flow.step(d.step_id or "") if flow else None
        return step if step is not None and step.waits else None

    # -- answers -------------------------------------------------------------

    def answer(self, d: Dialogue, step: f.Step, text: str, payload: str | None) -> None:
        if isinstance(step, f.Ask):
            go = self.answer_ask(d, step, text, payload)
        elif isinstance(step, f.OtpConfirm):
            go = self.otp.confirm(d, step, text, self)
        elif isinstance(step, f.FaqAsk):
            go = self.answer_faq(d, step, text, payload)
        else:  # pragma: no cover - waiting_step only returns these
            go = END
        self.then(d, go)

    def answer_ask(self, d: Dialogue, step: f.Ask, text: str, payload: str | None) -> Go:
        if step.expect == "media":
            return self.answer_media(d, step)
        answer = check_answer(step, text, payload, d.locale)
        if not answer.ok:
            return self.invalid(
                d, step, step.invalid or f"invalid/{step.expect}", self.buttons(d, step)
            )
        if step.save_as:
            d.set_var(step.save_as, answer.value)
        for choice in step.choices:
            if choice.value == answer.value:
                if choice.goto_flow:
                    return Go(flow=choice.goto_flow)
                if choice.goto:
                    return Go(choice.goto)
        return Go(step.next)

    def answer_media(self, d: Dialogue, step: f.Ask) -> Go:
        """A photo or document: saved as ``{url, content_type, size}``, or said why not."""
        answer = check_media(step, d.message.media)
        if answer.value is None:
            context = refusal_context(step, answer.reason or "missing")
            return self.invalid(d, step, step.invalid or "invalid/media", **context)
        if step.save_as:
            d.set_var(step.save_as, answer.value)
        return Go(step.next)

    def invalid(
        self,
        d: Dialogue,
        step: f.Ask | f.OtpConfirm | f.FaqAsk,
        template: str,
        buttons: tuple[Button, ...] = (),
        **extra: Any,
    ) -> Go:
        """Count a try; say why it did not work, or take the fallback when tries run out."""
        tries = int(d.session.get("tries") or 0) + 1
        d.session["tries"] = tries
        if tries >= step.tries:
            d.session["tries"] = 0
            if step.on_fail:
                return Go(step.on_fail)
            d.say("common/too_many_tries", d.offer(d.escape_buttons()))
            return STOP
        d.say(template, buttons, tries_left=step.tries - tries, **extra)
        return WAIT

    def answer_faq(self, d: Dialogue, step: f.FaqAsk, text: str, payload: str | None) -> Go:
        picks = d.session.get("faq_pick")
        if isinstance(picks, list) and picks:
            entry_id = pick_offered(picks, text, payload)
            d.session.pop("faq_pick", None)
            entry = self.faq.get(entry_id.removeprefix("faq:")) if entry_id else None
            if entry is not None:
                d.say(entry.answer)
                return Go(step.next)
            if entry_id == "faq:none":
                return self.invalid(d, step, "faq/not_found", d.escape_buttons())
        result = self.faq.classify(text)
        if result.kind == "sure":
            d.say(result.matches[0].entry.answer)
            return Go(step.next)
        if result.kind == "unsure":
            buttons = self.faq_buttons(d, result.matches)
            d.session["faq_pick"] = [[b.payload, b.title] for b in buttons]
            d.say("faq/pick", buttons)
            return WAIT
        return self.invalid(d, step, "faq/not_found", d.escape_buttons())

    def faq_buttons(
        self, d: Dialogue, matches: tuple[Any, ...], extra: tuple[Button, ...] = ()
    ) -> tuple[Button, ...]:
        picks = tuple(Button(f"faq:{m.entry.id}", m.entry.title.get(d.locale)) for m in matches[:3])
        return (*picks, *extra, Button("faq:none", d.label("none")))

    # -- world ---------------------------------------------------------------

    def http(self, d: Dialogue, step: f.Http) -> Go:
        payload = {}
        for name, expression in step.body.items():
            value, error = safe_evaluate(expression, d.context())
            if error:
                log.warning("http body field %s failed: %s", name, error)
            payload[name] = value
        result = self.backend.call(
            step.path, payload, conversation_id=d.conversation.id, timeout=step.timeout
        )
        if not result.ok:
            d.extra["error"] = result.error
            if step.on_error:
                return Go(step.on_error)
            d.say("common/error", d.offer(d.escape_buttons()))
            return END
        for name, path in step.save.items():
            d.set_var(name, dig(result.data, path))
        return Go(step.next)

    def handoff(self, d: Dialogue, step: f.Handoff, flow_id: str) -> Go:
        d.say(step.template)
        until = d.ts + (step.timeout or self.handoff_timeout)
        handoff: dict[str, Any] = {
            "since": d.ts, "until": until, "flow": flow_id, "on_timeout": step.on_timeout,
            "locale": d.locale, "name": d.message.profile_name or "",
            "log": history_entries(d.session),
        }  # fmt: skip
        if d.message.body and not d.session.get("history"):
            append_log(handoff, d.ts, "customer", d.message.body)
        for reply in d.replies:
            append_log(handoff, d.ts, "bot", reply.text)
        d.profile["handoff"] = handoff
        return STOP

    def buttons(self, d: Dialogue, step: f.Ask) -> tuple[Button, ...]:
        if step.expect == "choice":
            return tuple(Button(c.value, c.label.get(d.locale)) for c in step.choices)
        if step.expect == "yes_no":
            return (Button("yes", d.label("yes")), Button("no", d.label("no")))
        return ()


def pick_offered(offered: list[Any], text: str, payload: str | None) -> str | None:
    """The payload of an offered button the customer tapped, numbered or named."""
    pairs = [(str(p), str(t)) for p, t in offered if isinstance(p, str)]
    if payload and any(payload == p for p, _ in pairs):
        return payload
    norm = normalise(text)
    if norm.isdigit() and 1 <= int(norm) <= len(pairs):
        return pairs[int(norm) - 1][0]
    for p, title in pairs:
        if norm and norm == normalise(title):
            return p
    return None


def dig(data: Any, path: str) -> Any:
    """``"customer.email"`` in a JSON response; None when any part is missing."""
    for part in path.split("."):
        if isinstance(data, dict):
            data = data.get(part)
        elif isinstance(data, list) and part.isdigit() and int(part) < len(data):
            data = data[int(part)]
        else:
            return None
    return data
