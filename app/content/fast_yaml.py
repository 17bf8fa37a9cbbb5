"""Reading flow YAML with libyaml's C parser: the same data and positions, ~15x sooner.

ruamel.yaml's pure-Python scanner and parser took most of a cold load (about
15 ms per flow file). libyaml, through PyYAML's C extension, composes the same
node tree with the line and column of every node in a fraction of that. Its
scanner and resolver follow YAML 1.1, so only the *syntax* is taken from it:
every plain scalar is resolved here with ruamel's own YAML 1.2 rules (``yes``,
``no``, ``on``, ``off`` stay strings; ``017`` is 17), and ints, floats,
booleans and dates are built by ruamel's round-trip constructor itself.

Whatever this path cannot vouch for — a file libyaml refuses, directives,
tags, merge keys (``<<:``), keys that are not scalars, duplicate keys, a
collection that contains itself, tabs and other characters the two scanners
treat differently — makes :func:`parse_fast` return None, and the caller
reads the file with ruamel as before: the same data, positions and errors.
Tests compare both paths on every bundled, generated and fixture file, on
YAML 1.1/1.2 edge cases and on generated documents.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable
from functools import cache
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.nodes import ScalarNode as RuamelScalarNode
from ruamel.yaml.resolver import implicit_resolvers
from ruamel.yaml.scalarbool import ScalarBoolean

try:  # PyYAML's C extension; without libyaml every file takes ruamel's pure path.
    from yaml import _yaml as libyaml
    from yaml.nodes import MappingNode, ScalarNode, SequenceNode
except ImportError:  # pragma: no cover - PyYAML wheels ship the extension
    libyaml = None

_PLAIN = "?plain"  # a plain scalar with no tag: resolved here, the YAML 1.2 way
_STR = "tag:yaml.org,2002:str"
_NULL = "tag:yaml.org,2002:null"
_MERGE = "tag:yaml.org,2002:merge"
_SEQ = "tag:yaml.org,2002:seq"
_MAP = "tag:yaml.org,2002:map"

#: Texts only ruamel reads exactly as before: directives (``%YAML 1.1`` changes
#: how values resolve), tags (``!`` starting a node), tabs (libyaml takes some as
#: spaces where ruamel refuses them), the line breaks and byte order mark YAML
#: 1.1 and 1.2 treat differently, a comment touching a block scalar's header
#: (``|#c``: libyaml reads a comment, ruamel refuses). A false alarm costs only time.
_DIRECTIVE = re.compile(r"^%", re.MULTILINE)
_HEADER_COMMENT = re.compile(r"[|>][-+0-9]*#")
_TAG = re.compile(r"(?:^|[\s\[\]{},:?-])!", re.MULTILINE)
_ODD_CHARACTERS = ("\t", "\x85", "\u2028", "\u2029", "\ufeff")


def _pure_only(text: str) -> bool:
    """True for a text only ruamel may read (str searches first: most texts have neither)."""
    return (
        ("%" in text and _DIRECTIVE.search(text) is not None)
        or ("!" in text and _TAG.search(text) is not None)
        or ("#" in text and _HEADER_COMMENT.search(text) is not None)
        or any(char in text for char in _ODD_CHARACTERS)
    )


#: From after a ``:`` to the next token: spaces, comments, line breaks.
_NEXT_TOKEN = re.compile(r"(?: *(?:#[^\n]*)?\n)* *(?:#[^\n]*)?(?=[^ #\n]|\Z)")

Position = tuple[int, int]


class Unsupported(Exception):
    """Something only ruamel's pure path reads exactly as it always has."""


def _resolvers() -> dict[str, list[tuple[str, Any]]]:
    """ruamel's YAML 1.2 implicit resolvers by first character, in ruamel's order."""
    table: dict[str, list[tuple[str, Any]]] = {}
    for versions, tag, regexp, first in implicit_resolvers:
        if (1, 2) in versions:
            for char in first:
                table.setdefault(char, []).append((tag, regexp))
    return table


RESOLVERS = _resolvers()


@cache
def _constructor() -> Any:
    """ruamel's round-trip constructor, for ints, floats, booleans and timestamps."""
    return YAML(typ="rt").constructor


def plain_scalar(value: Any) -> Any:
    """A scalar of ruamel's round-trip loader as plain Python (what JSON Schema wants)."""
    if isinstance(value, ScalarBoolean):
        return bool(value)
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    return str(value)


if libyaml is not None:

    class _Composer(libyaml.CParser):  # type: ignore[misc]
        """libyaml's composer with tags left for us: plain scalars are resolved later."""

        def descend_resolver(self, parent: Any, index: Any) -> None:
            return None

        def ascend_resolver(self) -> None:
            return None

        def resolve(self, kind: Any, value: Any, implicit: Any) -> str:
            if kind is ScalarNode:
                return _PLAIN if implicit[0] else _STR
            if implicit:
                return _SEQ if kind is SequenceNode else _MAP
            raise Unsupported("the non-specific tag '!'")


def compose(text: str) -> Any:
    """libyaml's node tree of a one-document text, or :class:`Unsupported`."""
    if libyaml is None or _pure_only(text):
        raise Unsupported("not for libyaml")
    parser = _Composer(text)
    try:
        return parser.get_single_node()
    except Exception as err:  # libyaml's own errors: ruamel words them for the author
        raise Unsupported(str(err)) from err
    finally:
        parser.dispose()


def parse_fast(text: str) -> tuple[Any, dict[Any, Position], dict[Any, Position]] | None:
    """(data, value positions, key positions) as ruamel's path gives them, or None."""
    try:
        root = compose(text)
        if not isinstance(root, (MappingNode, SequenceNode)):
            raise Unsupported("empty, or a lone scalar")
        values: dict[Any, Position] = {(): (root.start_mark.line, root.start_mark.column)}
        keys: dict[Any, Position] = {}
        data = _Builder(text, values, keys).build(root, ())
    except Unsupported:
        return None
    return data, values, keys


class _Builder:
    """Plain dicts and lists from the node tree, with the position of every node."""

    def __init__(self, text: str, values: dict[Any, Position], keys: dict[Any, Position]) -> None:
        self.text, self.values, self.keys = text, values, keys
        self.open: set[int] = set()  # collections being built: an alias back into one recurses
        self.lines: list[int] = []  # offset of each line's start, once an empty value needs it

    def build(self, node: Any, path: tuple[Any, ...]) -> Any:
        tag = node.tag
        if tag is _STR:
            return node.value
        if tag is _PLAIN:
            return node.value if node.value[:1] not in RESOLVERS else scalar(node)
        if id(node) in self.open:
            raise Unsupported("a collection that contains itself")
        self.open.add(id(node))
        out: Any
        if tag is _MAP:
            out = self._mapping(node, path)
        elif tag is _SEQ:
            out = self._sequence(node, path)
        else:
            raise Unsupported(f"tag {tag}")
        self.open.discard(id(node))
        return out

    def _mapping(self, node: Any, path: tuple[Any, ...]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        seen: set[Any] = set()
        values, keys = self.values, self.keys
        for key_node, value_node in node.value:
            tag = key_node.tag
            if tag is _STR or (tag is _PLAIN and key_node.value[:1] not in RESOLVERS):
                key = name = key_node.value
            elif tag is _PLAIN:
                key = key_object(key_node)
                name = str(key)
            else:
                raise Unsupported("a key that is not a scalar")
            if key in seen:
                raise Unsupported("a duplicate key")  # ruamel says where, in its words
            seen.add(key)
            child = (*path, name)
            mark = key_node.start_mark
            keys[child] = (mark.line, mark.column)
            mark = value_node.start_mark
            if value_node.tag is _PLAIN and not value_node.value:
                values[child] = self._empty_value(node, mark)
            else:
                values[child] = (mark.line, mark.column)
            out[name] = self.build(value_node, child)
        return out

    def _sequence(self, node: Any, path: tuple[Any, ...]) -> list[Any]:
        items = []
        values = self.values
        for index, item in enumerate(node.value):
            child = (*path, index)
            mark = item.start_mark
            values[child] = (mark.line, mark.column)
            items.append(self.build(item, child))
        return items

    def _empty_value(self, mapping: Any, mark: Any) -> Position:
        """Where ruamel places a key's missing value: at the next token (libyaml: after ':').

        ruamel's parser takes the mark of the token after the ``:`` (the next key,
        or the end of the block), past blank lines and comments.
        """
        if mapping.flow_style:
            raise Unsupported("an empty value in a flow mapping")
        if not self.lines:
            self.text = self.text.replace("\r\n", "\n").replace("\r", "\n")
            self.lines = [0] + [m.end() for m in re.finditer("\n", self.text)]
        if mark.line >= len(self.lines):
            raise Unsupported("a mark past the end")
        offset = self.lines[mark.line] + mark.column
        if self.text[offset - 1 : offset] != ":":
            raise Unsupported("an empty value without ':'")
        found = _NEXT_TOKEN.match(self.text, offset)
        if found is None:
            raise Unsupported("an empty value before a character ruamel may skip")
        end = found.end()
        line = bisect.bisect_right(self.lines, end) - 1
        if end < len(self.text) and self.text[end] in "?:\t":
            raise Unsupported("an empty value before '?', ':' or a tab")
        return line, end - self.lines[line]


def _resolve(value: str) -> str:
    """The tag ruamel's YAML 1.2 resolver gives a plain scalar."""
    for tag, regexp in RESOLVERS.get(value[:1], ()):
        if regexp.match(value):
            return str(tag)
    return _STR


def key_object(node: Any) -> Any:
    """A plain key as ruamel constructs it (its duplicates and ``str()`` are ruamel's)."""
    return _plain(node, "a merge key", lambda value: value)


def scalar(node: Any) -> Any:
    """A plain scalar value as the pure path's plain copy has it."""
    return _plain(node, "'<<' as a value", plain_scalar)


def _plain(node: Any, merge: str, finish: Callable[[Any], Any]) -> Any:
    """Text and null directly; ints, floats, booleans, dates by ruamel's own
    constructor, then ``finish``; a merge key (``merge`` says where) is left
    to the pure path."""
    tag = _resolve(node.value)
    if tag == _STR:
        return node.value
    if tag == _NULL:
        return None
    if tag == _MERGE:
        raise Unsupported(merge)
    return finish(_construct(node, tag))


#: Values built by ruamel's plain scalar constructors; others (``=``) go the pure way.
_CONSTRUCTED = frozenset(
    f"tag:yaml.org,2002:{kind}" for kind in ("int", "float", "bool", "timestamp")
)


def _construct(node: Any, tag: str) -> Any:
    if tag not in _CONSTRUCTED:
        raise Unsupported(f"a value of {tag}")
    try:
        return _constructor().construct_non_recursive_object(
            RuamelScalarNode(tag, node.value, node.start_mark, node.end_mark, node.style)
        )
    except Exception as err:  # ruamel refuses the value: its path words the error
        raise Unsupported(str(err)) from err
