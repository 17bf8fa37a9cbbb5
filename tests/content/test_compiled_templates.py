"""A snapshot's template with Jinja in it renders as ``Template.render`` renders it.

``Templates.render`` builds a snapshot template's context itself, from the
template's globals flattened once (``Templates._jinja``); the text, and any
error, must be Jinja's own: globals, filters, blocks, ``None`` printed as
nothing, a misspelt variable refused, on the first render and every later one.
"""

from __future__ import annotations

import traceback

import jinja2
import pytest

from app.config import ROOT
from app.content.otp_sms import context as otp_sms_context
from app.content.render import Templates
from app.content.snapshot import take

JINJA = {
    "id/globals.j2": "{% for i in range(3) %}{{ i }}{% endfor %} {{ dict(a=1).a }}"
    "{% set ns = namespace(n=2) %} {{ ns.n }}",
    "id/filters.j2": "{{ amount | rupiah }} {{ name | upper }}",
    "id/blocks.j2": "{% block greet %}Halo {{ name }}{% endblock %} / {{ self.greet() }}",
    "id/none.j2": "Halo {{ nothing }}.",
    "id/misspelt.j2": "Halo {{ nmae }}.",
    "id/loop.j2": "{% for x in items %}{{ loop.index }}={{ x }} {% endfor %}",
}
VALUES = {"name": "Sari", "nothing": None, "amount": 150000, "items": ["a", "b"]}


def jinja_render(templates: Templates, path: str, values: dict[str, object]) -> str:
    """What rendering through Jinja's own ``Template.render`` gives."""
    return templates.env.get_template(path).render(values).strip()


def test_templates_with_jinja_render_as_jinja_renders_them() -> None:
    templates = Templates(ROOT / "templates", JINJA, ("id",))
    for _ in range(2):  # compiled and flattened on the first render, kept for the next
        for path in JINJA:
            name = path.removesuffix(".j2").split("/", 1)[1]
            if name == "misspelt":
                continue
            assert templates.render(name, "id", VALUES) == jinja_render(templates, path, VALUES)
    assert templates.render("globals", "id", {}) == "012 1 2"
    assert templates.render("blocks", "id", VALUES) == "Halo Sari / Halo Sari"
    assert templates.render("none", "id", VALUES) == "Halo ."


def test_a_misspelt_variable_is_refused_as_jinja_refuses_it() -> None:
    templates = Templates(ROOT / "templates", JINJA, ("id",))
    with pytest.raises(jinja2.UndefinedError) as jinja:
        jinja_render(templates, "id/misspelt.j2", VALUES)
    for _ in range(2):
        with pytest.raises(jinja2.UndefinedError) as ours:
            templates.render("misspelt", "id", VALUES)
        assert str(ours.value) == str(jinja.value) == "'nmae' is undefined"
        # the traceback ends in the template's line, as Jinja's rewriting makes it
        (*_, last) = traceback.extract_tb(ours.value.__traceback__)
        (*_, jinja_last) = traceback.extract_tb(jinja.value.__traceback__)
        assert (last.filename, last.lineno, last.name) == (
            jinja_last.filename, jinja_last.lineno, jinja_last.name
        )  # fmt: skip
        assert last.name == "top-level template code"


def test_every_shipped_otp_sms_renders_as_jinja_renders_it() -> None:
    snapshot = take(ROOT / "flows", ROOT / "templates")
    templates = snapshot.templates()
    assert templates.sources is not None  # the serving templates: a snapshot's
    values = otp_sms_context(
        brand="Toko Kenari", code="482913", expires_in=300, purpose="payment",
        amount="Rp 150.000", payee="Warung Sari",
    )  # fmt: skip
    for locale in templates.locales:
        path = f"{locale}/otp_sms.j2"
        want = jinja_render(templates, path, values)
        assert templates.render("otp_sms", locale, values) == want
        assert "482913" in want and "Warung Sari" in want


def test_a_missing_language_falls_back_in_the_servers_order(
    caplog: pytest.LogCaptureFixture,
) -> None:
    sources = {
        "en/greet.j2": "Hello {{ name }}",
        "id/greet.j2": "Halo {{ name }}",
        "jv/only.j2": "Sugeng {{ name }}",
    }
    templates = Templates(ROOT / "templates", sources, ("jv", "en", "id"))
    assert templates.render("greet", "id", VALUES) == "Halo Sari"
    assert templates.render("only", "jv", VALUES) == "Sugeng Sari"
    assert caplog.text == ""  # the asked language has it: no word of the others
    assert templates.render("greet", "jv", lambda: VALUES) == "Hello Sari"  # en before id
    assert "template greet missing in jv; using en" in caplog.text
    assert templates.render("greet", "fr", VALUES) == "Hello Sari"  # not a server language
    with pytest.raises(jinja2.TemplateNotFound):
        templates.render("nowhere", "id", VALUES)
