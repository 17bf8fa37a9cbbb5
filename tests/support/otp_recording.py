"""The real OTP service, with what the channels ask of it written down.

Status-callback tests want to see *which* fallbacks were asked for and which
statuses reached the OTP service. This wraps the app's own objects and
delegates every call to them (a spy, not a stand-in): the codes, limits and
Redis state are the real service's.
"""

from __future__ import annotations

from app.otp.errors import OtpError
from app.otp.ports import CodeMessage, DeliveryReceipt
from app.wiring.otp_glue import FallbackOtp
from app.wiring.services import Services


class _RecordingDelivery:
    def __init__(self, real: object, receipts: list[DeliveryReceipt]) -> None:
        self.real = real
        self.receipts = receipts

    def deliver(self, message: CodeMessage) -> DeliveryReceipt:
        receipt = self.real.deliver(message)  # type: ignore[attr-defined]
        self.receipts.append(receipt)
        return receipt


class RecordingOtp:
    def __init__(self, services: Services) -> None:
        self.services = services
        self.receipts: list[DeliveryReceipt] = []
        self.redeliveries: list[tuple[str, str]] = []
        self.statuses: list[tuple[str, str, str, str | None]] = []
        services.otp.delivery = _RecordingDelivery(services.otp.delivery, self.receipts)
        self._target = FallbackOtp(services.otp)
        services.delivery_status.target = self

    def start(
        self, to: str, channel: str, *, locale: str = "id", purpose: str = "login"
    ) -> tuple[str, DeliveryReceipt]:
        started = self.services.otp.start(to, channel, purpose, locale)
        return started.verification.id, self.receipts[-1]

    def check(self, verification_id: str, code: str) -> str:
        try:
            return self.services.otp.check(verification_id=verification_id, code=code).status
        except OtpError as err:
            return err.code

    # -- FallbackTarget, recorded then delegated --------------------------------

    def redeliver(
        self,
        verification_id: str,
        channel: str,
        *,
        same_code: bool = False,
        send_key: str | None = None,
    ) -> DeliveryReceipt:
        self.redeliveries.append((verification_id, channel))
        return self._target.redeliver(
            verification_id, channel, same_code=same_code, send_key=send_key
        )

    def record_delivery_status(
        self, verification_id: str, message_id: str, status: str, error_code: str | None = None
    ) -> bool:
        self.statuses.append((verification_id, message_id, status, error_code))
        return self._target.record_delivery_status(verification_id, message_id, status, error_code)
