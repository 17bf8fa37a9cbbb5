"""Save-time checks of a question's bounds against what its ``expect`` reads.

``min``/``max`` compare numbers, ``min_length``/``max_length`` count characters
(``text``) or digits (``digits``); a bound that cannot apply, or bounds no
answer can meet, would reject every customer with "invalid" and never say
why. ``sandi flows check`` and the reload report them at the bound to fix.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from app.content import flows as f
from app.content.source import NodePath, Problem
from app.conversation.answers import MAX_DIGITS

if TYPE_CHECKING:
    from app.content.builder import Origins

_LENGTH_KINDS = ("text", "digits")


def ask_problems(flowset: f.FlowSet, origins: Origins) -> Iterator[Problem]:
    for flow in flowset.flows.values():
        doc = origins.flow_doc[flow.id]
        for step in flow.steps:
            if isinstance(step, f.Ask):
                path = origins.step_path[(flow.id, step.id)]
                for where, message in bound_problems(step, path):
                    yield doc.problem(where, message)


def bound_problems(step: f.Ask, path: NodePath) -> Iterator[tuple[NodePath, str]]:
    lengths = (("min_length", step.min_length), ("max_length", step.max_length))
    given = [(k, v) for k, v in lengths if v is not None]
    if step.expect == "digits":
        for key, value in (("min", step.min), ("max", step.max)):
            if value is not None:
                yield (
                    (*path, key),
                    f"'{key}' compares numbers; with expect: digits use "
                    f"{key}_length (how many digits), e.g. {key}_length: 8",
                )
    if given and step.expect not in _LENGTH_KINDS:
        yield (
            (*path, given[0][0]),
            f"'{given[0][0]}' counts characters (expect: text) or digits (expect: digits), "
            f"not answers of expect: {step.expect}",
        )
    low, high = step.min_length, step.max_length
    if low is not None and high is not None and low > high:
        yield (
            (*path, "min_length"),
            f"min_length ({low}) is more than max_length ({high}): no answer can fit",
        )
    if step.expect == "digits" and high is not None and high > MAX_DIGITS:
        yield (
            (*path, "max_length"),
            f"expect: digits takes at most {MAX_DIGITS} digits; max_length {high} cannot be met",
        )
    if step.expect == "digits" and low is not None and low > MAX_DIGITS:
        yield (
            (*path, "min_length"),
            f"expect: digits takes at most {MAX_DIGITS} digits; min_length {low} cannot be met",
        )
