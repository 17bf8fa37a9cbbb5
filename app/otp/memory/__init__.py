"""In-memory implementations of the OTP core's ports, for tests and for reasoning.

:class:`MemoryVerificationStore` is :mod:`app.store.otp` (its Lua scripts)
written again as plain Python: the same fields, the same outcomes, the same
refusals, each method one atomic step under a lock (as one script is on
Redis). :class:`MemorySendLimiter` counts exact moving windows on an injected
clock. :class:`MemoryDelivery` keeps the messages it was handed.

They let a test build :class:`app.otp.service.OtpService` with no Redis and no
channel, and ``tests/contracts`` runs one suite against these and the Redis
implementations, so the two cannot drift apart silently. The product never
runs on them: :func:`app.wiring.services.build` wires Redis, and nothing here
persists, shares state between processes or bounds its memory.

Adding a method to a port: one method here, mirroring its Redis script, and
one contract test in ``tests/contracts`` run against both.
"""

from typing import TYPE_CHECKING

from app.otp.memory.sending import MemoryDelivery, MemorySendLimiter
from app.otp.memory.verifications import MemoryVerificationStore

if TYPE_CHECKING:
    from app.otp.ports import CodeDelivery, SendLimiter, VerificationStore

__all__ = ["MemoryDelivery", "MemorySendLimiter", "MemoryVerificationStore"]

if TYPE_CHECKING:
    # mypy holds each fake to its port: a missing or changed method fails the type check.

    def _conforms(
        store: MemoryVerificationStore, limiter: MemorySendLimiter, delivery: MemoryDelivery
    ) -> tuple[VerificationStore, SendLimiter, CodeDelivery]:
        return store, limiter, delivery
