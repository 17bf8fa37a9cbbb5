"""A request schema rewritten for fastjsonschema to say "valid" without raising.

fastjsonschema's code for ``if`` runs the condition and catches the exception
a false one raises, formatted message and all; ``not`` does the same with its
inner schema. A plain ``/v1`` start (``to`` and ``channel``) raised fourteen
of them per start and check pair, every one for a key the body does not have
(``amount``, ``payee``, ``purpose``). ``dependencies`` instead looks the key up
and applies its rule only when it is there. The rewrites, each saying the same
of an object (the bodies are ``type: object``, checked first):

- ``if: C, then: {not: {anyOf: [{required: [a]}, {required: [b]}]}}`` (``C`` forbids
  those keys) is ``dependencies: {a: {not: C}, b: {not: C}}``;
- else ``if: {required: [k], ...rest}, then: T`` is ``dependencies: {k: {if: rest,
  then: T}}`` (just ``T`` when nothing is left of the condition).

Any other rule is kept as written. jsonschema still reads the original, to
explain a refusal; ``tests/otp/test_body_schema.py`` checks that the two agree.
"""

from __future__ import annotations

import copy
from typing import Any


def fast_schema(original: dict[str, Any]) -> dict[str, Any]:
    """``original`` with its ``allOf`` rules on present keys as ``dependencies``."""
    out = copy.deepcopy(original)
    dependencies: dict[str, list[Any]] = {}
    kept = []
    for rule in out.pop("allOf", []):
        moved = _as_dependencies(rule)
        if moved is None:
            kept.append(rule)
        for key, schema in moved or ():
            dependencies.setdefault(key, []).append(schema)
    if kept:
        out["allOf"] = kept
    if dependencies:
        out["dependencies"] = {
            key: rules[0] if len(rules) == 1 else {"allOf": rules}
            for key, rules in dependencies.items()
        }
    return out


def _as_dependencies(rule: Any) -> list[tuple[str, Any]] | None:
    """The rule as (key, schema) dependencies, or None when it has no such form."""
    if not isinstance(rule, dict) or set(rule) != {"if", "then"}:
        return None
    condition, then = rule["if"], rule["then"]
    if not isinstance(condition, dict):
        return None
    forbidden = _forbidden_keys(then)
    if forbidden is not None:
        return [(key, {"not": condition}) for key in forbidden]
    required = condition.get("required")
    if isinstance(required, list) and len(required) == 1 and isinstance(required[0], str):
        rest = {k: v for k, v in condition.items() if k != "required"}
        return [(required[0], {"if": rest, "then": then} if rest else then)]
    return None


def _forbidden_keys(schema: Any) -> list[str] | None:
    """``a``, ``b`` of ``{not: {anyOf: [{required: [a]}, {required: [b]}]}}``, else None."""
    if not isinstance(schema, dict) or set(schema) != {"not"}:
        return None
    inner = schema["not"]
    if not isinstance(inner, dict) or set(inner) != {"anyOf"}:
        return None
    keys = []
    for option in inner["anyOf"]:
        if not isinstance(option, dict) or set(option) != {"required"}:
            return None
        required = option["required"]
        if not (isinstance(required, list) and len(required) == 1):
            return None
        keys.append(required[0])
    return keys
