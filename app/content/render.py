"""Message templates: ``templates/<locale>/<name>.j2``, compiled once.

Rendered in Jinja2's sandbox (a template cannot reach Python internals).
Plain text, so autoescape is off; StrictUndefined turns a misspelt variable
into an error at check time instead of an empty gap in a customer's message.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Protocol

import jinja2
from jinja2.runtime import new_context

from app.config import LOCALES
from app.content.template_safety import sandboxed

log = logging.getLogger(__name__)


class Templates:
    """Templates under ``root``, read from disk or from a snapshot of it.

    With ``sources`` (``{"id/welcome/menu.j2": text}``, see
    :mod:`app.content.snapshot`) nothing is read from disk again: a hot
    reload validates one snapshot and then serves exactly that, even while an
    editor is half-way through saving the next change. ``locales`` are the
    languages of this server (``SANDI_LOCALES``): the order a missing
    template falls back in, and what the checks look for.
    """

    def __init__(
        self,
        root: Path,
        sources: Mapping[str, str] | None = None,
        locales: tuple[str, ...] = LOCALES,
    ) -> None:
        self.root = root
        self.locales = locales
        self.sources = dict(sources) if sources is not None else None
        self._on_disk: dict[tuple[str, str], bool] = {}
        self._constants: dict[str, str | None] = {}
        self._compiled: dict[str, tuple[jinja2.Template, dict[str, Any]]] = {}
        loader: jinja2.BaseLoader = (
            jinja2.DictLoader(self.sources)
            if self.sources is not None
            else jinja2.FileSystemLoader(str(root))
        )
        # Marketers edit these: data, never code (app.content.template_safety).
        self.env = sandboxed(
            loader=loader,
            undefined=jinja2.StrictUndefined,
            autoescape=False,
            keep_trailing_newline=False,
            trim_blocks=True,
            lstrip_blocks=True,
            auto_reload=False,
            # A variable not set yet prints as nothing, not as "None".
            finalize=lambda value: "" if value is None else value,
        )

    def exists(self, name: str, locale: str) -> bool:
        if self.sources is not None:
            return f"{locale}/{name}.j2" in self.sources
        # Remembered, like the compiled templates (auto_reload is off): no file
        # system call per message sent. os.path, not pathlib: a load checks
        # thousands of templates.
        found = self._on_disk.get((name, locale))
        if found is None:
            path = os.path.join(self.root, locale, f"{name}.j2")
            found = self._on_disk[(name, locale)] = os.path.isfile(path)
        return found

    def source(self, name: str, locale: str) -> str:
        """The template's text (raises OSError when it is missing or unreadable)."""
        if self.sources is not None:
            try:
                return self.sources[f"{locale}/{name}.j2"]
            except KeyError:
                raise FileNotFoundError(f"{locale}/{name}.j2") from None
        with open(os.path.join(self.root, locale, f"{name}.j2"), encoding="utf-8") as file:
            return file.read()

    def render(
        self,
        name: str,
        locale: str,
        context: Mapping[str, Any] | Callable[[], Mapping[str, Any]] | None = None,
    ) -> str:
        """Render in ``locale``, falling back to the other languages with a warning.

        ``context`` may be a function that builds it: a template without any
        Jinja in it (most replies) needs none, and is not run through Jinja
        either (:meth:`_constant`)."""
        if self.exists(name, locale):  # the usual case: the other languages not listed
            return self._rendered(name, locale, context)
        for candidate in self.locales:
            if candidate != locale and self.exists(name, candidate):
                log.warning("template %s missing in %s; using %s", name, locale, candidate)
                return self._rendered(name, candidate, context)
        raise jinja2.TemplateNotFound(name)

    def _rendered(
        self,
        name: str,
        locale: str,
        context: Mapping[str, Any] | Callable[[], Mapping[str, Any]] | None,
    ) -> str:
        """``name`` rendered from ``locale``'s own template."""
        path = f"{locale}/{name}.j2"
        text = self._constant(path)
        if text is not None:
            return text
        values = context() if callable(context) else context
        return self._jinja(path, values or {})

    def _jinja(self, path: str, values: Mapping[str, Any]) -> str:
        """``get_template(path).render(values).strip()``, for a snapshot's template with
        its globals flattened once.

        ``Template.render`` builds each context from the template's globals, a
        ChainMap over the environment's walked twice per render (a third of an OTP
        SMS's rendering). A snapshot's environment is never changed once built
        (:func:`sandboxed` sets its globals), so the walk's answer is kept beside
        the compiled template. Errors are Jinja's own, raised as ``render`` raises
        them. A template read from disk is rendered as ever (see :meth:`_constant`).
        """
        if self.sources is None:
            return self.env.get_template(path).render(values).strip()
        try:
            template, names = self._compiled[path]
        except KeyError:
            template = self.env.get_template(path)
            names = dict(template.globals)
            self._compiled[path] = (template, names)
        ctx = new_context(self.env, template.name, template.blocks, dict(values), False, names)
        try:
            return self.env.concat(template.root_render_func(ctx)).strip()
        except Exception:
            self.env.handle_exception()  # re-raises, the traceback pointing into the template

    def _constant(self, path: str) -> str | None:
        """A snapshot's template that is only text, as rendering it gives it; else None.

        Rendering one still costs Jinja a context (copied twice) and a
        generator, ~30 µs of a webhook turn. Its text is the same whatever the
        context: text is never finalized, autoescape is off, and the lexer has
        applied trim_blocks, lstrip_blocks and keep_trailing_newline. Only for
        a snapshot, which never changes: a template read from disk may be read
        again when Jinja's cache lets it go, and is rendered as it is then.
        """
        if self.sources is None:
            return None
        try:
            return self._constants[path]
        except KeyError:
            self.env.get_template(path)  # raises for a broken one, as rendering would
            found = self._constants[path] = _text_only(self.env.parse(self.sources[path], path))
            return found


def _text_only(ast: jinja2.nodes.Template) -> str | None:
    """The stripped text of a template made of text alone, else None."""
    parts = []
    for node in ast.body:
        if not isinstance(node, jinja2.nodes.Output):
            return None
        for child in node.nodes:
            if type(child) is not jinja2.nodes.TemplateData:
                return None
            parts.append(child.data)
    return "".join(parts).strip()


class TemplateSource(Protocol):
    """What the delivery channels need of the templates."""

    @property
    def locales(self) -> tuple[str, ...]: ...

    def exists(self, name: str, locale: str) -> bool: ...

    def source(self, name: str, locale: str) -> str: ...

    def render(self, name: str, locale: str, context: Mapping[str, Any] | None = None) -> str: ...


class LiveTemplates:
    """The templates of the version serving now, for the delivery channels.

    The chat flows render from the version a reload checked and swapped in;
    OTP messages (``otp_*.j2``) live in the same folder, so an edit to them
    goes live the same way, after the same checks, instead of at the next
    restart. Until :meth:`follow` is given the registry (built after the
    channels), the templates read at start-up serve.
    """

    def __init__(self, current: Callable[[], Templates]) -> None:
        self._current = current

    def follow(self, current: Callable[[], Templates]) -> None:
        self._current = current

    @property
    def locales(self) -> tuple[str, ...]:
        return self._current().locales

    def exists(self, name: str, locale: str) -> bool:
        return self._current().exists(name, locale)

    def source(self, name: str, locale: str) -> str:
        return self._current().source(name, locale)

    def render(self, name: str, locale: str, context: Mapping[str, Any] | None = None) -> str:
        return self._current().render(name, locale, context)
