"""A snapshot's template of text alone is answered without Jinja: the same text exactly.

``Templates.render`` skips Jinja (and building the context) for a template
with no Jinja in it; what it returns must be what Jinja renders, for every
template Sandi ships and for the odd spellings of text (whitespace control,
raw blocks, comments, a trailing newline), with or without a context.
"""

from __future__ import annotations

from datetime import UTC, datetime

import jinja2
import pytest

from app.config import ROOT
from app.content.render import Templates
from app.content.snapshot import take

ODD = {
    "id/plain.j2": "Halo! Ada yang bisa kami bantu?\n",
    "id/two_newlines.j2": "Halo\n\n",
    "id/padded.j2": "  \n  Halo  \n\n",
    "id/empty.j2": "",
    "id/blank.j2": "\n \n",
    "id/raw.j2": "{% raw %}{{ name }} {% if %}{% endraw %} ok",
    "id/comment.j2": "Halo {# a note for the marketer #}kak",
    "id/dashes.j2": "Halo   {#- trimmed -#}   kak",
    "id/blocks.j2": "Halo\n  {% if true %}\nkak\n  {% endif %}\nya",
    "id/name.j2": "Halo{% if name %} {{ name }}{% endif %}!",
    "id/const.j2": "{{ 'Halo' }} kak",
    "id/none.j2": "Halo {{ nothing }}.",
    "id/date.j2": "Tanggal {{ when | date }}",
    "en/plain.j2": "Hello!",
}


def jinja_render(templates: Templates, path: str, context: dict[str, object]) -> str:
    """What rendering through Jinja gives (Templates.render before the shortcut)."""
    return templates.env.get_template(path).render(context).strip()


@pytest.mark.parametrize(
    "context",
    [{}, {"name": "Sari", "nothing": None, "when": datetime(2026, 12, 3, tzinfo=UTC)}],
)
def test_odd_texts_render_as_jinja_renders_them(context: dict[str, object]) -> None:
    templates = Templates(ROOT / "templates", ODD, ("id", "en"))
    for path in ODD:
        locale, name = path.removesuffix(".j2").split("/", 1)
        try:
            want = jinja_render(templates, path, {**context, "locale": locale})
        except jinja2.UndefinedError:
            with pytest.raises(jinja2.UndefinedError):
                templates.render(name, locale, {**context, "locale": locale})
            continue
        values = {**context, "locale": locale}
        assert templates.render(name, locale, values) == want, path
        assert templates.render(name, locale, lambda values=values: values) == want, path


def test_only_text_skips_jinja_and_the_context() -> None:
    templates = Templates(ROOT / "templates", ODD, ("id", "en"))

    def no_context() -> dict[str, object]:
        raise AssertionError("a template of text alone needs no context")

    for name in ("plain", "two_newlines", "padded", "empty", "blank", "raw", "comment", "dashes"):
        assert templates.render(name, "id", no_context) == jinja_render(
            templates, f"id/{name}.j2", {}
        )
    with pytest.raises(AssertionError):
        templates.render("name", "id", no_context)


def test_a_missing_language_still_falls_back(caplog: pytest.LogCaptureFixture) -> None:
    templates = Templates(ROOT / "templates", ODD, ("en", "id"))
    assert templates.render("two_newlines", "en", {}) == "Halo"
    assert "missing in en" in caplog.text


def test_every_shipped_template_renders_as_jinja_renders_it() -> None:
    snapshot = take(ROOT / "flows", ROOT / "templates")
    templates = snapshot.templates()
    context: dict[str, object] = {"name": "Sari", "brand": "Toko Kenari"}
    text_only = 0
    for path in snapshot.template_texts:
        locale, name = path.removesuffix(".j2").split("/", 1)
        try:
            want = jinja_render(templates, path, {**context, "locale": locale})
        except (jinja2.TemplateError, TypeError, ValueError):
            continue  # needs values this test does not give: rendered by Jinja anyway
        assert templates.render(name, locale, {**context, "locale": locale}) == want, path
        text_only += templates._constant(path) is not None
    assert text_only > 50  # most replies are text alone
