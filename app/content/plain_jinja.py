"""Jinja's syntax errors at the column to fix, in plain words.

Jinja reports a broken template by line only, in its parser's words
("unexpected 'end of print statement'", "Unexpected end of template. Jinja
was looking for the following tags: 'endif'..."). A marketer needs the tag
that is wrong: the ``{% if %}`` that is never closed (not the end of the file
where Jinja noticed), the ``{{ payee }`` that lacks a brace, the ``>`` with
nothing after it. The same wording serves flow conditions (``if: amount >``),
which Jinja's expression parser reads too.
"""

from __future__ import annotations

import re

import jinja2

#: ``{% name`` (with Jinja's whitespace control) and where it starts.
_BLOCK_TAG = re.compile(r"\{%-?\s*(\w+)")
_OPENERS = {"if", "for", "macro", "call", "filter", "set", "with", "block", "raw"}
_OPERATORS = ("==", "!=", ">=", "<=", ">", "<", "+", "-", "*", "/", "%", "and", "or", "not", "in")


def template_error(source: str, err: jinja2.TemplateSyntaxError) -> tuple[int, int, str]:
    """``(line, col, message)`` for a template's syntax error."""
    line = err.lineno or 1
    message = err.message or str(err)
    if "needs to be closed is '" in message:
        block = message.split("closed is '", 1)[1].split("'", 1)[0]
        opened = _unclosed(source, block)
        if opened is not None:
            return (
                *opened,
                f"{{% {block} %}} is never closed: add {{% end{block} %}} where the text it "
                f"covers ends",
            )
    lines = source.splitlines() or [""]
    text = lines[line - 1] if line <= len(lines) else ""
    if message == "unexpected '}'":
        brace = _lone_brace(text)
        if brace is not None:
            return line, brace, "a '{{' is closed with one '}': write '}}' (two braces)"
    tag = _tag_on(text)
    inside = _tag_text(text, tag)
    return line, tag, plain_expression_error(inside, message)


def plain_expression_error(expression: str, message: str, *, named: bool = True) -> str:
    """Jinja's complaint about an expression, in words a marketer can act on.

    ``named=False`` when the caller has already quoted the expression ("it").
    """
    shown = expression.strip()
    it = f"'{shown}'" if named else "it"
    if "end of print statement" in message and message.startswith("unexpected"):
        last = next((op for op in _OPERATORS if shown.endswith(op)), None)
        example = {">": "100000", "<": "100000", ">=": "100000", "<=": "100000"}.get(
            last or "", '"sms"' if last in ("==", "!=") else ""
        )
        if last:
            return (
                f"{it} stops after '{last}': write what it compares with, e.g. '{shown} {example}'"
                if example
                else f"{it} stops after '{last}': write what comes after it"
            )
        return f"{it} stops too soon: something is missing at its end"
    if message.startswith("expected token 'end of print statement', got"):
        got = message.rsplit("got ", 1)[1].strip("'")
        return (
            f"'{got}' is not expected in {it}: join two values with an operator "
            '(==, and, or, >) and put text in quotes ("like this")'
        )
    if message.startswith("Expected an expression"):
        word = shown.split(" ", 1)[0]
        if word in ("if", "elif", "for"):
            return f"{{% {word} %}} needs a condition after '{word}', e.g. {{% {word} name %}}"
        return f"{it} is missing a value: write a variable name or a value there"
    if message.startswith("Encountered unknown tag"):
        tag = message.split("'")[1] if "'" in message else "?"
        if tag.startswith("end"):
            return f"{{% {tag} %}} closes a {{% {tag[3:]} %}} that was never opened: remove it"
        return f"{{% {tag} %}} is not something a template can do (use if, elif, else, for)"
    if message.startswith("unexpected char"):
        return f"{message.split(' at ')[0].replace('unexpected char', 'the character')} cannot be used in '{shown}'"
    return message


def _unclosed(source: str, block: str) -> tuple[int, int] | None:
    """Line and column of the innermost ``{% block %}`` left open."""
    stack: list[tuple[str, int]] = []
    for match in _BLOCK_TAG.finditer(source):
        word = match.group(1)
        if word in _OPENERS:
            if word == "set" and "=" in source[match.end() :].split("%}", 1)[0]:
                continue  # {% set x = 1 %} closes itself
            stack.append((word, match.start()))
        elif word.startswith("end") and stack and stack[-1][0] == word[3:]:
            stack.pop()
    for word, start in reversed(stack):
        if word == block:
            before = source[:start]
            return before.count("\n") + 1, start - (before.rfind("\n") + 1) + 1
    return None


def _lone_brace(text: str) -> int | None:
    """Column of the ``}`` that closes a ``{{`` alone."""
    start = text.find("{{")
    while start >= 0:
        end = text.find("}}", start + 2)
        brace = text.find("}", start + 2)
        if brace >= 0 and brace != end:
            return brace + 1
        start = text.find("{{", start + 2)
    return None


def _tag_on(text: str) -> int:
    """Column of the first tag on the line (1 when it holds none)."""
    found = [i for i in (text.find("{{"), text.find("{%")) if i >= 0]
    return min(found) + 1 if found else 1


def _tag_text(text: str, col: int) -> str:
    body = text[col - 1 :]
    if body[:2] in ("{{", "{%"):
        body = body[2:].lstrip("-")
        for close in ("}}", "%}"):
            if close in body:
                body = body.split(close, 1)[0]
                break
    return body.rstrip("-")
