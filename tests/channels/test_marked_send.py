"""``marked_send``: the attempt record follows the send, and its write hook is this send's only.

The hook is set on the send's context and taken off when the send ends, however it
ends: a later write (another send, an SMTP DATA) must never mark this attempt.
"""

from __future__ import annotations

import pytest

from app.channels.http_client import announce_write, before_write, marked_send
from app.otp.ports import DeliveryError


def refused(err: Exception) -> bool:
    return isinstance(err, DeliveryError) and not err.retryable


def test_a_written_send_is_marked_writing_and_the_hook_goes_with_it() -> None:
    marks: list[str] = []

    def send() -> str:
        announce_write()
        return "SM1"

    assert marked_send(marks.append, send, refused) == "SM1"
    assert marks == ["writing"]
    announce_write()  # after the send: not this attempt's write
    assert marks == ["writing"]


@pytest.mark.parametrize(
    ("written", "error", "mark"),
    [
        (False, DeliveryError("provider_unreachable", "no", retryable=True), "unreached"),
        (True, DeliveryError("provider_error", "refused"), "refused"),
        (True, DeliveryError("provider_timeout", "maybe", retryable=True), "in_doubt"),
        (True, KeyboardInterrupt(), "in_doubt"),
        (False, KeyboardInterrupt(), "unreached"),
    ],
)
def test_a_failed_send_is_marked_by_whether_it_was_written(
    written: bool, error: BaseException, mark: str
) -> None:
    marks: list[str] = []

    def send() -> str:
        if written:
            announce_write()
        raise error

    with pytest.raises(type(error)):
        marked_send(marks.append, send, refused)
    assert marks == (["writing", mark] if written else [mark])
    announce_write()
    assert marks[-1] == mark


def test_an_outer_hook_is_back_once_the_send_ends() -> None:
    outer: list[str] = []
    with before_write(lambda: outer.append("outer")):
        marked_send(lambda state: None, lambda: announce_write(), refused)
        assert outer == []
        announce_write()
    assert outer == ["outer"]
