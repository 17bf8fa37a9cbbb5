"""Waiting for another thread or process: a bounded poll, never a sleep for time to pass."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any


def wait_for(
    condition: Callable[[], Any], seconds: float = 30.0, step: float = 0.01, what: str = ""
) -> Any:
    """Poll ``condition`` until it returns something true, and return that.

    An ``OSError`` counts as "not yet" (a server still starting refuses
    connections); after ``seconds`` the test fails, naming ``what``.
    """
    deadline = time.monotonic() + seconds
    while True:
        try:
            found = condition()
        except OSError:
            found = None
        if found:
            return found
        assert time.monotonic() < deadline, f"timed out waiting for {what or condition}"
        time.sleep(step)
