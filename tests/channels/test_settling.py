"""A sent code's receipt, settled: every field of the provider's receipt survives it.

:mod:`app.channels.settling` builds the receipts it hands back by position
rather than with ``dataclasses.replace``; these tests pin that each field
(the channel, the provider's id, a channel-dictated code) comes through both
the unsettled receipt a batch gives and the settled one.
"""

from __future__ import annotations

from dataclasses import fields

from app.channels import settling
from app.otp.ports import CodeMessage, DeliveryReceipt
from app.store import later

MESSAGE = CodeMessage(
    verification_id="VE" + "3" * 32, to="+6281234567890", channel="flashcall", code="4821",
    locale="id", purpose="login", expires_in=300,
)  # fmt: skip
SENT = DeliveryReceipt(channel="flashcall", message_id="CA" + "9" * 32, code="4821")


class Watched:
    def __init__(self) -> None:
        self.told: list[tuple[str, CodeMessage, str | None]] = []

    def watch(self, message_id: str, message: CodeMessage, status: str | None) -> None:
        self.told.append((message_id, message, status))


def test_the_receipt_fields_are_the_ones_settling_names() -> None:
    """settling._but names every field by position: a new or reordered one must be added."""
    names = [f.name for f in fields(DeliveryReceipt)]
    assert names == ["channel", "message_id", "code", "status", "error_code", "settle"]


def test_inside_a_batch_the_receipt_keeps_every_field_until_settled() -> None:
    channels = Watched()
    with later.batch():
        receipt = settling.receipt(channels, MESSAGE, SENT, lambda: ("failed", "30008"))
        assert receipt.settle is not None
        assert (receipt.channel, receipt.message_id, receipt.code) == (
            SENT.channel, SENT.message_id, SENT.code
        )  # fmt: skip
        assert (receipt.status, receipt.error_code) == ("sent", None)
        settled = receipt.settle()
    assert settled == DeliveryReceipt(
        channel="flashcall", message_id=SENT.message_id, code="4821", status="failed",
        error_code="30008",
    )  # fmt: skip
    assert settled.settle is None
    assert channels.told == [(SENT.message_id, MESSAGE, "failed")]


def test_outside_a_batch_it_comes_settled_with_an_unknown_status_as_sent() -> None:
    channels = Watched()
    receipt = settling.receipt(channels, MESSAGE, SENT, lambda: ("accepted", None))
    assert receipt == DeliveryReceipt(
        channel="flashcall", message_id=SENT.message_id, code="4821", status="sent"
    )
    assert receipt.settle is None
    assert channels.told == [(SENT.message_id, MESSAGE, "accepted")]
