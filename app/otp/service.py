"""The OTP service: start (issue or resend), check, cancel and read verifications.

Plain Python over three interfaces — a :class:`VerificationStore` that makes
each state change atomic, a :class:`SendLimiter`, and a :class:`CodeDelivery`
— plus an injected clock and random source. The REST API and the chat flows
call the same methods; refusals raise :class:`OtpError` with a stable code.
Its parts live beside it: :mod:`app.otp.starting` (start),
:mod:`app.otp.checking` (check, cancel, find) and :mod:`app.otp.delivering`
(the channels, fallbacks, reads).

A code exists in clear only between :class:`CodeGenerator` and the delivery
call: it is hashed before it is stored, and no log line, metric, exception or
result ever carries it.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from datetime import datetime

from app.config import LOCALES
from app.otp.checking import Checks
from app.otp.codes import CodeGenerator, CodeHasher
from app.otp.metrics import OtpMetrics
from app.otp.policy import OtpSettings
from app.otp.ports import CodeDelivery, SendLimiter, VerificationStore
from app.otp.sealing import CodeSealer
from app.otp.starting import Starts
from app.otp.watch import OtpWatch


class OtpService(Starts, Checks):
    def __init__(
        self,
        *,
        store: VerificationStore,
        limiter: SendLimiter,
        delivery: CodeDelivery,
        settings: OtpSettings,
        hasher: CodeHasher,
        clock: Callable[[], datetime],
        codes: CodeGenerator | None = None,
        metrics: OtpMetrics | None = None,
        default_locale: str = "id",
        locales: tuple[str, ...] = LOCALES,
        sealer: CodeSealer | None = None,
        watch: OtpWatch | None = None,
        batch: Callable[[], AbstractContextManager[object]] | None = None,
        check_batch: Callable[[], AbstractContextManager[object]] | None = None,
    ) -> None:
        #: Told of each check that approved or locked a verification (the events webhook).
        self.on_checked = None
        self.store = store
        self.limiter = limiter
        self.delivery = delivery
        self.settings = settings
        self.hasher = hasher
        self.clock = clock
        self.codes = codes or CodeGenerator()
        self.metrics = metrics
        self.default_locale = default_locale
        #: The languages of the OTP messages' templates (``SANDI_LOCALES``).
        self.locales = locales
        #: Keeps the pending code sealed so a resend repeats it (None: a new code each time).
        self.sealer = sealer
        #: The fraud guard (screens paid sends) and the insights (counts what converts).
        self.watch = watch
        #: Opens a write-behind batch around a start or a check: the writes nobody
        #: waits for go in one round trip at its end (app.store.later on Redis).
        self.batch = batch or nullcontext
        #: The same around a check; an approval's statistics may leave it to be written a
        #: moment after the answer (app.store.carried), so the check is one round trip.
        self.check_batch = check_batch or self.batch
