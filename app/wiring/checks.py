"""The one check of a flows version: at start-up, on reload, in ``sandi flows check``.

The content checks flows and templates on its own; what the other packages
need of a version joins here, once: the FAQ matcher's collisions (they need
the matcher, which is the conversation's), the OTP SMS that must fit one
segment with the configured brand, the ``otp_issue`` steps checked against
the OTP policy (payment binding, the channels each purpose may use), and
channel names that can never work, so ``channel: whatsap`` fails when the file
is saved, not when a customer asks for a code.
"""

from __future__ import annotations

import difflib
import logging
from collections.abc import Callable, Iterator, Mapping

from redis.exceptions import RedisError

from app.channels.settings import brand_setting
from app.content import flows as f
from app.content.builder import Origins
from app.content.checks import FlowCheck, VersionChecks
from app.content.expressions import Expression, Literal
from app.content.otp_sms import fits_one_segment
from app.content.restarts import Restart, restarted
from app.content.source import Problem
from app.conversation.ask_check import ask_problems
from app.conversation.faq_check import faq_problems
from app.conversation.otp_check import otp_problems
from app.otp.policy import CHANNELS, OtpSettings
from app.store.connection import RedisClient
from app.store.live_sessions import waiting_steps

log = logging.getLogger(__name__)


def version_checks(brand: str, otp: OtpSettings | None = None) -> VersionChecks:
    """Every check a version must pass to serve, for a brand (``SANDI_BRAND``) and
    an OTP policy (the ``otp_issue`` steps must ask for what it allows)."""
    policy = otp or OtpSettings.from_mapping({})  # the presets (payment binds) included
    return VersionChecks(
        flows=(faq_problems, otp_problems(policy), ask_problems, channel_check(policy)),
        templates=(fits_one_segment(brand),),
    )


def settings_checks(raw: Mapping[str, str]) -> VersionChecks:
    """:func:`version_checks` for the brand and OTP policy the settings name."""
    return version_checks(brand_setting(raw), OtpSettings.from_mapping(raw))


def channel_check(otp: OtpSettings) -> FlowCheck:
    """Every ``otp_issue`` channel that can never work, for the purposes' policies."""

    def check(flowset: f.FlowSet, origins: Origins) -> Iterator[Problem]:
        for flow in flowset.flows.values():
            doc = origins.flow_doc[flow.id]
            for step in flow.steps:
                if not isinstance(step, f.OtpIssue):
                    continue
                allowed = sorted(otp.policy(step.purpose).channels)
                path = origins.step_path[(flow.id, step.id)]
                line = doc.where((*path, "channel")).line
                saved = step.channel.source.strip() if isinstance(step.channel, Expression) else ""
                for where, value in _channel_values(flow, origins, step):
                    if where is None and value in CHANNELS:
                        continue  # a named channel the purpose refuses: otp_problems says so
                    message = _refusal(value, step.purpose, allowed)
                    if message and where is not None:
                        message += (
                            f" (this choice is saved as '{saved}'"
                            f", the channel of the code sent at line {line})"
                        )
                    if message:
                        yield doc.problem(where or (*path, "channel"), message)

    return check


def _channel_values(
    flow: f.Flow, origins: Origins, step: f.OtpIssue
) -> Iterator[tuple[tuple[str | int, ...] | None, str]]:
    """The channel a step names, or the values of the choice question it is saved from."""
    channel = step.channel
    if isinstance(channel, Literal):
        yield None, str(channel.value)
        return
    if not isinstance(channel, Expression) or channel.source.strip() not in channel.variables:
        return  # an expression of several values: judged when it runs
    name = channel.source.strip()
    for other in flow.steps:
        if isinstance(other, f.Ask) and other.save_as == name and other.expect == "choice":
            path = origins.step_path[(flow.id, other.id)]
            for index, choice in enumerate(other.choices):
                yield (*path, "choices", index, "value"), choice.value


def _refusal(value: str, purpose: str, allowed: list[str]) -> str | None:
    if value in allowed:
        return None
    if value not in CHANNELS:
        close = difflib.get_close_matches(value, CHANNELS, n=1, cutoff=0.5)
        hint = f"did you mean '{close[0]}'?" if close else f"use one of {', '.join(CHANNELS)}"
        return f"'{value}' is not a channel a code can go by; {hint}"
    return (
        f"a '{purpose}' code never goes by {value} (the OTP policy allows "
        f"{', '.join(allowed)}); choose another channel"
    )


def restart_impact(redis: RedisClient) -> Callable[[f.FlowSet], tuple[Restart, ...]]:
    """Which live conversations a version would restart, read from the sessions in Redis.

    Only a report: with Redis away the reload still happens (and says it could not count).
    """

    def impact(flowset: f.FlowSet) -> tuple[Restart, ...]:
        try:
            return restarted(flowset, waiting_steps(redis))
        except RedisError as err:
            log.warning("could not count the conversations this reload restarts: %s", err)
            return ()

    return impact
