"""Marketers' templates are data, never code: Jinja2's sandbox, and a check that says why.

Every environment that renders a template a marketer can edit (chat replies,
OTP SMS / WhatsApp / voice / e-mail text and HTML, flow test values) is built
by :func:`sandboxed`: Jinja2's ``ImmutableSandboxedEnvironment`` refuses
``_``-attributes (``cycler.__init__.__globals__``), calls into unsafe
callables and in-place changes of lists and dicts at render time, and only
the globals in :data:`SAFE_GLOBALS` exist. :func:`unsafe_uses` finds the
same things in a template's source, so ``sandi flows check`` (and a reload)
refuses them with file:line:col before any customer triggers one.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from jinja2 import nodes
from jinja2.defaults import DEFAULT_NAMESPACE
from jinja2.sandbox import ImmutableSandboxedEnvironment

from app.content.filters import FILTERS

#: Globals a message template may use; Jinja's others (``cycler``, ``joiner``,
#: ``lipsum``) are not needed in a message and are refused by the check.
SAFE_GLOBALS = frozenset({"range", "dict", "namespace"})
#: Jinja's own globals that the sandboxed environments do not offer.
REMOVED_GLOBALS = frozenset(DEFAULT_NAMESPACE) - SAFE_GLOBALS


def sandboxed(**options: Any) -> ImmutableSandboxedEnvironment:
    """A sandboxed Jinja2 environment with only :data:`SAFE_GLOBALS`, and Sandi's filters."""
    env = ImmutableSandboxedEnvironment(**options)
    env.filters.update(FILTERS)  # rupiah, date, datetime: app.content.filters
    for name in REMOVED_GLOBALS:
        env.globals.pop(name, None)
    return env


def needs_full_check(source: str) -> bool:
    """True when a template may touch a ``_``-attribute or a removed global.

    A cheap text test that lets the common template (no underscore-led name,
    no removed global's name) skip parsing; anything it flags is parsed and
    walked by :func:`unsafe_uses`.
    """
    return bool(_SUSPECT.search(source))


_SUSPECT = re.compile(
    r"(?:[.\[]\s*['\"]?_)|\b(?:" + "|".join(sorted(REMOVED_GLOBALS)) + r")\b|\battr\b"
)


def unsafe_uses(ast: nodes.Template, source: str) -> Iterator[tuple[int, int, str]]:
    """``(line, col, message)`` for each sandbox breach a parsed template attempts."""
    lines = source.splitlines()
    for node in ast.find_all((nodes.Getattr, nodes.Getitem, nodes.Name, nodes.Filter)):
        name = _private_name(node)
        if name is not None:
            line = node.lineno
            yield (
                line,
                _column(lines, line, name),
                f"attribute '{name}' starts with '_': templates may not reach Python internals",
            )
        elif isinstance(node, nodes.Name) and node.ctx == "load" and node.name in REMOVED_GLOBALS:
            line = node.lineno
            yield (
                line,
                _column(lines, line, node.name),
                f"unknown global '{node.name}': templates may use {', '.join(sorted(SAFE_GLOBALS))}",
            )


def _private_name(node: nodes.Node) -> str | None:
    """The ``_``-led attribute a node reads: ``x._a``, ``x['_a']``, ``x|attr('_a')``."""
    if isinstance(node, nodes.Getattr) and node.attr.startswith("_"):
        return node.attr
    if isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const):
        value = node.arg.value
        if isinstance(value, str) and value.startswith("_"):
            return value
    if isinstance(node, nodes.Filter) and node.name == "attr" and node.args:
        first = node.args[0]
        if isinstance(first, nodes.Const) and str(first.value).startswith("_"):
            return str(first.value)
    return None


def _column(lines: list[str], line: int, text: str) -> int:
    if 1 <= line <= len(lines):
        at = lines[line - 1].find(text)
        if at >= 0:
            return at + 1
    return 1
