"""A pytest plugin: after the whole suite, no log line and no metric may hold a
full phone number or an OTP code that Sandi issued during the run.

Every record from every logger, in every test, is scanned as it is emitted
(formatted, with its exception text). Every app's Prometheus registry is
rendered when the test that built it ends — what ``/metrics`` would have
served — and scanned the same way. At the end of the session:

- an unmasked E.164 number in a log record or a metric fails the run;
- so does any code Sandi issued during the run, written in a record or a
  metric as digits (``123456``), spaced or dashed (``123 456``, ``123-456``)
  or spelled out one digit at a time (``1, 2, 3, 4, 5, 6``, as the voice
  channel reads it).

Codes are collected by wrapping, in this plugin only, the one place Sandi
makes them: :meth:`app.otp.codes.CodeGenerator.generate` (the product runs
unchanged; the wrapper only records). Codes shorter than 6 digits are not
looked for — four digits turn up by chance in too many other places (the
visible end of every masked number) for a hit to mean anything — and neither
are the 4-digit codes a flash call's caller number dictates; their tests
check them.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Callable, Iterable
from typing import Any

import pytest

PHONE = re.compile(r"\+\d{8,15}")
#: Digit groups joined by single spaces, dashes or ", " (voice), standing alone.
_DIGIT_RUN = re.compile(r"(?<![0-9A-Za-z])\d+(?:(?:, |[ -])\d+)*(?![0-9A-Za-z])")
_SEPARATORS = re.compile(r"[ ,-]")
#: Clock times and dates as loggers write them (werkzeug's "[02/Dec/2026 02:51:11]",
#: ISO "2026-12-02", "02:51:11.123"): never a code, but "2026 02" joined by its space
#: reads as six digits, and with thousands of codes issued one run matched by chance.
_TIMESTAMPS = re.compile(
    r"\b\d{2}/[A-Z][a-z]{2}/\d{4}\b|\b\d{4}-\d{2}-\d{2}\b|\b\d{2}:\d{2}:\d{2}(?:[.,]\d+)?\b"
)
MIN_CODE = 6


def digit_tokens(text: str) -> set[str]:
    """Every code-like number in ``text``, separators removed (6 to 10 digits)."""
    found = set()
    for run in _DIGIT_RUN.findall(_TIMESTAMPS.sub(" ", text)):
        digits = _SEPARATORS.sub("", run)
        if MIN_CODE <= len(digits) <= 10:
            found.add(digits)
        # A code may sit inside a longer spaced run ("... 12 345678 ..."): its groups too.
        for group in re.split(r", | |-", run):
            if MIN_CODE <= len(group) <= 10:
                found.add(group)
    return found


class _Hygiene:
    """Codes are matched against what was logged in the same test.

    Across a whole run (over 8,000 codes issued, so almost 1 % of all six-digit
    numbers) a fuzzer's random query value or a timestamp would match some other
    test's code by chance; a code leaks where it is logged by the test that made it.
    """

    def __init__(self) -> None:
        self.phone_leaks: list[str] = []
        self.issued: set[str] = set()
        #: code-like token -> where it was first seen (a log record or a metric)
        self.seen: dict[str, str] = {}
        self.records = 0
        self.metrics_rendered = 0
        #: the Metrics of apps built by the running test (kept until it ends)
        self.registries: list[Any] = []
        self.leaks: list[str] = []
        #: what the running test issued and logged (cleared by :meth:`end_test`)
        self._issued_now: set[str] = set()
        self._seen_now: dict[str, str] = {}

    def scan(self, text: str, where: str) -> None:
        if PHONE.search(text):
            self.phone_leaks.append(f"{where}: {text[:200]}")
        for token in digit_tokens(text):
            self.seen.setdefault(token, f"{where}: {text[:200]}")
            self._seen_now.setdefault(token, f"{where}: {text[:200]}")

    def issue(self, code: object) -> None:
        if isinstance(code, str) and code.isdigit() and len(code) >= MIN_CODE:
            self.issued.add(code)
            self._issued_now.add(code)

    def end_test(self) -> None:
        """Record the codes the test issued that its logs or metrics show."""
        self.leaks += self.code_leaks()
        self._issued_now, self._seen_now = set(), {}

    def code_leaks(self) -> list[str]:
        """The running test's leaks so far."""
        now = self._issued_now & self._seen_now.keys()
        return [self._seen_now[code] for code in sorted(now)]


_hygiene = _Hygiene()


class _Collector(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)

    def emit(self, record: logging.LogRecord) -> None:
        _hygiene.records += 1
        try:
            text = record.getMessage()
        except Exception:  # a broken format string is itself worth seeing
            text = str(record.msg)
        if record.exc_info and record.exc_info[1] is not None:
            text += " " + str(record.exc_info[1])
        _hygiene.scan(text, f"log {record.name}")


_collector = _Collector()


def _record_result(method: Callable[..., Any], pick: Callable[[Any], Iterable[object]]) -> Any:
    @functools.wraps(method)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        result = method(*args, **kwargs)
        for code in pick(result):
            _hygiene.issue(code)
        return result

    return wrapper


def _track_registries(init: Callable[..., None]) -> Callable[..., None]:
    @functools.wraps(init)
    def wrapper(self: Any, *args: Any, **kwargs: Any) -> None:
        init(self, *args, **kwargs)
        _hygiene.registries.append(self)

    return wrapper


def _install() -> None:
    from app.metrics import Metrics
    from app.otp.codes import CodeGenerator

    CodeGenerator.generate = _record_result(CodeGenerator.generate, lambda code: [code])  # type: ignore[method-assign]
    Metrics.__init__ = _track_registries(Metrics.__init__)  # type: ignore[method-assign]


def pytest_configure(config: pytest.Config) -> None:
    logging.getLogger().addHandler(_collector)
    _install()


@pytest.hookimpl(trylast=True)
def pytest_runtest_teardown(item: pytest.Item) -> None:
    """Render the metrics of every app the test built: what /metrics would serve."""
    registries, _hygiene.registries = _hygiene.registries, []
    for metrics in registries:
        _hygiene.metrics_rendered += 1
        _hygiene.scan(metrics.render().decode(), f"metrics of {item.nodeid}")
    _hygiene.end_test()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    logging.getLogger().removeHandler(_collector)
    problems = []
    if _hygiene.phone_leaks:
        lines = "\n".join(_hygiene.phone_leaks[:20])
        problems.append(
            f"{len(_hygiene.phone_leaks)} log lines or metrics hold an unmasked phone number:\n{lines}"
        )
    _hygiene.end_test()  # what was logged after the last test
    leaks = _hygiene.leaks
    if leaks:
        problems.append(
            f"{len(leaks)} issued OTP codes appear in logs or metrics:\n" + "\n".join(leaks[:20])
        )
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter:
        reporter.write_line(
            f"log hygiene: {_hygiene.records} log records and {_hygiene.metrics_rendered} metric "
            f"renderings checked against {len(_hygiene.issued)} issued codes "
            f"({len(_hygiene.seen)} code-like numbers seen in them)"
        )
    if problems:
        message = "log hygiene: " + "\n".join(problems)
        if reporter:
            reporter.write_line(message, red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
