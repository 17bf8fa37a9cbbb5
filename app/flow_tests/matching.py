"""Does a bot message match what a test expects? And if not, how does it differ?

``bot: {template: name}`` needs no values: the template's own text is turned
into a pattern, its ``{{ ... }}`` parts matching anything and each
``{% if %}`` matching any of its branches, so a test says "this message"
without repeating its wording (and keeps passing when a marketer rewords
it, as long as it is still that message).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass

import jinja2
from jinja2 import nodes

from app.content.messages import Button
from app.content.render import Templates
from app.flow_tests.cases import BotExpect

_ANY = "(?:.*?)"


def template_pattern(templates: Templates, name: str, locale: str) -> re.Pattern[str] | None:
    """The template (in ``locale``, else the other language) as a regular expression."""
    for candidate in (locale, *[lc for lc in templates.locales if lc != locale]):
        if templates.exists(name, candidate):
            try:
                tree = templates.env.parse(templates.source(name, candidate))
            except (OSError, jinja2.TemplateSyntaxError):
                return None
            return re.compile(_body(tree.body), re.DOTALL)
    return None


def _body(body: list[nodes.Node]) -> str:
    return "".join(_node(n) for n in body)


def _node(node: nodes.Node) -> str:
    if isinstance(node, nodes.Output):
        return "".join(
            _static(child.data) if isinstance(child, nodes.TemplateData) else _ANY
            for child in node.nodes
        )
    if isinstance(node, nodes.If):
        branches = [_body(node.body), *(_body(e.body) for e in node.elif_), _body(node.else_)]
        return "(?:" + "|".join(branches) + ")"
    if isinstance(node, nodes.For):
        return _ANY
    return ""


def _static(text: str) -> str:
    """Literal text, with any run of whitespace matching any other (render strips and trims)."""
    return "".join(
        r"\s*" if part.isspace() else re.escape(part) for part in re.split(r"(\s+)", text) if part
    )


#: The end of one message inside a turn's text: the text's end, or a blank line.
_BOUNDARY = r"(?=[ \t]*(?:\n[ \t]*\n|\Z))"


@dataclass(frozen=True, slots=True)
class Outcome:
    #: How far into the text the expectation matched (None: it did not).
    end: int | None
    problems: tuple[str, ...] = ()


def match(
    expect: BotExpect,
    text: str,
    buttons: Sequence[Button],
    templates: Templates,
    locale: str,
) -> Outcome:
    """Match ``expect`` at the start of ``text`` (what the bot said and no step checked yet).

    A turn's messages may reach the customer joined into one (one SMS
    thread), so one ``bot:`` step checks one message *within* that text, and
    the next step goes on where it stopped.
    """
    lead = len(text) - len(text.lstrip())
    ends: list[int] = []
    out: list[str] = []
    if expect.text is not None:
        found = re.match(re.escape(expect.text.strip()) + _BOUNDARY, text[lead:])
        if found:
            ends.append(lead + found.end())
        else:
            out.append("the reply differs (- expected, + got):")
            out += _diff(expect.text.strip(), text.strip())
    if expect.pattern is not None:
        searched = expect.pattern.search(text)
        if searched:
            ends.append(_message_end(text, searched.end()))
        else:
            out += [f"expected a reply matching /{expect.pattern.pattern}/, got:", *_quote(text)]
    if expect.contains is not None:
        at = text.find(expect.contains)
        if at >= 0:
            ends.append(_message_end(text, at + len(expect.contains)))
        else:
            out += [f"expected a reply containing {expect.contains!r}, got:", *_quote(text)]
    if expect.template is not None:
        out += _template(expect.template, text, lead, templates, locale, ends)
    if expect.buttons is not None:
        titles = [b.title for b in buttons]
        if [t.casefold() for t in titles] != [b.casefold() for b in expect.buttons]:
            out.append(f"expected buttons {list(expect.buttons)}, got {titles}")
    if out:
        return Outcome(None, tuple(out))
    return Outcome(max(ends, default=len(text)))


def _message_end(text: str, at: int) -> int:
    """A pattern found inside a message checks that whole message: up to the next blank line."""
    found = re.compile(r"\n[ \t]*\n").search(text, at)
    return found.start() if found else len(text)


def _template(
    name: str, text: str, lead: int, templates: Templates, locale: str, ends: list[int]
) -> list[str]:
    pattern = template_pattern(templates, name, locale)
    if pattern is None:
        return [f"there is no template {name!r} (templates/{locale}/{name}.j2)"]
    found = re.match(pattern.pattern + _BOUNDARY, text[lead:], re.DOTALL)
    if found:
        ends.append(lead + found.end())
        return []
    language = (
        locale
        if templates.exists(name, locale)
        else next(lc for lc in templates.locales if templates.exists(name, lc))
    )
    wanted = templates.source(name, language)
    return [
        f"expected template {name} ({language}) (- template, + got):",
        *_diff(wanted.strip(), text.strip()),
    ]


def _diff(expected: str, got: str) -> list[str]:
    lines = difflib.ndiff(expected.splitlines(), got.splitlines())
    return ["  " + line.rstrip() for line in lines if not line.startswith("?")]


def _quote(text: str) -> list[str]:
    return ["  | " + line for line in (text.splitlines() or [""])]
