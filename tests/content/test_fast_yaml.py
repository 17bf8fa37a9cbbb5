"""libyaml's fast path reads every flow file exactly as ruamel's pure path does.

:func:`app.content.fast_yaml.parse_fast` either gives the same data (same
types: ``repr`` is compared, so ``True`` is not ``1``) and the same position
for every key and value as :func:`app.content.source.parse_pure`, or it
gives None and the pure path reads the file. Checked on every bundled flow
and conversation test file, the benchmark's 200 generated flows, every YAML
fixture and golden file under tests/ and the flow texts the tests write, the
YAML 1.1 / 1.2 edge cases, and on generated documents.
"""

from __future__ import annotations

import ast
import textwrap
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from app.config import ROOT
from app.content.fast_yaml import RESOLVERS, parse_fast
from app.content.source import Document, parse_pure, parse_yaml
from bench.flowgen import generate


def both(text: str) -> tuple[Any, Document | Any]:
    return parse_fast(text), parse_pure(text, "x.yml")


def assert_alike(text: str, label: str = "") -> bool:
    """Both paths agree, or the fast one stood aside; True when the fast one answered."""
    fast, pure = both(text)
    if fast is None:
        return False
    assert isinstance(pure, Document), (label, text, pure)
    data, values, keys = fast
    assert repr(data) == repr(pure.data), (label, text)
    assert values == pure.values, (label, text)
    assert keys == pure.keys, (label, text)
    return True


def inline_flow_texts() -> list[tuple[str, str]]:
    """The flow YAML the tests write themselves (string literals with flow keys)."""
    found = []
    for path in sorted((ROOT / "tests").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                text = textwrap.dedent(node.value)
                if "\n" in text and any(k in text for k in ("steps:", "faq:", "flow:")):
                    found.append((f"{path.name}:{node.lineno}", text))
    return found


def test_every_bundled_fixture_and_test_written_file_reads_alike() -> None:
    bundled = sorted(ROOT.joinpath("flows").rglob("*.y*ml"))
    fixtures = sorted(ROOT.joinpath("tests").rglob("*.y*ml"))
    assert len(bundled) >= 10 and len(fixtures) >= 15
    for path in bundled:
        # Every bundled file must take the fast path: that is what makes loading fast.
        assert assert_alike(path.read_text(encoding="utf-8"), str(path)), path
    fast = 0
    for path in fixtures:
        text = path.read_text(encoding="utf-8")
        if assert_alike(text, str(path)):
            fast += 1
        else:  # only files ruamel refuses may stand aside
            assert not isinstance(parse_pure(text, "x.yml"), Document), path
    # tests/content/save_time breaks YAML on purpose, one way per case.
    broken_on_purpose = sum(
        not isinstance(parse_pure(p.read_text(encoding="utf-8"), "x.yml"), Document)
        for p in fixtures
        if "save_time" in p.parts
    )
    assert fast >= len(fixtures) - 3 - broken_on_purpose
    inline = inline_flow_texts()
    assert len(inline) >= 20
    answered = sum(assert_alike(text, label) for label, text in inline)
    assert answered >= len(inline) // 2


def test_the_benchmarks_200_generated_flows_read_alike(tmp_path: Path) -> None:
    flows_dir, _ = generate(tmp_path, flows=200, steps=20)
    files = sorted(flows_dir.glob("*.yml"))
    assert len(files) > 200
    for path in files:
        assert assert_alike(path.read_text(encoding="utf-8"), path.name), path


#: YAML 1.1 reads these as booleans, octals, sexagesimals...; ruamel (1.2) does not.
EDGE_VALUES = [
    "yes", "no", "on", "off", "y", "n", "Yes", "NO", "On", "OFF", "Y", "N",
    "true", "True", "TRUE", "false", "False", "FALSE",
    "017", "0o17", "0x1F", "0b101", "1_000", "-1_0", "+5", "0", "-0", "1:20", "1:20:30", "1:20.5",
    "~", "null", "Null", "NULL", "",
    "2026-01-01", "2026-1-1", "2026-01-01T10:00:00Z", "2026-01-01 10:00:00", "2026-01-01t10:00:00.5+07:00",
    "1.5", "1.", ".5", "1e3", "1.0e+3", "-1.5e-3", ".inf", "-.Inf", "+.INF", ".nan", "1_000.5",
    "hello", "a b", "Apa itu OTP?", "50%", "a:b", "x#y", "-x", "--", "a_b c",
]  # fmt: skip

#: What the flows expect of some of them: YAML 1.2, as ruamel has always read them.
EXPECTED = {
    "yes": "yes", "no": "no", "on": "on", "off": "off", "y": "y", "n": "n", "Y": "Y", "N": "N",
    "true": True, "FALSE": False, "017": 17, "0o17": 15, "0x1F": 31, "0b101": 5, "1_000": 1000,
    "1:20": "1:20", "~": None, "null": None, "": None, "2026-01-01": "2026-01-01",
    "1e3": 1000.0,
}  # fmt: skip


def edge_documents(value: str) -> list[str]:
    shown = value if value else ""
    return [
        f"a: {shown}\nb: 1\n",
        f"a: {shown}\n",
        f"a: {shown}",
        f"- {shown}\n- x\n",
        f"{value or 'k'}: v\nother: w\n",
        f"steps:\n  - say: {shown}\n    id: s\n  - ask: q\n",
        f"a: [{value or 'k'}, x]\n",
        f"a: {{k: {value or 'k'}, j: x}}\n",
        f"a: '{value}'\nb: \"{value}\"\n",
        f"a:\n  # a comment\n\n  b: {shown}   # and another\nc: d\n",
    ]


@pytest.mark.parametrize("value", EDGE_VALUES)
def test_yaml_1_1_and_1_2_edge_cases_read_alike(value: str) -> None:
    for text in edge_documents(value):
        fast, pure = both(text)
        assert assert_alike(text, value), f"the fast path stood aside for {text!r}"
        assert isinstance(pure, Document)
    if value in EXPECTED:
        fast, _ = both(f"a: {value}\n")
        assert fast is not None
        assert repr(fast[0]["a"]) == repr(EXPECTED[value])


SPECIAL = [
    ("merge keys", "base: &b {say: x}\nsteps:\n  one:\n    <<: *b\n    id: one\n"),
    ("an explicit tag", "a: !!str 5\n"),
    ("a local tag", "a: !custom 5\n"),
    ("the non-specific tag", "a: ! 5\n"),
    ("a directive", "%YAML 1.1\n---\na: yes\n"),
    ("a duplicate key", "a: 1\na: 2\n"),
    ("a duplicate key by value", "true: a\n1: b\n"),
    ("a value key", "=: a\n"),
    ("value keys", "  =: \n  =: "),
    ("a key that is a mapping", "? {a: b}\n: c\n"),
    ("a key that is a list", "[a, b]: c\n"),
    ("a list that contains itself", "a: &x [*x]\n"),
    ("a lone scalar", "hello\n"),
    ("an empty document", "# nothing\n"),
    ("two documents", "a: 1\n---\nb: 2\n"),
    ("a syntax error", "a: [1, 2\n"),
    ("a tab indent", "\tbad: tab\n"),
    ("a tab after a colon", "yes: \t\n  yes"),
    ("a 1.1 line break", "a: b\x85c\n"),
    ("a byte order mark", "\ufeffa: b\n"),
    ("an empty value in a flow mapping", "a: {b: , c: d}\n"),
    # libyaml reads a comment where ruamel refuses one touching the header.
    ("a comment touching a block scalar's header", "- |#c\n"),
    ("... after its indicators", "a: |2-#x\n  y\n"),
]


@pytest.mark.parametrize(("why", "text"), SPECIAL, ids=[w for w, _ in SPECIAL])
def test_what_the_fast_path_cannot_vouch_for_goes_the_pure_way(why: str, text: str) -> None:
    assert parse_fast(text) is None, why
    parsed = parse_yaml.__wrapped__(text, "x.yml")
    assert parsed == parse_pure(text, "x.yml")


def test_aliases_and_anchors_read_alike() -> None:
    text = "defaults: &d\n  tries: 3\n  say: x\none: *d\ntwo: [*d, &s plain, *s]\n"
    assert assert_alike(text)
    fast = parse_fast(text)
    assert fast is not None
    assert fast[0]["one"] == {"tries": 3, "say": "x"} and fast[0]["two"][2] == "plain"


def test_line_ends_comments_and_block_scalars_read_alike() -> None:
    text = (
        "# header\nflow: x   # trailing\nsteps:\n\n  - say: |\n      two\n      lines\n"
        "    id: a\n  - say: >-\n      folded\n      text\n\n      more\n    next:\n"
        '  - ask: "esc\\u00e9 \\/ \\x41"\n    expect: text\n  - end:\n'
    )
    for variant in (text, text.replace("\n", "\r\n"), text.rstrip("\n"), "\n\n" + text):
        assert assert_alike(variant), variant


def test_the_resolvers_are_the_round_trip_loaders_own() -> None:
    """Plain scalars resolve with exactly the table ruamel's YAML 1.2 loader uses."""
    theirs = YAML(typ="rt").resolver.versioned_resolver
    assert None not in theirs
    assert {k: [(t, r.pattern) for t, r in v] for k, v in RESOLVERS.items()} == {
        k: [(str(t), r.pattern) for t, r in v] for k, v in theirs.items()
    }


# Generated documents: line soup from YAML's tricky pieces, real YAML dumped in
# every style, and the bundled flows with lines dropped, repeated, shifted or cut.
# Either path may refuse; when the fast one answers, it must agree.

pieces = st.sampled_from(
    [*EDGE_VALUES, "say", "welcome/menu", "x y", "'q'", '"d\\"q"', "'it''s'", "&a x", "*a",
     "!!str 5", "|", ">", "|-", ">+", "-", "- a", "? a", "[a, b]", "{a: b}", "{a, b: }",
     "[a: b]", "ü", "😀", "#c", "a #c", "x]", ":", "{", "}", ",", "\t", "<<: *a", "*a : b",
     "---", "--- a", "...", "%YAML 1.2", "\r", "  \n", "a\n  b"]
)  # fmt: skip
line = st.tuples(
    st.sampled_from(["", "  ", "    ", "- ", "  - ", "    - ", "\t"]),
    pieces,
    st.sampled_from(["", ": ", ":", " : ", ":\n"]),
    st.sampled_from(["", *EDGE_VALUES[:30]]) | pieces,
    st.sampled_from(["", "  # note", " #x"]),
).map("".join)
soup = st.tuples(
    st.lists(line, min_size=1, max_size=8), st.sampled_from(["\n", "\r\n"]), st.booleans()
).map(lambda t: t[1].join(t[0]) + (t[1] if t[2] else ""))

leaves = st.one_of(
    st.none(), st.booleans(), st.integers(-5, 99), st.floats(allow_nan=False),
    st.text(max_size=8), st.sampled_from(EDGE_VALUES),
)  # fmt: skip
trees = st.recursive(
    leaves,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.text(max_size=6) | st.sampled_from(EDGE_VALUES), inner, max_size=3)
    ),
    max_leaves=12,
)
dumped = st.builds(
    lambda data, flow, width, indent: yaml.safe_dump(
        data, default_flow_style=flow, width=width, indent=indent, allow_unicode=True
    ),
    trees,
    st.sampled_from([False, True, None]),
    st.integers(20, 80),
    st.integers(2, 4),
)


BUNDLED = [p.read_text(encoding="utf-8").splitlines() for p in sorted(ROOT.glob("flows/*.yml"))]


def _edit(lines: list[str], edits: list[tuple[int, int, str]]) -> str:
    """The bundled file with lines dropped, repeated, shifted or cut short."""
    out = list(lines)
    for where, how, piece in edits:
        i = where % len(out) if out else 0
        if not out:
            break
        if how == 0:
            del out[i]
        elif how == 1:
            out.insert(i, out[i])
        elif how == 2:
            out[i] = " " + out[i]
        elif how == 3:
            out[i] = out[i][1:]
        elif how == 4:
            out[i] = out[i][: len(out[i]) // 2] + piece
        else:
            out.insert(i, piece)
    return "\n".join(out) + "\n"


mutated = st.builds(
    _edit,
    st.sampled_from(BUNDLED),
    st.lists(st.tuples(st.integers(0, 400), st.integers(0, 5), pieces), min_size=1, max_size=4),
)


@pytest.mark.slow
@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.one_of(soup, dumped, mutated))
def test_generated_documents_read_alike_whenever_the_fast_path_answers(text: str) -> None:
    assert_alike(text)
