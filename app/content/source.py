"""Reading YAML with its positions, and reporting problems as ``file:line:col``.

Marketers fix what an error points at, so every problem carries the place
in the file it comes from (1-based, as editors count). ruamel.yaml's
round-trip loader keeps the line and column of every key and value; we copy
the document into plain dicts and lists (what JSON Schema and the engine
want) and keep the positions beside it, keyed by the path to each node.
Most files are read by libyaml instead (:mod:`app.content.fast_yaml`,
the same data and positions ~15x sooner); whatever it cannot vouch for, and
every broken file, is read here as before.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError
from ruamel.yaml.parser import Parser
from ruamel.yaml.scanner import Scanner

from app.config import ConfigError
from app.content.fast_yaml import parse_fast, plain_scalar
from app.content.plain_yaml import explain

#: A path into a document: keys and list indexes from the root.
NodePath = tuple[str | int, ...]


@dataclass(frozen=True, slots=True, order=True)
class Where:
    file: str
    line: int
    col: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}"


@dataclass(frozen=True, slots=True)
class Problem:
    where: Where
    message: str
    severity: str = "error"

    def __str__(self) -> str:
        label = "" if self.severity == "error" else f"{self.severity}: "
        return f"{self.where}: {label}{self.message}"

    def line(self) -> str:
        """``file:line:col: error|warning: message``, as compilers print (editors jump to it).

        The one format of a problem in the CLI's output and in the logs.
        """
        return f"{self.where}: {self.severity}: {self.message}"


class FlowError(ConfigError):
    """Flows that cannot run; the message lists every problem, one per line.

    A configuration error like any other that stops a server from starting:
    the files on disk are its content's configuration.
    """

    def __init__(self, problems: Iterable[Problem], source: str = "flows") -> None:
        self.problems = sorted(problems, key=lambda p: (p.where, p.message))
        lines = "\n".join(f"  {p}" for p in self.problems)
        super().__init__(f"{source} failed to load ({len(self.problems)} problem(s)):\n{lines}")


@dataclass
class Document:
    """One YAML file as plain data plus the position of every node."""

    file: str
    data: Any
    values: dict[NodePath, tuple[int, int]] = field(default_factory=dict)
    keys: dict[NodePath, tuple[int, int]] = field(default_factory=dict)
    #: The file as written (what a value looked like before YAML read it: ``1.000``).
    text: str = field(default="", repr=False)

    def written(self, path: NodePath) -> str:
        """The value at ``path`` as typed in the file (up to a comment or the line's end)."""
        if path not in self.values or not self.text:
            return ""
        line, col = self.values[path]
        rows = self.text.splitlines()
        row = rows[line] if line < len(rows) else ""
        token = re.match(r"[^\s,#}\]]*", row[col:])
        return token.group() if token else ""

    def where(self, path: NodePath = (), *, key: bool = False) -> Where:
        """The place of the node at ``path`` (its key with ``key=True``).

        A path that has no position of its own (a value the author left
        out) falls back to its nearest ancestor.
        """
        table = self.keys if key and path in self.keys else self.values
        while path and path not in table:
            path = path[:-1]
            table = self.values
        line, col = table.get(path, (0, 0))
        return Where(self.file, line + 1, col + 1)

    def problem(self, path: NodePath, message: str, *, key: bool = False) -> Problem:
        return Problem(self.where(path, key=key), message)


def display_name(path: Path, root: Path | None) -> str:
    """``flows/welcome.yml`` rather than an absolute path, where possible."""
    resolved = path.resolve()
    for base in (Path.cwd(), root.parent if root else None):
        if base is None:
            continue
        try:
            return str(resolved.relative_to(base.resolve()))
        except ValueError:
            continue
    return str(path)


def read_yaml(path: Path, name: str) -> Document | Problem:
    """Parse one file, or say where its YAML is broken."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        return Problem(Where(name, 1, 1), f"cannot read the file: {err}")
    return parse_yaml(text, name)


def round_trip_yaml(*, comments: bool) -> YAML:
    """ruamel's round-trip loader: every key and value keeps its line and column.

    Without ``comments``, ruamel's plain scanner and parser feed the round-trip
    constructor: the same data and positions (a test compares them on every
    bundled and generated flow) ~30% faster, because nothing here reads the
    comments the round-trip scanner collects for every token.
    """
    yaml = YAML(typ="rt")
    yaml.allow_duplicate_keys = False
    if not comments:
        yaml.Scanner, yaml.Parser = Scanner, Parser
    return yaml


@lru_cache(maxsize=256)
def parse_yaml(text: str, name: str) -> Document | Problem:
    """Parse YAML text: libyaml where it reads exactly as ruamel, else ruamel itself.

    Cached by content (a hot reload parses only the files that changed; the
    result is read-only).
    """
    fast = parse_fast(text)
    if fast is None:
        return parse_pure(text, name)
    data, values, keys = fast
    return Document(file=name, data=data, values=values, keys=keys, text=text)


def parse_pure(text: str, name: str) -> Document | Problem:
    """ruamel.yaml's pure-Python path: the reference, and the only one that explains errors."""
    return parse_with(round_trip_yaml(comments=False), text, name)


def parse_with(yaml: YAML, text: str, name: str) -> Document | Problem:
    try:
        root = yaml.load(text)
    except MarkedYAMLError as err:
        plain = explain(err, text)
        return Problem(Where(name, plain.line, plain.col), plain.message)
    except Exception as err:  # ruamel raises a few unmarked errors (e.g. bad tags)
        return Problem(Where(name, 1, 1), f"YAML syntax: {err}")
    doc = Document(file=name, data=None, text=text)
    lc = getattr(root, "lc", None)
    doc.values[()] = (lc.line, lc.col) if lc is not None and lc.line is not None else (0, 0)
    doc.data = _plain(root, (), doc)
    return doc


def _position(lookup: Any, key: Any) -> tuple[int, int] | None:
    try:
        found = lookup(key)
    except (KeyError, IndexError):
        return None
    return (int(found[0]), int(found[1])) if found else None


def _plain(node: Any, path: NodePath, doc: Document) -> Any:
    if isinstance(node, CommentedMap):
        out: dict[str, Any] = {}
        here = doc.values.get(path) or (0, 0)
        for key, value in node.items():
            child = (*path, str(key))
            # Keys merged in with ``<<: *anchor`` have no position of their own:
            # point at the mapping that merged them.
            doc.keys[child] = _position(node.lc.key, key) or here
            doc.values[child] = _position(node.lc.value, key) or here
            out[str(key)] = _plain(value, child, doc)
        return out
    if isinstance(node, CommentedSeq):
        items = []
        for index, value in enumerate(node):
            child = (*path, index)
            doc.values[child] = tuple(node.lc.item(index))
            items.append(_plain(value, child, doc))
        return items
    return plain_scalar(node)
