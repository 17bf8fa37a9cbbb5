"""Loading flows takes two shortcuts; each must give exactly the slow path's answer.

- The flow schema is first checked by a compiled validator (fastjsonschema);
  only a file it refuses goes through jsonschema, which explains. So both must
  agree on what is valid, or a broken file would load.
- A template's variables are read off its syntax tree when it binds no names
  of its own; that must equal jinja2's own analysis.
- A template of text and ``{{ name }}`` tags only is not parsed at all; its
  tags must be what jinja2 finds, and jinja2 must find no syntax error.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jinja2 import meta

from app.config import ROOT
from app.content.render import Templates
from app.content.schema import STEP_KINDS, _valid, _validator
from app.content.source import Problem, read_yaml
from app.content.templates_check import all_templates, simple_variables, undeclared_variables
from bench.flowgen import generate


def slow_valid(data: Any) -> bool:
    return not any(True for _ in _validator().iter_errors(data))


def test_every_bundled_and_generated_flow_file_is_judged_alike(tmp_path: Path) -> None:
    flows_dir, _ = generate(tmp_path, flows=5, steps=20)
    files = sorted(flows_dir.glob("*.yml"))
    assert len(files) > 5
    for path in files:
        doc = read_yaml(path, path.name)
        assert not isinstance(doc, Exception)
        assert _valid(doc.data) is slow_valid(doc.data) is True, path


scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-3, 20), st.floats(allow_nan=False), st.text(max_size=12),
    st.sampled_from(["welcome/menu", "text", "choice", "yes_no", "5s", "2m", "a_b", "Bad Name",
                     "{{ x }}", "/path", "email", "sms", "auto", "faq"]),
)  # fmt: skip
keys = st.sampled_from(
    [*STEP_KINDS, "id", "next", "expect", "save_as", "choices", "tries", "invalid", "on_fail",
     "then", "else", "channel", "to", "body", "save", "timeout", "on_error", "on_expired",
     "value", "label", "words", "goto_flow", "purpose", "unknown_key"]
)  # fmt: skip
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(keys, inner, max_size=4),
    max_leaves=10,
)
steps = st.dictionaries(keys, values, min_size=1, max_size=5)
documents = st.one_of(
    st.fixed_dictionaries(
        {"flow": st.sampled_from(["gen", "Bad Flow", "x"]), "steps": st.lists(steps, max_size=4)},
        optional={"description": scalars, "triggers": values, "extra": values},
    ),
    st.dictionaries(
        st.sampled_from(["faq", "commands", "settings", "flow", "x"]), values, max_size=3
    ),
)


@pytest.mark.slow
@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=documents)
def test_the_compiled_schema_and_jsonschema_agree_on_any_document(data: dict[str, Any]) -> None:
    assert _valid(data) is slow_valid(data)


EDGE_CASES = [
    "plain text",
    "{{ a }} and {{ b.c }} and {{ d['e'] | upper }}",
    "{% if x is defined and y %}{{ z }}{% else %}{{ w }}{% endif %}",
    "{% for item in items %}{{ item }} {{ loop.index }} {{ other }}{% endfor %}",
    "{% set n = 3 %}{{ n }} {{ m }}",
    "{% macro hi(who) %}{{ who }} {{ outer }}{% endmacro %}{{ hi(name) }}",
    "{% with q = 1 %}{{ q }}{% endwith %}{{ q }}",
    "{{ self }} {{ range(3) }} {{ caller }}",
    "{% filter upper %}{{ f }}{% endfilter %}",
    "{{ x if y else z }} {{ [a, b] }} {{ {'k': v} }}",
]


@pytest.mark.parametrize("source", EDGE_CASES)
def test_template_variables_equal_jinjas_analysis(source: str) -> None:
    ast = Templates(ROOT / "templates").env.parse(source)
    assert undeclared_variables(ast) == meta.find_undeclared_variables(ast)


def test_every_bundled_template_gives_jinjas_variables() -> None:
    templates = Templates(ROOT / "templates")
    found = all_templates(templates.root, templates.locales)
    assert len(found) > 50
    for name, locale in found:
        source = (templates.root / locale / f"{name}.j2").read_text(encoding="utf-8")
        ast = templates.env.parse(source)
        assert undeclared_variables(ast) == meta.find_undeclared_variables(ast), (locale, name)


TRICKY_YAML = [
    "a: yes\nb: on\nc: 010\nd: 0o10\ne: 1_000\nf: 2026-01-01\ng: !!str 5\nh: &x [1, 2]\ni: *x\n",
    "a: 1\na: 2\n",
    "a: [1, 2\n",
    "- x\n- {a: b, c: [d, e]}\n",
    "a: !custom 5\n",
    "k: 'q'  # comment\nl: \"dq\"\n# between\nm: |\n  lit\n  x\nn: >\n  folded\n",
    "a: .inf\nb: -.5\nc: 1e3\nd: ~\ne:\n",
    "steps:\n  - say: x   # a comment after a value\n    # a comment line in a list\n  - ask: y\n",
    "\tbad: tab\n",
    "a: b: c\n",
]


def test_yaml_without_comment_scanning_reads_the_same(tmp_path: Path) -> None:
    """Every bundled, generated and tricky document: same data, same positions, same errors."""
    from app.content.source import parse_with, parse_yaml, round_trip_yaml

    flows_dir, _ = generate(tmp_path, flows=3, steps=20)
    texts = [(p.read_text(encoding="utf-8"), p.name) for p in sorted(flows_dir.glob("*.yml"))]
    texts += [(text, f"tricky{i}.yml") for i, text in enumerate(TRICKY_YAML)]
    for text, name in texts:
        fast = parse_yaml.__wrapped__(text, name)
        slow = parse_with(round_trip_yaml(comments=True), text, name)
        if isinstance(slow, Problem):
            assert fast == slow, name
        else:
            assert not isinstance(fast, Problem), name
            assert (fast.data, fast.keys, fast.values) == (slow.data, slow.keys, slow.values), name


SIMPLE_CASES = [
    "plain", "", "{{ a }}", "{{a}}", "{{   a   }}", "x {{ a.b }} y {{ c.d.e }}", "{{ a }}{{ a }}",
    "{{ a }}\n{{ b }}\n", "}} {{ a }} }}", "{{ a }}}", "{{{ a }}", "{{ a }", "{{", "}}",
    "{{ true }}", "{{ None }}", "{{ not }}", "{{ a.if }}", "{{ if.a }}", "{{ range }}", "{{ loop }}",
    "{{ self }}", "{{ caller }}", "{{ a | upper }}", "{{- a }}", "{{ a -}}", "{{ a.0 }}",
    "{{ a. b }}", "{{ a .b }}", "{{\ta }}", "{{ \u00e9 }}", "{{ a }} {# note #}",
    "{% raw %}{{ a }}{% endraw %}", "{{ 'x' }}", "{{ a }} %} #}", "{ { a } }", "{{ _a1 }}",
    "{{ 1a }}", "{{ a['b'] }}", "{{ a() }}", "{{ a }}{%", "{#", "{{ dict }}", "{{ namespace }}",
]  # fmt: skip


def assert_simple_is_jinjas(source: str, env: Any) -> bool:
    """simple_variables agrees with jinja2 whenever it answers; True when it did."""
    found = simple_variables(source, env)
    if found is None:
        return False
    ast = env.parse(source)  # must not raise: a simple template has no syntax error
    assert found == undeclared_variables(ast) == meta.find_undeclared_variables(ast), source
    return True


@pytest.mark.parametrize("source", SIMPLE_CASES)
def test_simple_templates_read_as_jinja_reads_them(source: str) -> None:
    assert_simple_is_jinjas(source, Templates(ROOT / "templates").env)


def test_simple_template_edge_cases_go_the_right_way() -> None:
    env = Templates(ROOT / "templates").env
    assert simple_variables("Hi {{ name }}, {{ order.id }}", env) == {"name", "order"}
    assert simple_variables("no tags at all", env) == set()
    for source in ("{{ true }}", "{{{ a }}", "{{ a | upper }}", "{{ loop }}", "{{ range }}",
                   "{% if a %}x{% endif %}", "{{ a }", "{# c #}"):  # fmt: skip
        assert simple_variables(source, env) is None, source


def test_every_bundled_and_generated_template_reads_alike(tmp_path: Path) -> None:
    _, templates_dir = generate(tmp_path, flows=3, steps=20)
    env = Templates(templates_dir).env
    found = all_templates(templates_dir, ("id", "en"))
    simple = 0
    for name, locale in found:
        source = (templates_dir / locale / f"{name}.j2").read_text(encoding="utf-8")
        simple += assert_simple_is_jinjas(source, env)
        if name.startswith("gen_"):
            assert simple_variables(source, env) is not None, (locale, name)
    assert simple > len(found) // 2


expressions = st.lists(
    st.sampled_from(["a", "b_1", "true", "None", "if", "not", "loop", "range", ".", "|", "upper",
                     "0", "é", "'x'", "(", ")", " "]),
    max_size=4,
).map("".join)  # fmt: skip
tags = st.tuples(
    st.sampled_from(["{{", "{{", "{{-", "{{{", "{"]),
    st.sampled_from(["", " ", "  ", "\t"]),
    expressions,
    st.sampled_from(["", " "]),
    st.sampled_from(["}}", "}}", "-}}", "}", "}}}"]),
).map("".join)
texts = st.sampled_from(["x", " ", "\n", "}", "{", "%", "#", "{%", "{#", "#}", "%}", "é"])


@pytest.mark.slow
@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(source=st.lists(tags | texts, max_size=6).map("".join))
def test_any_text_the_simple_reader_answers_is_read_as_jinja_reads_it(source: str) -> None:
    assert_simple_is_jinjas(source, Templates(ROOT / "templates").env)
