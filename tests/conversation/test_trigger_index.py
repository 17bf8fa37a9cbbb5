"""The trigger index answers exactly as the loop over every flow's phrases did."""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence

from rapidfuzz import fuzz

from app.config import ROOT
from app.content.loader import load_flows
from app.content.render import Templates
from app.content.text import normalise
from app.conversation.routing import TRIGGER_SIMILARITY
from app.conversation.trigger_index import TriggerIndex, index_for

Flows = list[tuple[str, Mapping[str, Sequence[str]]]]


def reference(flows: Flows, norm: str, *, contained: bool) -> str | None:
    """The loop Router.trigger ran before the index (kept here as the specification)."""
    if not norm:
        return None
    best: tuple[int, str] | None = None
    padded = f" {norm} "
    for flow_id, triggers in flows:
        for phrases in triggers.values():
            for phrase in phrases:
                if norm == phrase:
                    return flow_id
                if contained:
                    hit = len(phrase) >= 4 and f" {phrase} " in padded
                else:
                    hit = len(phrase) >= 5 and fuzz.ratio(norm, phrase) >= TRIGGER_SIMILARITY
                if hit and (best is None or len(phrase) > best[0]):
                    best = (len(phrase), flow_id)
    return best[1] if best else None


WORDS = [
    "kode",
    "otp",
    "daftar",
    "akun",
    "bayar",
    "tagihan",
    "saldo",
    "cek",
    "status",
    "kirim",
    "ulang",
    "menu",
    "bantuan",
    "halo",
]


def synthetic(rng: random.Random, count: int) -> Flows:
    """Flows with overlapping phrases: shared words, shared lengths, short ones, duplicates."""
    flows: Flows = []
    for n in range(count):
        phrases = {
            locale: tuple(
                " ".join(rng.sample(WORDS, rng.randint(1, 3))) for _ in range(rng.randint(1, 3))
            )
            for locale in ("id", "en")
        }
        flows.append((f"flow_{n}", phrases))
    flows.append(("short", {"id": ("ok", "ya"), "en": ("hi",)}))
    return flows


def messages(rng: random.Random, flows: Flows) -> list[str]:
    phrases = [p for _, t in flows for ps in t.values() for p in ps]
    out = ["", "ok", "x", "   "]
    for phrase in phrases:
        out.append(phrase)
        out.append(phrase + "x")  # a typo at the end
        out.append(phrase[1:])  # a letter missing
        out.append(f"tolong {phrase} sekarang")  # contained
    for _ in range(400):
        out.append(" ".join(rng.choices(WORDS, k=rng.randint(1, 6))))
    return out


def test_the_index_agrees_with_the_loop_on_synthetic_flows() -> None:
    rng = random.Random(22)
    flows = synthetic(rng, 120)
    index = TriggerIndex(flows)
    checked = 0
    for text in messages(rng, flows):
        norm = normalise(text)
        for contained in (False, True):
            want = reference(flows, norm, contained=contained)
            assert index.find(norm, contained=contained, similarity=TRIGGER_SIMILARITY) == want, (
                norm,
                contained,
            )
            checked += want is not None
    assert checked > 500  # most messages trigger something: the ties were exercised


def test_the_index_agrees_with_the_loop_on_the_demo_flows() -> None:
    flowset = load_flows(ROOT / "flows", Templates(ROOT / "templates"))
    flows: Flows = [(flow.id, flow.triggers) for flow in flowset.flows.values()]
    assert index_for(flowset) is index_for(flowset)  # built once per flow set
    rng = random.Random(7)
    for text in messages(rng, flows):
        norm = normalise(text)
        for contained in (False, True):
            want = reference(flows, norm, contained=contained)
            got = index_for(flowset).find(norm, contained=contained, similarity=TRIGGER_SIMILARITY)
            assert got == want, (norm, contained)
