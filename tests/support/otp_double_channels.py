"""A TEST DOUBLE of the OTP service, for the channel tests only.

The real OTP service is built on another branch (``otp``); this branch has
only its agreed boundary (``app/otp/ports.py``) and the protocol the channels
call back (:class:`app.channels.status.FallbackTarget`: ``redeliver`` and
``record_delivery_status``). This double implements exactly that protocol,
plus ``start``/``check`` so a test can drive a verification end to end. It
keeps codes in memory in plain text, which the real service never does.
Once the ``otp`` branch is merged, the tests using it switch to the real service.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field, replace

from app.channels.dispatch import Channels
from app.otp.ports import CodeMessage, DeliveryError, DeliveryReceipt


@dataclass
class _Verification:
    message: CodeMessage
    code: str
    status: str = "pending"
    sends: int = 1
    receipts: list[DeliveryReceipt] = field(default_factory=list)


class OtpServiceDouble:
    def __init__(self, channels: Channels) -> None:
        self.channels = channels
        self.verifications: dict[str, _Verification] = {}
        self.redeliveries: list[tuple[str, str]] = []
        self.statuses: list[tuple[str, str, str, str | None]] = []

    def start(
        self,
        to: str,
        channel: str,
        *,
        locale: str = "id",
        purpose: str = "login",
        expires_in: int = 300,
    ) -> tuple[str, DeliveryReceipt]:
        verification_id = "VE" + secrets.token_hex(16)
        code = f"{secrets.randbelow(10**6):06d}"
        message = CodeMessage(verification_id, to, channel, code, locale, purpose, expires_in)
        receipt = self.channels.deliver(message)
        record = _Verification(replace(message, channel=receipt.channel), receipt.code or code)
        record.receipts.append(receipt)
        self.verifications[verification_id] = record
        return verification_id, receipt

    def check(self, verification_id: str, code: str) -> str:
        record = self.verifications[verification_id]
        if record.status == "pending" and secrets.compare_digest(code, record.code):
            record.status = "approved"
        return record.status

    # -- FallbackTarget --------------------------------------------------------

    def redeliver(self, verification_id: str, channel: str) -> DeliveryReceipt:
        self.redeliveries.append((verification_id, channel))
        record = self.verifications[verification_id]
        if record.status != "pending":
            raise DeliveryError("channel_unavailable", "verification is not pending")
        receipt = self.channels.deliver(replace(record.message, channel=channel))
        record.receipts.append(receipt)
        return receipt

    def record_delivery_status(
        self, verification_id: str, message_id: str, status: str, error_code: str | None = None
    ) -> None:
        self.statuses.append((verification_id, message_id, status, error_code))
