"""A sent code's receipt, settled once its tracking reply is in.

The dispatcher tracks each message right after the provider took it
(:meth:`app.store.tracking.DeliveryLog.track`), and the reply says whether a
status callback raced ahead of that write (Twilio's callback can beat its own
API answer). Inside a start's write-behind batch (:mod:`app.store.later`) the
tracking rides the batch's round trip instead of one of its own, so the
receipt leaves the dispatcher saying "sent", with ``settle``: calling it sends
the batch so far and gives the receipt with the status the reply brought. A
failure that raced ahead then falls back at once (the watch), in the same
request, as before; if the caller never settles (it raised first), the batch's
end does it, so no fallback is lost. Outside a batch (a fallback job's send)
the tracking ran already and the receipt comes settled.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from app.otp.ports import CodeMessage, DeliveryReceipt
from app.store import later

#: Statuses worth handing to the OTP service in place of "sent".
OTP_STATUSES = frozenset({"sending", "sent", "delivered", "read", "undelivered", "failed"})

Early = Callable[[], tuple[str | None, str | None]]


class Watched(Protocol):
    #: Told of every code sent (message id, message, a status a callback already
    #: reported): schedules the fallback watch (``Channels.watch``).
    watch: Callable[[str, CodeMessage, str | None], None] | None


def receipt(
    channels: Watched, message: CodeMessage, sent: DeliveryReceipt, early: Early
) -> DeliveryReceipt:
    """The receipt for ``sent`` (the provider took it; ``early``: the tracking's reply)."""
    settle = _Settle(channels, message, sent, early)
    if not later.active():  # tracked already: the status is known, as ever
        return settle()
    # Settled when the batch goes: by the caller (to record a status that raced
    # ahead), or else at the batch's end.
    later.after(settle.finish)
    return _but(sent, sent.status, sent.error_code, settle)


def _but(
    sent: DeliveryReceipt,
    status: str,
    error_code: str | None,
    settle: Callable[[], DeliveryReceipt] | None,
) -> DeliveryReceipt:
    """``sent`` with another status, error and ``settle``: ``dataclasses.replace`` without its
    per-field introspection (a start makes two). Every field is named, by position;
    ``tests/channels/test_settling.py`` fails when :class:`DeliveryReceipt` changes its own."""
    return DeliveryReceipt(sent.channel, sent.message_id, sent.code, status, error_code, settle)


class _Settle:
    """Settled once, by whichever comes first: ``receipt.settle()`` or the batch's end."""

    __slots__ = ("channels", "early", "message", "sent", "settled")

    def __init__(
        self, channels: Watched, message: CodeMessage, sent: DeliveryReceipt, early: Early
    ) -> None:
        self.channels, self.message, self.sent, self.early = channels, message, sent, early
        self.settled: DeliveryReceipt | None = None

    def finish(self) -> None:
        if self.settled is not None:
            return
        status, error = self.early()  # sends the batch if it has not gone
        # set before the watch runs: it runs once, even if it raises
        self.settled = _but(self.sent, status if status in OTP_STATUSES else "sent", error, None)
        watch = self.channels.watch
        if watch is not None:  # a failure that raced ahead falls back now
            watch(self.sent.message_id, self.message, status)

    def __call__(self) -> DeliveryReceipt:
        later.flush()  # the batch so far, the tracking with it: one round trip
        self.finish()
        assert self.settled is not None
        return self.settled
