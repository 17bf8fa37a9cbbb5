"""A realistic day of OTP traffic with an SMS-pumping attack mixed in.

Used by ``tests/otp/test_fraud_simulation.py`` and ``bench/fraud.py``: the
same seeded day, driven through the app's real :class:`OtpService` on real
Redis, the clock moved event by event (no sleeping).

- **Legitimate**: ``legit`` verifications from Indonesian mobile numbers
  (Telkomsel, Indosat, XL, Tri, Smartfren ranges, 300 prefixes), spread over
  the day with an evening peak (Jakarta time), from 300 carrier-NAT client
  IPs; 85% SMS, 15% WhatsApp; a third started by a chat flow. 88% type
  their code after a few seconds to four minutes (median ~40 s); 5% ask for
  a resend first.
- **Attack**: ``attack`` starts to 20 prefixes in 3 countries (8 in ID, 6 in
  MY, 6 in PH), in 10 bursts of a few minutes at random hours, each burst
  on 4-6 of the prefixes, through the business's own API key (the attacker
  drives its sign-up form) from a botnet of 500 IPs. Nobody ever types a code.
"""

from __future__ import annotations

import heapq
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from app.otp.errors import OtpError
from app.otp.ports import CodeMessage, DeliveryReceipt
from app.wiring.services import Services
from tests.support.clock import FakeClock

DAY_START = datetime(2026, 11, 24, 0, 0, tzinfo=UTC)
API_KEY_SID = "web-signup"
#: Settings a simulated day needs: the attack's countries are ones the business
#: serves; the real-time per-key/per-IP limits are off (a day runs in seconds).
SIM_SETTINGS = {
    "SANDI_ALLOWED_COUNTRIES": "ID,MY,PH",
    "SANDI_OTP_API_KEY_LIMITS": "off",
    "SANDI_OTP_IP_LIMITS": "off",
    "SANDI_LOG_LEVEL": "ERROR",
}
_ID_RANGES = ("811", "812", "813", "821", "822", "852", "853", "856", "857", "858",
              "817", "818", "819", "877", "878", "895", "896", "897", "881", "882")  # fmt: skip
#: Share of a day's legitimate traffic in each UTC hour (Jakarta is UTC+7: evening peak).
_HOURLY = (3, 4, 5, 6, 6, 6, 6, 6, 6, 7, 8, 9, 10, 10, 9, 8, 6, 4, 2, 1, 1, 1, 1, 2)


@dataclass
class Figures:
    legit: int = 0
    legit_blocked: int = 0
    legit_approved: int = 0
    attack: int = 0
    attack_blocked: int = 0
    first_block: int | None = None  # 1-based index of the first attack start blocked
    other_refusals: dict[str, int] = field(default_factory=dict)

    @property
    def attack_blocked_share(self) -> float:
        return self.attack_blocked / max(1, self.attack)

    @property
    def legit_blocked_share(self) -> float:
        return self.legit_blocked / max(1, self.legit)

    def lines(self) -> list[str]:
        return [
            f"attack starts blocked before a send: {self.attack_blocked}/{self.attack} "
            f"({100 * self.attack_blocked_share:.1f}%)",
            f"legitimate starts blocked: {self.legit_blocked}/{self.legit} "
            f"({100 * self.legit_blocked_share:.2f}%)",
            f"first block at attack start #{self.first_block}",
            f"legitimate verifications approved: {self.legit_approved}/{self.legit}",
            f"other refusals: {self.other_refusals or 'none'}",
        ]


class _Codes:
    """Delegates every send to the app's real delivery; notes the code a customer got."""

    def __init__(self, services: Services) -> None:
        self.real = services.otp.delivery
        self.last: dict[str, str] = {}
        services.otp.delivery = self

    def deliver(self, message: CodeMessage) -> DeliveryReceipt:
        receipt = self.real.deliver(message)
        self.last[message.to] = receipt.code or message.code
        return receipt


def _numbers(rng: random.Random) -> tuple[list[str], list[str]]:
    legit_prefixes = [f"+62{rng.choice(_ID_RANGES)}{rng.randrange(10_000):04d}" for _ in range(300)]
    attack = [f"+62{rng.choice(_ID_RANGES)}{rng.randrange(10_000):04d}" for _ in range(8)]
    attack += [f"+601{rng.choice('237')}{rng.randrange(1_000):03d}" for _ in range(6)]
    attack += [f"+63917{rng.randrange(100, 1_000):03d}" for _ in range(6)]
    return legit_prefixes, attack


def plan(seed: int = 7, legit: int = 2000, attack: int = 2000) -> list[tuple[float, int, str, Any]]:
    """The day's events: (seconds after midnight, order, kind, data), sorted."""
    rng = random.Random(seed)
    legit_prefixes, attack_prefixes = _numbers(rng)
    events: list[tuple[float, int, str, Any]] = []
    hours = rng.choices(range(24), weights=_HOURLY, k=legit)
    for i, hour in enumerate(hours):
        at = hour * 3600 + rng.uniform(0, 3600)
        to = rng.choice(legit_prefixes) + f"{rng.randrange(10_000):04d}"
        user = {
            "to": to, "channel": "whatsapp" if rng.random() < 0.15 else "sms",
            "ip": f"114.122.{rng.randrange(2)}.{rng.randrange(150)}",
            "flow": "verifikasi" if rng.random() < 0.33 else None,
            "approves": rng.random() < 0.88, "resends": rng.random() < 0.05,
            "delay": min(240.0, rng.lognormvariate(3.7, 0.6)),
        }  # fmt: skip
        events.append((at, i, "legit", user))
    bursts = sorted(rng.sample(range(1, 23), 10))
    per_burst = [attack // 10] * 10
    order = legit
    for burst, count in zip(bursts, per_burst, strict=True):
        targets = rng.sample(attack_prefixes, rng.randint(4, 6))
        start, length = burst * 3600 + rng.uniform(0, 3000), rng.uniform(120, 480)
        for _ in range(count):
            to = rng.choice(targets) + f"{rng.randrange(10_000):04d}"
            ip = f"{rng.randrange(11, 220)}.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"
            channel = "call" if rng.random() < 0.1 else "sms"
            events.append((start + rng.uniform(0, length), order, "attack", (to, channel, ip)))
            order += 1
    return sorted(events)


def run_day(
    services: Services, clock: FakeClock, seed: int = 7, journal: list[Any] | None = None,
    **sizes: int,
) -> Figures:  # fmt: skip
    """Play the planned day through the real service; return what the guard did
    (``journal`` gets each attack start's time, prefix and outcome)."""
    codes, otp, figures = _Codes(services), services.otp, Figures()
    queue = list(plan(seed, **sizes))
    heapq.heapify(queue)
    order = 10**9
    while queue:
        at, _, kind, data = heapq.heappop(queue)
        clock.now = DAY_START + timedelta(seconds=at)
        if kind == "attack":
            figures.attack += 1
            to, channel, ip = data
            outcome = _start(otp, figures, to, channel, ip, None)
            if journal is not None:
                journal.append((at, to[:-4], outcome))
            if outcome == "blocked":
                figures.attack_blocked += 1
                figures.first_block = figures.first_block or figures.attack
        elif kind == "legit":
            figures.legit += 1
            outcome = _start(otp, figures, data["to"], data["channel"], data["ip"], data["flow"])
            if outcome == "blocked":
                figures.legit_blocked += 1
            elif outcome == "sent" and (data["approves"] or data["resends"]):
                step = "resend" if data["resends"] else "approve"
                delay = 35.0 if data["resends"] else data["delay"]
                heapq.heappush(queue, (at + delay, order, step, data))
                order += 1
        elif kind == "resend":
            _start(otp, figures, data["to"], data["channel"], data["ip"], data["flow"])
            if data["approves"]:
                heapq.heappush(queue, (at + data["delay"], order, "approve", data))
                order += 1
        else:
            result = otp.check(code=codes.last[data["to"]], to=data["to"])
            figures.legit_approved += result.valid
    return figures


def _start(otp: Any, figures: Figures, to: str, channel: str, ip: str, flow: str | None) -> str:
    sender = to if flow else None
    try:
        otp.start(to, channel, client_ip=ip, api_key=API_KEY_SID, flow=flow, sender=sender)
    except OtpError as err:
        if err.code == "verification_blocked":
            return "blocked"
        figures.other_refusals[err.code] = figures.other_refusals.get(err.code, 0) + 1
        return "refused"
    return "sent"
