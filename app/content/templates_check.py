"""Checking the message templates the flows name: present, parseable, no unknown variables.

Templates render with StrictUndefined, so a variable no flow sets would fail
in front of a customer; here it fails at load, pointing at the line of the
template that uses it. A template present in one language only is a
warning: the other language falls back to it.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import jinja2
from jinja2 import meta, nodes

from app.content import flows as f
from app.content.gsm7 import GSM7, GSM7_EXTENDED
from app.content.plain_jinja import template_error
from app.content.render import Templates
from app.content.source import Problem, Where, display_name
from app.content.template_safety import needs_full_check, unsafe_uses


@dataclass(frozen=True, slots=True)
class TemplateRef:
    name: str
    where: Where


def template_where(
    templates: Templates, name: str, locale: str, line: int = 1, col: int = 1
) -> Where:
    path = templates.root / locale / f"{name}.j2"
    return Where(display_name(path, templates.root), line, col)


def check_templates(
    templates: Templates, refs: Iterable[TemplateRef], known: frozenset[str]
) -> list[Problem]:
    problems: list[Problem] = []
    wanted: dict[str, Where | None] = {name: None for name in f.SYSTEM_TEMPLATES}
    for ref in refs:
        wanted.setdefault(ref.name, ref.where)
        if wanted[ref.name] is None:
            wanted[ref.name] = ref.where
    existing: list[str] | None = None
    for name, where in wanted.items():
        present = [lc for lc in templates.locales if templates.exists(name, lc)]
        if not present:
            at = where or template_where(templates, name, templates.locales[0])
            why = "" if where else " (the bot says it itself)"
            if existing is None:
                existing = sorted({n for n, _ in _all_names(templates)})
            hint = _template_hint(name, existing)
            problems.append(
                Problem(at, f"missing template '{name}'{why}: add {_files(templates, name)}{hint}")
            )
            continue
        for lc in templates.locales:
            if lc not in present:
                problems.append(
                    Problem(
                        where or template_where(templates, name, present[0]),
                        f"template '{name}' has no {lc} version "
                        f"({_files(templates, name, [lc])}); customers get the "
                        f"{present[0]} text",
                        "warning",
                    )
                )
        for lc in present:
            problems.extend(_check_one(templates, name, lc, known))
    problems.extend(_check_the_rest(templates, set(wanted)))
    return problems


def _name_and_locale(key: str) -> tuple[str, str]:
    locale, _, name = key.removesuffix(".j2").partition("/")
    return name, locale


def _template_hint(name: str, existing: list[str]) -> str:
    """A near name: in the same folder by the file's own name, else across all names."""
    folder, _, base = name.rpartition("/")
    siblings = {n.rpartition("/")[2]: n for n in existing if n.rpartition("/")[0] == folder}
    close = difflib.get_close_matches(base, sorted(siblings), n=1, cutoff=0.6)
    found = siblings[close[0]] if close else None
    if found is None:
        near = difflib.get_close_matches(name, existing, n=1, cutoff=0.85)
        found = near[0] if near else None
    return f"; did you mean '{found}'?" if found else ""


def _all_names(templates: Templates) -> list[tuple[str, str]]:
    if templates.sources is not None:
        return [_name_and_locale(key) for key in templates.sources]
    return all_templates(templates.root, templates.locales)


def _check_the_rest(templates: Templates, checked: set[str]) -> Iterator[Problem]:
    """Templates no flow names (OTP messages, spares) still may not leave the sandbox."""
    for name, locale in sorted(_all_names(templates)):
        if name in checked or locale not in templates.locales:
            continue
        try:
            source = templates.source(name, locale)
        except (OSError, UnicodeDecodeError):
            continue
        if not needs_full_check(source):
            continue
        try:
            ast = templates.env.parse(source, name=f"{locale}/{name}.j2")
        except jinja2.TemplateSyntaxError:
            continue  # its own checks (the OTP SMS's, or a flow's) report syntax
        for line, col, message in unsafe_uses(ast, source):
            yield Problem(template_where(templates, name, locale, line, col), message)


def _files(templates: Templates, name: str, locales: Iterable[str] | None = None) -> str:
    return " and ".join(
        display_name(templates.root / lc / f"{name}.j2", templates.root)
        for lc in (templates.locales if locales is None else locales)
    )


def _check_one(
    templates: Templates, name: str, locale: str, known: frozenset[str]
) -> Iterator[Problem]:
    try:
        source = templates.source(name, locale)
    except (OSError, UnicodeDecodeError) as err:
        yield Problem(template_where(templates, name, locale), f"cannot read the template: {err}")
        return
    if not _COMMENTS.sub("", source).strip():
        yield Problem(
            template_where(templates, name, locale),
            "the template is empty: the bot would send an empty message here; "
            "write what it should say",
        )
        return
    used = None if needs_full_check(source) else simple_variables(source, templates.env)
    if used is None:
        try:
            ast = templates.env.parse(source, name=f"{locale}/{name}.j2")
        except jinja2.TemplateSyntaxError as err:
            line, col, message = template_error(source, err)
            yield Problem(template_where(templates, name, locale, line, col), message)
            return
        unsafe = list(unsafe_uses(ast, source))
        for line, col, message in unsafe:
            yield Problem(template_where(templates, name, locale, line, col), message)
        if unsafe:
            return
        used = undeclared_variables(ast)
    yield from sms_warnings(
        source, lambda line, col: template_where(templates, name, locale, line, col)
    )
    for var in sorted(used - known):
        line, col = _locate(source, var)
        close = difflib.get_close_matches(var, sorted(known), n=1)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        yield Problem(
            template_where(templates, name, locale, line, col),
            f"unknown variable '{var}' (no flow sets it){hint}",
        )


#: Nodes that bind names (loop variables, macro arguments, set, with, imports...).
_BINDING = (
    nodes.For, nodes.Macro, nodes.CallBlock, nodes.FilterBlock, nodes.Assign, nodes.AssignBlock,
    nodes.With, nodes.Import, nodes.FromImport, nodes.Include, nodes.Block, nodes.Extends,
    nodes.Scope, nodes.OverlayScope, nodes.ScopedEvalContextModifier,
)  # fmt: skip


#: Names jinja2 gives a meaning of its own inside a template.
_SPECIAL = frozenset({"self", "caller", "loop", "varargs", "kwargs"})


def undeclared_variables(ast: nodes.Template) -> set[str]:
    """The variables a template reads from its context.

    Message templates rarely bind names of their own; without any construct
    that does, every name read comes from the context, and walking the tree
    gives the same answer as ``jinja2.meta.find_undeclared_variables`` (a test
    checks) without running the code generator — a third of the time of
    loading a few thousand templates. Templates that bind names go through
    jinja2's own analysis.
    """
    names = set()
    for node in ast.find_all(nodes.Node):
        if isinstance(node, _BINDING):
            return set(meta.find_undeclared_variables(ast))
        if isinstance(node, nodes.Name) and node.ctx == "load":
            names.add(node.name)
    env_globals = ast.environment.globals if ast.environment is not None else {}
    if names & _SPECIAL or names & env_globals.keys():
        return set(meta.find_undeclared_variables(ast))  # jinja2 resolves these itself
    return names


#: ``{{ name }}`` or ``{{ name.attribute }}``: all most message templates hold.
_SIMPLE_TAG = re.compile(r"\{\{ *([A-Za-z_][A-Za-z0-9_]*)((?:\.[A-Za-z_][A-Za-z0-9_]*)*) *\}\}")
#: Words Jinja reads as constants, operators or statements, never as variables.
_JINJA_WORDS = frozenset(
    {
        "true", "false", "none", "True", "False", "None", "and", "or", "not", "in", "is",
        "if", "else", "elif", "for", "endfor", "recursive", "with", "without", "context",
        "import", "from", "as", "block", "extends", "macro", "call", "filter", "set", "raw",
        "include", "ignore", "missing",
    }
)  # fmt: skip


def simple_variables(source: str, env: jinja2.Environment) -> set[str] | None:
    """The variables of a template that is text and ``{{ name }}`` tags only, else None.

    Jinja's lexer reads such a template as text and variable tags, starting
    each tag at the leftmost ``{{``; here every ``{{`` must open a simple tag
    and there is no ``{%`` or ``{#``, so the template has no syntax error and
    reads exactly the names in its tags (``name.attribute`` reads ``name``).
    Anything else (None) goes through Jinja's parser: ~0.15 ms a template
    saved, most of checking a few thousand templates. A test compares both.
    """
    if "{%" in source or "{#" in source:
        return None
    names: set[str] = set()
    start = source.find("{{")
    while start >= 0:
        tag = _SIMPLE_TAG.match(source, start)
        if tag is None:
            return None
        parts = [tag.group(1), *tag.group(2).split(".")[1:]]
        if any(part in _JINJA_WORDS for part in parts):
            return None
        names.add(tag.group(1))
        start = source.find("{{", tag.end())
    if names & _SPECIAL or names & env.globals.keys():
        return None  # jinja2 resolves these itself
    return names


#: The first character outside both (a tab passes too).
_NOT_GSM7 = re.compile("[^" + re.escape("".join(sorted(GSM7 | GSM7_EXTENDED | {"\t"}))) + "]")
_COMMENTS = re.compile(r"\{#.*?#\}", re.DOTALL)
_TAGS = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.DOTALL)
#: Twilio recommends at most 3 parts for a message.
MAX_SMS_PARTS = 3


def sms_warnings(source: str, where: Callable[[int, int], Where]) -> Iterator[Problem]:
    """Warn when a template's own text forces UCS-2, or runs past three SMS parts."""
    text = _TAGS.sub(lambda m: " " * len(m.group(0)), source)
    outside = _NOT_GSM7.search(text)
    if outside:
        line, col = _position(source, outside.start())
        yield Problem(
            where(line, col),
            f"{outside.group()!r} is not in the SMS alphabet (GSM-7): SMS replies with this text "
            "go as UCS-2, 70 characters per part",
            "warning",
        )
        return
    static = len(_TAGS.sub("", source).strip())
    if static > MAX_SMS_PARTS * 153:
        yield Problem(
            where(1, 1),
            f"about {static} characters: more than {MAX_SMS_PARTS} SMS parts",
            "warning",
        )


def _position(source: str, index: int) -> tuple[int, int]:
    before = source[:index]
    return before.count("\n") + 1, index - (before.rfind("\n") + 1) + 1


def _locate(source: str, var: str) -> tuple[int, int]:
    match = re.search(rf"\b{re.escape(var)}\b", source)
    return _position(source, match.start()) if match else (1, 1)


def all_templates(root: Path, locales: Iterable[str]) -> list[tuple[str, str]]:
    """(name, locale) for every template file of ``locales`` under ``root``."""
    out = []
    for lc in locales:
        base = root / lc
        out += [(str(p.relative_to(base).with_suffix("")), lc) for p in sorted(base.rglob("*.j2"))]
    return out
