"""The ways out a customer types in plain words while a question waits.

"talk to a person" typed at the code prompt is no wrong code, "halo" typed
at a menu is no wrong choice, and "kembali ke menu dong" is the menu
command said in a sentence. :func:`escape` says which way out a message
asks for, if any: the agent flow's or the menu flow's own triggers (typed
as the whole message), or one of the plain phrases below inside a short
message. The caller uses it only when the message is not a fitting answer
to the waiting question, so a code, an address or a choice is never taken
for a way out.
"""

from __future__ import annotations

import re

from app.content import flows as f
from app.content.text import normalise

#: Said in a sentence ("mau bicara sama orang aja"), these mean the agent command.
AGENT_PHRASES = (
    "talk to a person", "talk to a human", "talk to someone", "speak to a person",
    "speak to a human", "speak to someone", "talk to an agent", "speak to an agent",
    "real person", "human agent", "customer service", "bicara dengan cs", "bicara sama cs",
    "bicara dengan orang", "bicara sama orang", "bicara dengan petugas", "ngomong sama orang",
    "ngobrol sama cs", "ngobrol dengan cs", "hubungi cs", "minta cs", "sambungkan ke cs",
    "chat dengan admin", "chat sama admin",
)  # fmt: skip
#: ... and these the menu command.
MENU_PHRASES = (
    "main menu", "back to menu", "back to the menu", "go to menu", "go to the menu",
    "show me the menu", "show the menu", "menu please", "start over", "menu utama",
    "kembali ke menu", "balik ke menu", "lihat menu", "ke menu", "menu dong", "mulai lagi",
    "mulai dari awal", "dari awal",
)  # fmt: skip
#: Longer than this, a message is a question or an answer, not a way out.
MAX_WORDS = 8


def _said_in(phrases: tuple[str, ...]) -> re.Pattern[str]:
    """Finds any of ``phrases`` as whole words in a padded message (" menu dong "):
    one search instead of a substring test per phrase."""
    return re.compile("|".join(re.escape(f" {p} ") for p in phrases))


_SAID = (("agent", _said_in(AGENT_PHRASES)), ("menu", _said_in(MENU_PHRASES)))


def escape(flowset: f.FlowSet, text: str) -> str | None:
    """``"agent"``, ``"menu"`` (a greeting or the menu in words) or None."""
    norm = normalise(text)
    words = norm.split()
    if not words or len(words) > MAX_WORDS:
        return None
    for name, flow_id in (("agent", flowset.agent_flow), ("menu", flowset.menu_flow)):
        flow = flowset.flows.get(flow_id)
        if flow and any(norm in phrases for phrases in flow.triggers.values()):
            return name
    padded = f" {norm} "
    for name, said in _SAID:
        if said.search(padded):
            return name
    return None
