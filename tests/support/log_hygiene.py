"""A pytest plugin: after the whole suite, no log line may hold a full phone number.

Every record from every logger, in every test, is kept (formatted, with its
exception text) and scanned at the end of the session. Unmasked E.164 numbers
fail the run. OTP codes are checked by the OTP tests, which know the codes.
"""

from __future__ import annotations

import logging
import re

import pytest

PHONE = re.compile(r"\+\d{8,15}")


class _Collector(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.violations: list[str] = []
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1
        try:
            text = record.getMessage()
        except Exception:  # a broken format string is itself worth seeing
            text = str(record.msg)
        if record.exc_info and record.exc_info[1] is not None:
            text += " " + str(record.exc_info[1])
        if PHONE.search(text):
            self.violations.append(f"{record.name}: {text[:200]}")


_collector = _Collector()


def pytest_configure(config: pytest.Config) -> None:
    logging.getLogger().addHandler(_collector)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    logging.getLogger().removeHandler(_collector)
    if _collector.violations:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        lines = "\n".join(_collector.violations[:20])
        message = f"log hygiene: {len(_collector.violations)} log lines hold an unmasked phone number:\n{lines}"
        if reporter:
            reporter.write_line(message, red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
