"""Save-time checks of ``otp_issue`` steps against the OTP policy.

What the OTP service would refuse on every run — a payment code without the
amount and payee it must show (PSD2 dynamic linking), an amount on a purpose
that binds nothing, a channel the purpose may not use — is reported by
``sandi flows check`` and the reload, at the line to change, instead of
failing each customer who reaches the step. The policy is the operator's
(``SANDI_OTP_*``), so the wiring hands it in (:mod:`app.wiring.checks`).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from dataclasses import replace
from typing import TYPE_CHECKING

from app.content import flows as f
from app.content.expressions import Literal
from app.content.source import NodePath, Problem
from app.otp.policy import CHANNELS, NO_FLASHCALL, OtpSettings

if TYPE_CHECKING:
    from app.content.builder import Origins
    from app.content.checks import FlowCheck

#: What ``channel: [...]`` may list: the channels a fallback can move between
#: for one phone number (``auto`` picks one itself; e-mail needs another address;
#: a flash call dictates its own code).
LISTED = ("whatsapp", "sms", "call")
_EXAMPLE = 'amount: "{{ order.amount | rupiah }}" and payee: "{{ order.payee }}"'


def otp_problems(settings: OtpSettings) -> FlowCheck:
    """The check for one OTP policy, as :class:`app.content.checks.VersionChecks` takes it."""

    def check(flowset: f.FlowSet, origins: Origins) -> Iterator[Problem]:
        for flow in flowset.flows.values():
            doc = origins.flow_doc[flow.id]
            for step in flow.steps:
                if isinstance(step, f.OtpIssue):
                    path = origins.step_path[(flow.id, step.id)]
                    for where, message, severity in step_problems(step, settings, path):
                        yield replace(doc.problem(where, message), severity=severity)

    return check


def step_problems(
    step: f.OtpIssue, settings: OtpSettings, path: NodePath
) -> Iterator[tuple[NodePath, str, str]]:
    """(where, message, severity): the flow's own mistakes are errors; a channel the
    operator's policy forbids is a warning (the operator may be about to allow it),
    and every send by it is refused and logged until then."""
    policy = settings.policy(step.purpose)
    given = [k for k, v in (("amount", step.amount), ("payee", step.payee)) if v is not None]
    if policy.binds_transaction and len(given) < 2:
        missing = " and ".join(k for k in ("amount", "payee") if k not in given)
        yield (
            (*path, "otp_issue"),
            f"purpose '{step.purpose}' binds the code to a payment: add {missing} "
            f"(e.g. {_EXAMPLE}); without them every code request is refused",
            "error",
        )
    elif given and not policy.binds_transaction:
        yield (
            (*path, given[0]),
            f"'{given[0]}' works only with a purpose that binds payments (such as payment), "
            f"not '{step.purpose}': remove it, or use otp_issue: payment",
            "error",
        )
    single = step.channel
    channels = step.fallback or ((str(single.value),) if isinstance(single, Literal) else ())
    for index, channel in enumerate(channels):
        name = channel.strip().lower()
        where: NodePath = (*path, "channel", index) if step.fallback else (*path, "channel")
        if step.fallback and name not in LISTED:
            close = difflib.get_close_matches(name, LISTED, n=1)
            hint = (
                f"; did you mean '{close[0]}'?" if close else f" (a list takes {', '.join(LISTED)})"
            )
            yield where, f"'{channel}' is not a channel a list can name{hint}", "error"
        elif name in CHANNELS and name != "auto" and name not in policy.channels:
            allowed = ", ".join(c for c in CHANNELS if c in policy.channels)
            never = name == "flashcall" and step.purpose in NO_FLASHCALL  # no setting allows it
            yield (
                where,
                f"purpose '{step.purpose}' may not send codes by {name} (allowed: {allowed}): "
                "every code request by it is refused",
                "error" if never else "warning",
            )
