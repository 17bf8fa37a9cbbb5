"""Logging that is safe to ship: numbers masked, bodies and codes never at INFO.

``SANDI_LOG_FORMAT=json`` writes one JSON object per line (python-json-logger),
for Sandi's records and gunicorn's alike. Every record made while a request is
served carries that request's context — ``request_id``, the masked
``conversation``, ``message_sid``, ``verification_id`` — bound by
:func:`bind_log_context` (app/request_context.py binds them per request).
"""

from __future__ import annotations

import contextvars
import logging
import os
import re
import time
from typing import Any

_EMAIL = re.compile(r"^([^@]{1,2})[^@]*(@.+)$")
#: A phone number inside free text: a URL path (``/Verifications/+628...``), a
#: percent-encoded query (``to=%2B628...``) or a plain ``+628...``.
_NUMBER_IN_TEXT = re.compile(r"(\+|%2[bB])(\d{6,15})")


def mask(address: str | None) -> str:
    """Mask a phone number or e-mail address for a log line.

    ``+6281234567890`` becomes ``+62812****7890``: enough to tell customers
    apart when reading logs, not enough to contact one.
    """
    if not address:
        return "-"
    prefix = ""
    if ":" in address and not address.startswith("+"):
        prefix, _, address = address.partition(":")
        prefix += ":"
    match = _EMAIL.match(address)
    if match:
        return f"{prefix}{match.group(1)}***{match.group(2)}"
    if len(address) >= 11:
        return f"{prefix}{address[:6]}****{address[-4:]}"
    if len(address) > 4:
        return f"{prefix}{'*' * (len(address) - 2)}{address[-2:]}"
    return prefix + "*" * len(address)


def mask_ip(address: str | None) -> str:
    """An IP address for a log line: ``203.0.113.9`` -> ``203.0.x.x`` (IPv6: first 3 groups)."""
    if not address:
        return "-"
    if ":" in address:
        return ":".join(address.split(":")[:3]) + ":x"
    parts = address.split(".")
    return ".".join(parts[:2] + ["x"] * (len(parts) - 2)) if len(parts) == 4 else "x"


def mask_numbers(text: str) -> str:
    """Mask every phone number inside ``text`` (request lines, URLs)."""
    return _NUMBER_IN_TEXT.sub(lambda m: m.group(1) + mask("+" + m.group(2))[1:], text)


class MaskNumbers(logging.Filter):
    """Masks numbers in records we do not write ourselves (werkzeug's request lines)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = mask_numbers(record.getMessage())
        record.args = None
        return True


#: The fields a request's records carry, in this order; "-" where not known.
CONTEXT_FIELDS = ("request_id", "conversation", "message_sid", "verification_id")
_CONTEXT: contextvars.ContextVar[dict[str, str] | None] = contextvars.ContextVar(
    "sandi_log_context", default=None
)
_PLAIN = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def bind_log_context(**fields: str | None) -> None:
    """Add fields to the current request's log context (values already masked)."""
    current = dict(_CONTEXT.get() or ())
    for name, value in fields.items():
        if value:
            current[name] = value
    _CONTEXT.set(current)


def clear_log_context() -> None:
    _CONTEXT.set(None)


class RequestContext(logging.Filter):
    """Copies the request's context onto every record (a handler filter: all loggers)."""

    def filter(self, record: logging.LogRecord) -> bool:
        context = _CONTEXT.get() or {}
        for name in CONTEXT_FIELDS:
            setattr(record, name, context.get(name, "-"))
        return True


def json_logging() -> bool:
    """Whether SANDI_LOG_FORMAT asks for JSON lines (``json``) or plain text (``text``)."""
    value = os.environ.get("SANDI_LOG_FORMAT", "text").strip().lower() or "text"
    if value not in {"text", "json"}:
        raise ValueError(f"SANDI_LOG_FORMAT must be text or json, not {value!r}")
    return value == "json"


class _PlainFormatter(logging.Formatter):
    """The plain format, its timestamp's date and time formatted once per second.

    A request's log line is ~50 µs of CPU in the request path, a third of it
    formatting; ``time.strftime`` of the same second over and over is the part
    that can go. (The default ``datefmt``, milliseconds appended as logging does.)
    """

    _cached: tuple[int, str] = (-1, "")

    def __init__(self, fmt: str = _PLAIN) -> None:
        super().__init__(fmt)
        #: Only the plain format itself, in %-style, takes :meth:`format`'s short way.
        self._lean = fmt == _PLAIN and type(self._style) is logging.PercentStyle

    def format(self, record: logging.LogRecord) -> str:
        """logging's own ``format`` without its layers (``usesTime``, ``formatMessage``,
        the style's ``format`` and ``_format``: five calls a line) for a record with no
        exception or stack to append; such a record takes logging's whole way."""
        if not self._lean or record.exc_info or record.exc_text or record.stack_info:
            return super().format(record)
        record.message = record.getMessage()
        record.asctime = self.formatTime(record, self.datefmt)
        return self._fmt % record.__dict__  # type: ignore[operator]

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        second, stamp = self._cached
        if second != int(record.created):
            second = int(record.created)
            stamp = time.strftime(self.default_time_format, self.converter(record.created))
            self._cached = (second, stamp)
        return f"{stamp},{int(record.msecs):03d}"  # as logging's default_msec_format


def _lean_records() -> None:
    """Records without what no Sandi format prints: the thread's name and
    multiprocessing's process name (the Logging HOWTO's "Optimization" switches).
    The caller's file and line stay: pytest's and a developer's formats print them."""
    logging.logThreads = False
    logging.logMultiprocessing = False


def formatter() -> logging.Formatter:
    """The formatter SANDI_LOG_FORMAT asks for."""
    if not json_logging():
        return _PlainFormatter(_PLAIN)
    from pythonjsonlogger.json import JsonFormatter

    return JsonFormatter(
        "%(asctime)s %(levelname)s %(name)s %(message)s",
        rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
        static_fields=None,
        timestamp=False,
    )


def sandi_handler(stream: str = "stderr") -> logging.Handler:
    """:func:`handler`, marked as Sandi's so :func:`configure` adds no second one."""
    import sys

    _lean_records()  # process-wide: set where the process's logging is set up
    out = logging.StreamHandler(sys.stdout if stream == "stdout" else sys.stderr)
    out.setFormatter(formatter())
    out.addFilter(RequestContext())
    out._sandi = True  # type: ignore[attr-defined]
    return out


def gunicorn_logconfig(access_log: bool) -> dict[str, Any]:
    """gunicorn's ``logconfig_dict``: its records and Sandi's through one handler.

    With a logconfig gunicorn always formats access lines; unless ``access_log``
    they stop at the logger's level (WARNING) instead of being printed.
    """
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "handlers": {
            "sandi": {"()": "app.logs.sandi_handler"},
            "access": {"()": "app.logs.sandi_handler", "stream": "stdout"},
        },
        "root": {"level": "INFO", "handlers": ["sandi"]},
        "loggers": {
            "gunicorn.error": {"level": "INFO", "handlers": [], "propagate": True},
            "gunicorn.access": {
                "level": "INFO" if access_log else "WARNING",
                "handlers": ["access"],
                "propagate": False,
            },
        },
    }


def configure(level: str) -> None:
    """Sandi's format on stderr (plain or JSON lines, SANDI_LOG_FORMAT), once per process."""
    root = logging.getLogger()
    if not any(getattr(h, "_sandi", False) for h in root.handlers):
        root.addHandler(sandi_handler())
    logging.getLogger("app").setLevel(level)
    werkzeug = logging.getLogger("werkzeug")
    if not any(isinstance(f, MaskNumbers) for f in werkzeug.filters):
        werkzeug.addFilter(MaskNumbers())
