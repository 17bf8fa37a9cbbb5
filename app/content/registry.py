"""The flows now serving, and how a new version replaces them (or does not).

:class:`FlowRegistry` holds the version serving now and the bot built for it
(whatever the caller's ``build_bot`` makes: the conversation's engine); each
turn asks for :attr:`FlowRegistry.current` once and runs on it. A reload
reads the folders once (:mod:`app.content.snapshot`), runs every check
``sandi flows check`` runs, and only if nothing is an error builds a new bot
and swaps it in with one assignment — a turn already running finishes on the
version it began with, the next turn gets the new one. A version with errors
is kept aside as :attr:`FlowRegistry.rejected` (for the logs and the /flows
page) while the last good version goes on serving.

What triggers a reload (a file watcher, SIGHUP, ``sandi flows reload`` through
Redis) lives at the edge; this module is plain Python.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Generic, Literal, TypeVar

from app.config import LOCALES
from app.content.checks import VersionChecks
from app.content.flows import FlowSet
from app.content.loader import check_flows
from app.content.render import Templates
from app.content.restarts import Restart, summary
from app.content.snapshot import Snapshot, take
from app.content.source import FlowError, Problem

log = logging.getLogger(__name__)

NO_EXTRA = VersionChecks()

#: What a version serves with: built by the caller, opaque here.
B = TypeVar("B", covariant=True)


@dataclass(frozen=True)
class FlowVersion(Generic[B]):
    version: str
    flowset: FlowSet
    templates: Templates
    bot: B
    #: Warnings of this version (it has no errors, or it would not serve).
    warnings: tuple[Problem, ...]
    loaded_at: float
    #: The text of the files the warnings point at, by name (for excerpts).
    sources: dict[str, str] = field(default_factory=dict)
    #: Live conversations this version sent back to the start when it came in.
    restarts: tuple[Restart, ...] = ()


@dataclass(frozen=True)
class Rejection:
    """A version on disk that failed its checks and is not serving."""

    version: str
    problems: tuple[Problem, ...]
    at: float
    #: The text of the files the problems point at, by name (for excerpts).
    sources: dict[str, str] = field(default_factory=dict)

    @property
    def errors(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.severity == "error")


@dataclass(frozen=True)
class ReloadResult:
    #: ``loaded`` (a new version serves), ``unchanged`` (same content as the
    #: serving version) or ``rejected`` (errors; the last good version serves).
    status: Literal["loaded", "unchanged", "rejected"]
    version: str
    problems: tuple[Problem, ...] = ()
    #: The live conversations a ``loaded`` version restarts (waiting in steps it has not).
    restarts: tuple[Restart, ...] = ()


def check_snapshot(
    snapshot: Snapshot, checks: VersionChecks = NO_EXTRA
) -> tuple[FlowSet | None, Templates, list[Problem]]:
    """Every check of a version, on the copy in memory: the content's own and
    ``checks``, what the other packages add (FAQ collisions, the OTP SMS)."""
    templates = snapshot.templates()
    flowset, problems = check_flows(
        snapshot.flows_dir, templates, snapshot.flow_texts, checks.flows
    )
    extra = [p for check in checks.templates for p in check(templates)]
    problems = sorted([*snapshot.unreadable, *problems, *extra], key=lambda p: (p.where, p.message))
    if any(p.severity == "error" for p in problems):
        flowset = None
    return flowset, templates, problems


class FlowRegistry(Generic[B]):
    def __init__(
        self,
        flows_dir: Path,
        templates_dir: Path,
        build_bot: Callable[[FlowSet, Templates, str], B],
        clock: Callable[[], float] = time.time,
        checks: VersionChecks = NO_EXTRA,
        locales: tuple[str, ...] = LOCALES,
        impact: Callable[[FlowSet], tuple[Restart, ...]] | None = None,
    ) -> None:
        """Load the first version; raise :class:`FlowError` if it does not check.

        A server never starts on broken flows: there is no last good version
        to fall back on yet. ``checks`` adds what others need of a version
        (FAQ collisions, the OTP SMS must fit one segment) to every check;
        ``impact`` says which live conversations a new version would restart
        (the wiring reads them from the store).
        """
        self.flows_dir = flows_dir
        self.templates_dir = templates_dir
        self._build_bot = build_bot
        self._clock = clock
        self._checks = checks
        self.locales = locales
        self._impact = impact
        self._lock = threading.Lock()
        snapshot = take(flows_dir, templates_dir, locales)
        flowset, templates, problems = check_snapshot(snapshot, self._checks)
        if flowset is None:
            errors = [p for p in problems if p.severity == "error"]
            raise FlowError(errors, source=f"flows in {flows_dir}")
        self._current = self._version(snapshot, flowset, templates, problems)
        self.rejected: Rejection | None = None

    @property
    def current(self) -> FlowVersion[B]:
        return self._current

    def reload(self, reason: str = "reload") -> ReloadResult:
        """Read the folders again; serve them if they check, else keep the last good ones."""
        with self._lock:
            snapshot = take(self.flows_dir, self.templates_dir, self.locales)
            if snapshot.version == self._current.version:
                if self.rejected is not None:
                    log.info("flows are back to version %s (%s)", snapshot.version, reason)
                self.rejected = None
                return ReloadResult("unchanged", snapshot.version, self._current.warnings)
            if self.rejected is not None and self.rejected.version == snapshot.version:
                return ReloadResult("rejected", snapshot.version, self.rejected.problems)
            flowset, templates, problems = check_snapshot(snapshot, self._checks)
            if flowset is None:
                self.rejected = Rejection(
                    snapshot.version, tuple(problems), self._clock(), snapshot.sources(problems)
                )
                errors = self.rejected.errors
                log.error(
                    "flows %s rejected (%s), still serving %s; %d error(s):\n%s",
                    snapshot.version,
                    reason,
                    self._current.version,
                    len(errors),
                    "\n".join(f"  {p.line()}" for p in errors),
                )
                return ReloadResult("rejected", snapshot.version, tuple(problems))
            previous = self._current.version
            restarts = self._restarts(flowset)
            if restarts:
                log.warning(
                    "flows %s: %s\n%s",
                    snapshot.version,
                    summary(restarts),
                    "\n".join(f"  {r}" for r in restarts),
                )
            self._current = self._version(snapshot, flowset, templates, problems, restarts)
            self.rejected = None
            log.info(
                "flows reloaded (%s): version %s -> %s, %d flow(s), %d warning(s)",
                reason,
                previous,
                snapshot.version,
                len(flowset.flows),
                len(problems),
            )
            return ReloadResult("loaded", snapshot.version, tuple(problems), restarts)

    def _restarts(self, flowset: FlowSet) -> tuple[Restart, ...]:
        """Whom the new version restarts; the sessions are read only when it drops a step."""
        if self._impact is None or not _dropped_steps(self._current.flowset, flowset):
            return ()
        return self._impact(flowset)

    def _version(
        self,
        snapshot: Snapshot,
        flowset: FlowSet,
        templates: Templates,
        problems: list[Problem],
        restarts: tuple[Restart, ...] = (),
    ) -> FlowVersion[B]:
        return FlowVersion(
            version=snapshot.version,
            flowset=flowset,
            templates=templates,
            bot=self._build_bot(flowset, templates, snapshot.version),
            warnings=tuple(problems),
            loaded_at=self._clock(),
            sources=snapshot.sources(problems),
            restarts=restarts,
        )


def _dropped_steps(old: FlowSet, new: FlowSet) -> bool:
    """Whether ``new`` lacks a step (or a flow) ``old`` has: only then can anyone restart."""
    for flow_id, flow in old.flows.items():
        kept = new.flows.get(flow_id)
        if kept is None:
            return True
        ids = {step.id for step in kept.steps}
        if any(step.id not in ids for step in flow.steps):
            return True
    return False
