"""Send limits and code delivery in memory (see :mod:`app.otp.memory`)."""

from __future__ import annotations

import math
import threading
from collections import deque
from collections.abc import Callable
from typing import Any

from limits import parse_many

from app.otp.ports import (
    SCOPES,
    CodeMessage,
    DeliveryError,
    DeliveryReceipt,
    HeldSend,
    LimitRefusal,
)


class MemorySendLimiter:
    """:class:`app.otp.ports.SendLimiter` in memory: exact moving windows on ``clock``.

    The same rule strings as :class:`app.store.ratelimits.RedisSendLimiter`
    (``"10/hour;20/day"``) and the same order and answer: every window that
    applies is hit, a full one refuses without counting, the first refusal
    (server, client IP, API key, sender, destination) is returned. Redis approximates the API
    key and IP windows with a sliding counter; here every window is exact.
    """

    def __init__(
        self,
        *,
        destination: str,
        api_key: str,
        client_ip: str,
        clock: Callable[[], float],
        sender: str = "",
        server: str = "",
    ) -> None:
        self._rules = {
            scope: tuple(parse_many(spec)) if spec else ()
            for scope, spec in (
                ("server", server),
                ("client_ip", client_ip),
                ("api_key", api_key),
                ("sender", sender),
                ("destination", destination),
            )
        }
        self._clock = clock
        self._lock = threading.Lock()
        self._hits: dict[tuple[str, str, str], deque[float]] = {}

    def acquire(
        self,
        destination: str,
        api_key: str | None,
        client_ip: str | None,
        sender: str | None = None,
    ) -> LimitRefusal | None:
        return self._acquire(destination, api_key, client_ip, sender, SCOPES)[0]

    def acquire_soon(
        self,
        destination: str,
        api_key: str | None,
        client_ip: str | None,
        sender: str | None = None,
        *,
        scopes: tuple[str, ...] = SCOPES,
    ) -> Callable[[], HeldSend]:
        refusal, hit = self._acquire(destination, api_key, client_ip, sender, scopes)

        def give_back() -> None:
            with self._lock:
                for key, at in hit:
                    if at in self._hits.get(key, ()):
                        self._hits[key].remove(at)

        held = HeldSend(refusal, give_back)
        return lambda: held

    def destination_windows(self) -> tuple[int, tuple[int, ...]] | None:
        return None  # counted here, with the other windows

    def _acquire(
        self,
        destination: str,
        api_key: str | None,
        client_ip: str | None,
        sender: str | None,
        scopes: tuple[str, ...],
    ) -> tuple[LimitRefusal | None, list[tuple[tuple[str, str, str], float]]]:
        identities = {
            "server": "*",
            "client_ip": client_ip,
            "api_key": api_key,
            "sender": sender,
            "destination": destination,
        }
        refusal: LimitRefusal | None = None
        hit: list[tuple[tuple[str, str, str], float]] = []
        with self._lock:
            now = self._clock()
            for scope, items in self._rules.items():
                identity = identities[scope] if scope in scopes else None
                for item in items if identity else ():
                    wait = self._hit(scope, str(identity), item, now)
                    if wait is None:
                        hit.append(((scope, str(identity), str(item)), now))
                    elif refusal is None:
                        refusal = LimitRefusal(scope=scope, retry_after=wait)
        return refusal, hit

    def _hit(self, scope: str, identity: str, item: Any, now: float) -> int | None:
        """Count one hit, or the whole seconds until the full window has room."""
        window = float(item.get_expiry())
        hits = self._hits.setdefault((scope, identity, str(item)), deque())
        while hits and hits[0] <= now - window:
            hits.popleft()
        if len(hits) >= item.amount:
            return max(1, math.ceil(hits[0] + window - now))
        hits.append(now)
        return None

    def reset(self, destination: str) -> None:
        """Forget a destination's sends (as an operator unblocking a customer)."""
        with self._lock:
            for key in [k for k in self._hits if k[:2] == ("destination", destination)]:
                del self._hits[key]


class MemoryDelivery:
    """:class:`app.otp.ports.CodeDelivery` that keeps what it was handed (tests only).

    ``failure``: raise it instead of sending (a provider outage).
    ``dictate``: a code the "channel" dictates, as a flash call's caller id does.
    """

    def __init__(self) -> None:
        self.sent: list[CodeMessage] = []
        self.failure: DeliveryError | None = None
        self.dictate: str | None = None

    def deliver(self, message: CodeMessage) -> DeliveryReceipt:
        if self.failure is not None:
            raise self.failure
        self.sent.append(message)
        channel = "sms" if message.channel == "auto" else message.channel
        return DeliveryReceipt(channel, f"MM{len(self.sent):032d}", code=self.dictate)

    def last_code(self, to: str | None = None) -> str:
        """The code last sent (to ``to``, if given)."""
        found = [m for m in self.sent if to is None or m.to == to]
        if not found:
            raise LookupError(f"no code was sent{' to that destination' if to else ''}")
        return found[-1].code
