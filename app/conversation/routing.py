"""Deciding what a message means when no single step owns it.

Commands, answers to the waiting step (with a way out of a menu for a
question typed instead of a choice), and messages outside any flow: a
button from the last reply, a flow's trigger, an FAQ answer, the welcome
menu, or "I didn't understand" with a path to the menu or a person.
"""

from __future__ import annotations

from app.content import flows as f
from app.content.messages import Button, Reply
from app.content.text import has_content, has_letters, normalise
from app.conversation.answers import check_answer, match_choice, parse_otp_code
from app.conversation.dialogue import Dialogue
from app.conversation.escapes import escape
from app.conversation.faq import FaqIndex
from app.conversation.steps import Steps, pick_offered
from app.conversation.trigger_index import index_for

#: A trigger typed with a small typo ("selamat pagii") still counts.
TRIGGER_SIMILARITY = 90
#: From this many words on, a message that merely contains a flow's trigger
#: word is asked "did you mean" (FAQ entries and the flow) instead of being
#: taken into the flow.
LONG = 4


class Router:
    def __init__(self, steps: Steps, faq: FaqIndex) -> None:
        self.steps = steps
        self.faq = faq

    # -- global commands -----------------------------------------------------

    def command(self, d: Dialogue, name: str) -> None:
        flows = d.flowset
        waiting = self.steps.waiting_step(d) is not None
        if name == "stop":
            d.reset_session()
            d.profile["opted_out"] = d.ts
            d.say("common/opted_out")
        elif f.command_locale(name, flows.locales):
            d.profile["locale"] = d.locale
            d.say("common/language_set")
            if waiting:
                self.steps.reprompt(d)
            else:
                self.steps.start(d, flows.menu_flow)
        elif name == "help":
            d.say("common/help", () if waiting else d.offer(d.escape_buttons()))
            if waiting:
                self.steps.reprompt(d)
        elif name == "cancel":
            d.end_flow()
            d.say("common/cancelled", d.offer(d.escape_buttons()))
        elif name in ("menu", "start"):
            self.steps.start(d, flows.menu_flow)
        elif name == "agent":
            self.steps.start(d, flows.agent_flow)
        elif name in flows.commands.flows:
            self.steps.start(d, flows.commands.flows[name])
        else:  # a built-in word list with nothing to do (e.g. "resend" outside a code step)
            self.not_understood(d)

    # -- the step waiting for an answer ---------------------------------------

    def answer(self, d: Dialogue, step: f.Step, text: str, payload: str | None) -> None:
        if isinstance(step, f.Ask) and step.expect == "media" and d.message.media:
            self.steps.answer(d, step, text, payload)
            return
        if not has_content(text) and (d.message.media or d.message.location or not text.strip()):
            template = "common/media" if d.message.media or d.message.location else "common/empty"
            if isinstance(step, f.Ask | f.OtpConfirm | f.FaqAsk):
                buttons = self.steps.buttons(d, step) if isinstance(step, f.Ask) else ()
                self.steps.then(d, self.steps.invalid(d, step, template, buttons))
            return
        way_out = None if self._fits(d, step, text, payload) else escape(d.flowset, text)
        if way_out:
            # A way out, not a wrong answer: no try counted, the question left behind.
            self.command(d, way_out)
            return
        if (
            isinstance(step, f.Ask)
            and step.expect == "choice"
            and match_choice(step.choices, text, payload, d.locale) is None
            and self._elsewhere(d, text)
        ):
            return
        self.steps.answer(d, step, text, payload)

    def _fits(self, d: Dialogue, step: f.Step, text: str, payload: str | None) -> bool:
        """Whether the message is an answer the waiting step takes."""
        if isinstance(step, f.Ask):
            return check_answer(step, text, payload, d.locale).ok
        if isinstance(step, f.OtpConfirm):
            return parse_otp_code(text) is not None or self.steps.otp.is_resend(text)
        return False  # an FAQ question: a way out wins over a guess at an entry

    def _elsewhere(self, d: Dialogue, text: str) -> bool:
        """A menu answered with a question or another flow's words: follow the customer."""
        if len(normalise(text).split()) < 2 or not has_letters(text):
            return False
        flow = self.trigger(d, normalise(text), contained=False)
        if flow and flow != d.flow_id:
            self.steps.start(d, flow)
            return True
        result = self.faq.classify(text)
        if result.kind == "sure":
            d.end_flow()
            d.say(result.matches[0].entry.answer)
            return True
        return False

    # -- outside any flow ----------------------------------------------------

    def route(self, d: Dialogue, text: str, payload: str | None) -> None:
        first = "last_at" not in d.session
        offered = d.session.pop("offered", None)
        if payload and self.payload(d, payload):
            return
        if isinstance(offered, list):
            picked = pick_offered(offered, text, payload)
            if picked and self.payload(d, picked):
                return
        if not has_content(text):
            self.no_text(d, text, first)
            return
        norm = normalise(text)
        flow = self.trigger(d, norm, contained=False)
        if flow:
            self.steps.start(d, flow)
            return
        result = self.faq.classify(text)
        if result.kind == "sure":
            d.say(result.matches[0].entry.answer)
            return
        flow = self.trigger(d, norm, contained=True)
        menu = flow in (d.flowset.menu_flow, d.flowset.start_flow)  # a greeting, not a topic
        # An old button's title (an unknown payload) is no question: no "did you mean".
        asked = result.kind == "unsure" and not payload
        if asked and (not flow or len(norm.split()) >= LONG):
            # A long message that names a flow in passing ("...kode verifikasi
            # saya ga masuk") is more often a question: offer both.
            extra = (Button(f"flow:{flow}", self.flow_label(d, flow)),) if flow and not menu else ()
            d.say("faq/pick", d.offer(self.steps.faq_buttons(d, result.matches, extra)))
            return
        if flow:
            self.steps.start(d, flow)
            return
        if first:
            self.steps.start(d, d.flowset.start_flow)
            return
        self.not_understood(d)

    def no_text(self, d: Dialogue, text: str, first: bool) -> None:
        """Media, a location, an empty body or only emoji."""
        if d.message.media or d.message.location:
            d.say("common/media")
        elif not text.strip():
            d.say("common/empty")
        if first:
            self.steps.start(d, d.flowset.start_flow)
        elif d.replies:
            last = d.replies[-1]
            d.replies[-1] = Reply(last.text, d.offer(d.escape_buttons()), last.media, d.locale)
        else:
            self.not_understood(d)

    def flow_label(self, d: Dialogue, flow_id: str) -> str:
        """What the main menu calls a flow, or its first trigger phrase."""
        menu = d.flowset.flows.get(d.flowset.menu_flow)
        for step in menu.steps if menu else ():
            for choice in step.choices if isinstance(step, f.Ask) else ():
                if choice.goto_flow == flow_id:
                    return choice.label.get(d.locale)
        phrases = d.flowset.flows[flow_id].triggers.get(d.locale) or (flow_id,)
        return phrases[0].capitalize()

    def not_understood(self, d: Dialogue) -> None:
        d.say("common/didnt_understand", d.offer(d.escape_buttons()))

    def payload(self, d: Dialogue, payload: str) -> bool:
        """A button from an earlier reply (or a campaign) that is not for the waiting step."""
        kind, _, value = payload.partition(":")
        if kind == "cmd" and value in d.flowset.commands.words:
            self.command(d, value)
            return True
        if kind == "faq":
            entry = self.faq.get(value)
            if entry is None:
                self.not_understood(d)
            else:
                d.say(entry.answer)
            return True
        flow_id = value if kind == "flow" else None
        for flow in d.flowset.flows.values():
            if payload in flow.buttons:
                flow_id = flow.id
        if flow_id in d.flowset.flows:
            self.steps.start(d, flow_id)
            return True
        return False

    def trigger(self, d: Dialogue, norm: str, *, contained: bool) -> str | None:
        """The flow ``norm`` triggers: a phrase exactly, contained as words, or nearly
        (app.conversation.trigger_index: indexed once per loaded flow set)."""
        return index_for(d.flowset).find(norm, contained=contained, similarity=TRIGGER_SIMILARITY)
