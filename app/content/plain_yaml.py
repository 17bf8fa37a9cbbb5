"""YAML's syntax errors, said in the words of the person who wrote the file.

ruamel.yaml explains a broken file in the parser's terms ("mapping values
are not allowed here", "expected <block end>, but found '?'"), which mean
nothing to a marketer. The few mistakes people really make — a line indented
too far or not far enough, a ``: `` inside a value that needs quotes, a list
item without its ``-``, a quote never closed, a tab — each get a sentence that
says what is wrong, where (the line and the column of the thing to change),
and how to fix it. Anything else keeps ruamel's own words, at its own mark.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ruamel.yaml.error import MarkedYAMLError

#: ``key:`` at the start of a line (after its indentation and any ``- ``).
_KEY = re.compile(r"^(?P<indent> *)(?P<dash>- +)?(?P<key>[A-Za-z_][\w-]*) *:(?: |$)")


@dataclass(frozen=True, slots=True)
class Explained:
    line: int  # 1-based, as editors count
    col: int
    message: str


def explain(err: MarkedYAMLError, text: str) -> Explained:
    """The plain-words version of ``err``, at the place to change."""
    mark = err.problem_mark or err.context_mark
    line, col = (mark.line, mark.column) if mark else (0, 0)
    lines = text.splitlines() or [""]
    problem = str(err.problem or "")
    context = str(err.context or "")
    here = lines[line] if line < len(lines) else ""
    if problem.startswith("mapping values are not allowed"):
        return _mapping_value(lines, line, col)
    if "expected <block end>" in problem:
        return _misaligned(lines, line, col)
    if "quoted scalar" in context and "end of stream" in problem:
        start = err.context_mark
        at = (start.line, start.column) if start else (line, col)
        quote = lines[at[0]][at[1]] if at[0] < len(lines) and at[1] < len(lines[at[0]]) else '"'
        return Explained(
            at[0] + 1,
            at[1] + 1,
            f"this {quote} is never closed: add the closing {quote} at the end of the value "
            "(text in quotes must start and end on the same line)",
        )
    if context.startswith("while parsing a flow"):
        opened = _unclosed_bracket(lines)
        if opened is not None:
            row, column, bracket = opened
            close = "]" if bracket == "[" else "}"
            return Explained(
                row + 1,
                column + 1,
                f"this {bracket} is never closed: add {close} at the end of the "
                f"{'list' if bracket == '[' else 'set of values'}",
            )
    if "'\\t'" in problem:
        return Explained(
            line + 1,
            col + 1,
            "a tab is used to indent this line: indent with spaces only (two per level)",
        )
    if "duplicate key" in problem:
        key = problem.split('"')[1] if '"' in problem else "this key"
        return Explained(
            line + 1, col + 1, f"'{key}:' is written twice at the same level: keep one of them"
        )
    if "could not find expected ':'" in problem:
        start = err.context_mark or mark
        row = start.line if start else line
        text_here = lines[row].strip() if row < len(lines) else here.strip()
        return Explained(
            row + 1,
            (start.column if start else col) + 1,
            f"'{text_here}' needs a ':' after its name (key: value), "
            "or a '- ' in front if it is an item of the list above",
        )
    what = " ".join(part for part in (context, problem) if part) or str(err)
    return Explained(line + 1, col + 1, f"YAML syntax: {what}")


def _mapping_value(lines: list[str], line: int, col: int) -> Explained:
    """A ``:`` where YAML wanted none: a value with a colon, or a key indented too far."""
    here = lines[line] if line < len(lines) else ""
    own = _KEY.match(here)
    if own and own.end() <= col:
        # "next: Note: hi" - the line already has its key; the second ': ' is in the value.
        value = here[own.end() :].strip()
        return Explained(
            line + 1,
            own.end() + 1,
            f"the value of '{own.group('key')}' has ': ' in it, which YAML reads as a new key: "
            f'put the value in quotes: {own.group("key")}: "{value}"',
        )
    previous = _previous_key(lines, line)
    indent = len(here) - len(here.lstrip(" "))
    name = here.strip().split(":", 1)[0]
    if previous is not None:
        prev_line, prev = previous
        expected = len(prev.group("indent")) + len(prev.group("dash") or "")
        return Explained(
            line + 1,
            indent + 1,
            f"'{name}:' is indented further than '{prev.group('key')}:' on line {prev_line + 1}: "
            f"to make it a setting of the same step, start it in column {expected + 1}, "
            f"right under '{prev.group('key')}'",
        )
    return Explained(
        line + 1,
        indent + 1,
        f"'{name}:' is indented further than the line above: line it up with the keys beside it",
    )


def _misaligned(lines: list[str], line: int, col: int) -> Explained:
    """A line that ends the list it seems to belong to: a missing ``-`` or a wrong indent."""
    here = lines[line] if line < len(lines) else ""
    name = here.strip().split(":", 1)[0]
    indent = len(here) - len(here.lstrip(" "))
    item = _enclosing_item(lines, line)
    if item is not None:
        item_line, item_match = item
        dash_col = len(item_match.group("indent"))
        key_col = dash_col + len(item_match.group("dash") or "")
        if here.lstrip().startswith("- "):
            return Explained(
                line + 1,
                indent + 1,
                f"this list item starts in column {indent + 1}, but the one on line "
                f"{item_line + 1} starts in column {dash_col + 1}: put its '-' right under "
                "the '-' above",
            )
        if indent == dash_col:
            return Explained(
                line + 1,
                indent + 1,
                f"'{name}:' starts where the list items of line {item_line + 1} start, but "
                f"without their '- ': write '- {name}:' if it begins a new item, or indent it "
                f"to column {key_col + 1} if it belongs to the item above",
            )
        return Explained(
            line + 1,
            indent + 1,
            f"'{name}:' is not lined up with the item it belongs to (line {item_line + 1}): "
            f"start it in column {key_col + 1}, under '{item_match.group('key')}'",
        )
    return Explained(
        line + 1,
        col + 1,
        f"'{name}' is not lined up with the lines around it: check its indentation "
        "(spaces before it) and whether it needs a '- ' in front",
    )


def _unclosed_bracket(lines: list[str]) -> tuple[int, int, str] | None:
    """The last ``[`` or ``{`` (outside quotes) that no bracket closes."""
    stack: list[tuple[int, int, str]] = []
    for row, text in enumerate(lines):
        quote = ""
        for column, char in enumerate(text):
            if quote:
                quote = "" if char == quote else quote
            elif char in "'\"":
                quote = char
            elif char == "#" and (column == 0 or text[column - 1] == " "):
                break
            elif char in "[{":
                stack.append((row, column, char))
            elif char in "]}" and stack:
                stack.pop()
    return stack[-1] if stack else None


def _previous_key(lines: list[str], line: int) -> tuple[int, re.Match[str]] | None:
    for row in range(line - 1, -1, -1):
        found = _KEY.match(lines[row])
        if found:
            return row, found
        if lines[row].strip() and not lines[row].lstrip().startswith("#"):
            return None
    return None


def _enclosing_item(lines: list[str], line: int) -> tuple[int, re.Match[str]] | None:
    """The nearest ``- key:`` line above that is indented less than ``line`` or level with it."""
    here = lines[line] if line < len(lines) else ""
    indent = len(here) - len(here.lstrip(" "))
    for row in range(line - 1, -1, -1):
        found = _KEY.match(lines[row])
        if found and found.group("dash") and len(found.group("indent")) <= indent:
            return row, found
    return None
