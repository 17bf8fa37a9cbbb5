"""Keys of the fraud guard and the OTP insights."""

from __future__ import annotations

from app.store.keys.base import key as _key

# --- Fraud guard and OTP insights ---------------------------------------------
# Counters are per scope, each under its own hash tag so that a script touches
# one slot: ``fraud:p:<digest>`` a destination prefix, ``fraud:c:<CC>`` a
# country, ``fraud:s:<digest>`` a source (IP, API key, chat sender). Digests
# are keyed (CodeHasher.scope): no number or IP is held in clear.

FRAUD_PREFIX_TTL = 27 * 3600  # the day a prefix's baseline covers, and the hour before
FRAUD_COUNTRY_TTL = 8 * 86400  # the week a country's baseline covers, and a day
FRAUD_SOURCE_TTL = 2 * 3600  # sources are judged on the last hour only
FRAUD_BLOCKS_TTL = 13 * 3600  # longer than the longest block (12 h)
INSIGHTS_TTL = 8 * 86400  # the week /insights shows, and a day


def fraud_counts(scope: str, scope_id: str) -> str:
    """Hash of 5-minute and hourly counters of sends and approvals of one scope."""
    return _key(f"fraud:{scope}:{scope_id}", "counts")


def fraud_seen(scope: str, scope_id: str, hour: int) -> str:
    """Set of destination tags one scope counted in one clock hour (TTL 2 h)."""
    return _key(f"fraud:{scope}:{scope_id}", f"seen:{hour}")


def fraud_observed(scope: str, scope_id: str, hour: int) -> list[str]:
    """The keys a screening's OBSERVE touches in one scope: counts, block, the seen sets
    of ``hour`` and of the hour before."""
    return [
        fraud_counts(scope, scope_id), fraud_block(scope, scope_id),
        fraud_seen(scope, scope_id, hour), fraud_seen(scope, scope_id, hour - 1),
    ]  # fmt: skip


def fraud_block(scope: str, scope_id: str) -> str:
    """The reason a prefix or country is blocked, until the key expires."""
    return _key(f"fraud:{scope}:{scope_id}", "block")


def fraud_blocks() -> str:
    """Hash ``<scope>:<id>`` -> JSON of each block (masked prefix, reason, until), for staff."""
    return _key("fraud:blocks", "index")


def fraud_lists() -> str:
    """Hash ``<kind>:<value>`` -> JSON {action, note, at}: the operator's allow/deny lists.

    Configuration, like the API keys: no TTL on purpose (an entry lives until removed).
    """
    return _key("fraud:lists", "entries")


def insights_hour(hour: int) -> str:
    """Hash of one hour's OTP counters by channel|country|purpose|flow (no numbers)."""
    return _key(f"insights:{hour}", "counts")


def otp_trace(verification_id: str) -> str:
    """What the insights remember of one verification until it can no longer be approved.

    It shares the verification's own hash tag (its id carries the tag).
    """
    return _key(f"otp:{verification_id[2:18]}", f"trace:{verification_id}")
