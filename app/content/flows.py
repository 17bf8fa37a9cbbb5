"""The flow model: what the YAML says, checked and frozen.

The loader (:mod:`app.content.loader`) builds these from ``flows/*.yml``;
the engine (:mod:`app.conversation.engine`) only ever reads them. Every node
remembers where it was written, so problems found later still point at the
line a marketer has to change.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from app.config import LOCALES
from app.content.expressions import Expression, Value
from app.content.source import Where

#: Kinds of answer an ``ask`` step accepts.
EXPECT = ("text", "number", "digits", "choice", "email", "phone", "yes_no", "otp_code", "media")

#: Commands with built-in behaviour (their words may be extended in YAML).
BUILTIN_COMMANDS = (
    "menu", "cancel", "help", "agent", "stop", "start", "indonesian", "english", "resend",
)  # fmt: skip
#: The two language commands Sandi ships with; any other language of ``SANDI_LOCALES``
#: gets one by naming it ``lang_<locale>`` in ``commands:`` (``lang_jv: [basa jawa]``).
LANGUAGE_COMMANDS = {"indonesian": "id", "english": "en"}
LANGUAGE_COMMAND_PREFIX = "lang_"


def command_locale(name: str | None, locales: tuple[str, ...]) -> str | None:
    """The language a command switches to, if it is a language command of ``locales``."""
    if not name:
        return None
    locale = LANGUAGE_COMMANDS.get(name) or name.removeprefix(LANGUAGE_COMMAND_PREFIX)
    return locale if locale in locales and locale != name else None


@dataclass(frozen=True, slots=True)
class Text:
    """A short text in every language of the server (button labels, FAQ titles).

    ``texts`` maps each locale to its text; the checks make sure each locale of
    ``SANDI_LOCALES`` has one, so :meth:`get` falls back (to the first text)
    only for a locale the flows were not checked in.
    """

    texts: Mapping[str, str]

    def get(self, locale: str) -> str:
        return self.texts.get(locale) or next(iter(self.texts.values()), "")


@dataclass(frozen=True, slots=True)
class Choice:
    value: str
    label: Text
    words: tuple[str, ...] = ()
    goto: str | None = None
    goto_flow: str | None = None


@dataclass(frozen=True, kw_only=True)
class Step:
    id: str
    where: Where
    #: The step that follows when this one is done; None ends the flow.
    next: str | None = None

    @property
    def waits(self) -> bool:
        """Whether the step stops to wait for the customer's next message."""
        return False


@dataclass(frozen=True, kw_only=True)
class Say(Step):
    template: str
    #: An image or PDF sent with the text: an https URL or a file of the templates folder.
    media: str | None = None


@dataclass(frozen=True, kw_only=True)
class Ask(Step):
    template: str
    expect: str = "text"
    save_as: str | None = None
    choices: tuple[Choice, ...] = ()
    tries: int = 3
    invalid: str | None = None
    on_fail: str | None = None
    timeout: int | None = None
    on_timeout: str | None = None
    min: float | None = None
    max: float | None = None
    min_length: int | None = None
    max_length: int | None = None
    pattern: str | None = None
    #: ``expect: media``: the content types taken (empty: any) and the largest size.
    accept: tuple[str, ...] = ()
    max_bytes: int | None = None

    @property
    def waits(self) -> bool:
        return True


@dataclass(frozen=True, kw_only=True)
class Branch(Step):
    condition: Expression
    then: str
    otherwise: str | None = None


@dataclass(frozen=True, kw_only=True)
class SetVars(Step):
    values: dict[str, Value]


@dataclass(frozen=True, kw_only=True)
class Goto(Step):
    target: str


@dataclass(frozen=True, kw_only=True)
class GotoFlow(Step):
    flow: str


@dataclass(frozen=True, kw_only=True)
class End(Step):
    template: str | None = None


@dataclass(frozen=True, kw_only=True)
class Http(Step):
    path: str
    body: dict[str, Value]
    save: dict[str, str]
    timeout: float = 5.0
    on_error: str | None = None


@dataclass(frozen=True, kw_only=True)
class OtpIssue(Step):
    purpose: str
    #: With a list of channels: the first of them (a literal), ``fallback`` holds them all.
    channel: Value
    to: Value | None = None
    template: str = "otp/sent"
    on_error: str | None = None
    #: ``channel: [whatsapp, sms]``: the verification's fallback order ("the next one
    #: when the code is not delivered"); empty for a single channel.
    fallback: tuple[str, ...] = ()
    #: Payment purposes bind the code to these (PSD2 dynamic linking); both or neither.
    amount: Value | None = None
    payee: Value | None = None


@dataclass(frozen=True, kw_only=True)
class OtpConfirm(Step):
    purpose: str
    template: str = "otp/enter_code"
    invalid: str = "otp/wrong"
    tries: int = 3
    save_as: str | None = None
    on_fail: str | None = None
    on_expired: str | None = None
    timeout: int | None = None
    on_timeout: str | None = None

    @property
    def waits(self) -> bool:
        return True


@dataclass(frozen=True, kw_only=True)
class FaqAsk(Step):
    template: str
    tries: int = 3
    on_fail: str | None = None

    @property
    def waits(self) -> bool:
        return True


@dataclass(frozen=True, kw_only=True)
class Handoff(Step):
    template: str
    timeout: int | None = None
    #: The step the bot runs when no staff member replied in time (SANDI_HANDOFF_REPLY_TIMEOUT).
    on_timeout: str | None = None


@dataclass(frozen=True)
class Flow:
    id: str
    where: Where
    steps: tuple[Step, ...]
    description: str = ""
    #: Trigger phrases per locale, normalised.
    triggers: dict[str, tuple[str, ...]] = field(default_factory=dict)
    buttons: tuple[str, ...] = ()

    @property
    def first(self) -> Step:
        return self.steps[0]

    def step(self, step_id: str) -> Step | None:
        for step in self.steps:
            if step.id == step_id:
                return step
        return None


@dataclass(frozen=True)
class FaqEntry:
    id: str
    where: Where
    title: Text
    questions: dict[str, tuple[str, ...]]
    answer: str


@dataclass(frozen=True)
class Commands:
    """Whole-message words per command; ``flows`` says which flow a command starts."""

    words: dict[str, tuple[str, ...]]
    flows: dict[str, str]

    def match(self, normalised: str) -> str | None:
        for name, words in self.words.items():
            if normalised in words:
                return name
        return None

    def anywhere(self, normalised: str) -> str | None:
        """The command a whole message runs wherever the customer is: ``resend``
        means something only while a code step waits, where that step reads it."""
        found = self.match(normalised)
        return None if found == "resend" else found


@dataclass(frozen=True)
class FlowSet:
    """Everything the engine runs on, loaded and checked as one."""

    flows: dict[str, Flow]
    faq: tuple[FaqEntry, ...]
    commands: Commands
    start_flow: str
    menu_flow: str
    agent_flow: str
    #: Every variable some flow sets (the engine gives each a value, None until set).
    variables: frozenset[str]
    warnings: tuple[object, ...] = ()
    #: The languages the flows were checked in (``SANDI_LOCALES``), the first the fallback.
    locales: tuple[str, ...] = LOCALES


#: Variables every template and condition may use, besides those flows set.
BUILTIN_VARS = ("name", "sender", "channel", "locale")
#: Set by the engine for the message at hand (None when they do not apply).
EXTRA_VARS = (
    "tries_left", "attempts_left", "retry_after", "otp_channel", "otp_to", "otp_amount",
    "otp_payee", "error", "media_problem", "media_types", "media_max_mb",
)  # fmt: skip

#: Templates the engine itself says (besides those the flows name).
SYSTEM_TEMPLATES = (
    "common/didnt_understand", "common/session_expired", "common/cancelled", "common/help",
    "common/opted_out", "common/opted_in", "common/language_set", "common/too_many_tries",
    "common/media", "common/empty", "common/error", "common/handoff_over",
    "common/flow_changed",
    "otp/sent", "otp/cooldown", "otp/failed", "otp/wrong", "otp/expired", "otp/enter_code",
    "otp/payment_whatsapp",
    "faq/pick", "faq/not_found",
    "button/menu", "button/agent", "button/yes", "button/no", "button/none", "button/list",
    *(f"invalid/{kind}" for kind in EXPECT),
)  # fmt: skip
