"""Conditions and computed values in flows, without evaluating Python.

Marketers write conditions such as ``channel == "sms" and not verified`` and
values such as ``"{{ tries + 1 }}"``. They are Jinja2 expressions — the same
language as the message templates — compiled once at load time in Jinja2's
*sandboxed* environment, which refuses attribute tricks and calls into
Python internals. A syntax error is found when the flows load, with the
position of the YAML value; the variables an expression reads are known
then too, so a misspelt name is reported before any customer meets it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import jinja2
from jinja2 import meta

from app.content.plain_jinja import plain_expression_error, template_error
from app.content.template_safety import sandboxed

_ENV = sandboxed(undefined=jinja2.StrictUndefined, autoescape=False)
_WHOLE = re.compile(r"^\s*\{\{(.*)\}\}\s*$", re.DOTALL)


class ExpressionError(ValueError):
    """A condition or value that does not compile; the message says why."""


@dataclass(frozen=True, slots=True)
class Expression:
    """A compiled expression; ``evaluate`` returns a Python value (bool, number, str...)."""

    source: str
    variables: frozenset[str]
    _run: Callable[..., Any]

    def evaluate(self, context: Mapping[str, Any]) -> Any:
        return self._run(**context)


@dataclass(frozen=True, slots=True)
class TextTemplate:
    """A string with ``{{ ... }}`` parts, rendered to text."""

    source: str
    variables: frozenset[str]
    _template: jinja2.Template

    def evaluate(self, context: Mapping[str, Any]) -> str:
        return self._template.render(context)


@dataclass(frozen=True, slots=True)
class Literal:
    value: Any
    variables: frozenset[str] = frozenset()

    def evaluate(self, context: Mapping[str, Any]) -> Any:
        return self.value


Value = Expression | TextTemplate | Literal


@lru_cache(maxsize=1024)
def compile_condition(source: str) -> Expression:
    """Compiled once per distinct source: flows repeat conditions (``not verified``),
    and compiling one costs ~1 ms (parse, variable analysis, code generation).
    An Expression is immutable, so flows and reloads can share it."""
    try:
        ast = _ENV.parse("{{ " + source + " }}")
        run = _ENV.compile_expression(source, undefined_to_none=False)
    except jinja2.TemplateSyntaxError as err:
        plain = plain_expression_error(source, err.message or str(err), named=False)
        raise ExpressionError(f"cannot read the condition {source!r}: {plain}") from None
    return Expression(source, frozenset(meta.find_undeclared_variables(ast)), run)


def compile_value(raw: Any) -> Value:
    """A YAML value: ``"{{ expr }}"`` keeps the expression's type, other text renders."""
    if not isinstance(raw, str) or ("{{" not in raw and "{%" not in raw):
        return Literal(raw)
    whole = _WHOLE.match(raw)
    if whole and "}}" not in whole.group(1):
        return compile_condition(whole.group(1).strip())
    try:
        ast = _ENV.parse(raw)
        template = _ENV.from_string(raw)
    except jinja2.TemplateSyntaxError as err:
        _, _, plain = template_error(raw, err)
        raise ExpressionError(f"cannot read {raw!r}: {plain}") from None
    return TextTemplate(raw, frozenset(meta.find_undeclared_variables(ast)), template)


def safe_evaluate(value: Value, context: Mapping[str, Any]) -> tuple[Any, str | None]:
    """Evaluate; a run-time failure (``"a" > 1``) becomes ``(None, reason)``, never a crash."""
    try:
        return value.evaluate(context), None
    except (jinja2.TemplateError, TypeError, ValueError, ArithmeticError) as err:
        return None, f"{type(err).__name__}: {err}"
