"""Configuration keys (API keys, Verify services, staff accounts) and the staff's sessions and audit trail."""

from __future__ import annotations

from app.retention import DEFAULTS
from app.store.keys.base import PREFIX
from app.store.keys.base import key as _key

# --- API keys ----------------------------------------------------------------
# Configuration, not something a request leaves behind: these two keys carry no
# TTL on purpose (an API key lives until it is revoked).


def api_keys() -> str:
    """Hash SID -> JSON record (name, secret hash, created, revoked)."""
    return _key("apikeys", "records")


def api_key_index() -> str:
    """Hash sha256(secret) -> SID, for Bearer tokens that carry no SID."""
    return _key("apikeys", "index")


# --- Twilio Verify v2 services (/v2) ------------------------------------------
# Configuration, like the API keys: a service lives until it is deleted, so this
# key carries no TTL on purpose (the count is capped by app.store.verify_services).


def verify_services() -> str:
    """Hash VA sid -> JSON record (friendly name, code length, purpose, dates)."""
    return _key("verify", "services")


# --- Staff accounts, their sessions, failed logins, the audit trail ------------
# Accounts are configuration, like API keys: the account hash has no TTL on
# purpose (an account lives until `sandi users remove`). Everything a login
# leaves behind expires: a session after STAFF_SESSION_TTL without use, the
# per-user index of sessions with it, the audit trail a year after its last
# entry (SANDI_AUDIT_TTL; it never holds more than AUDIT_MAX entries). Customers
# appear in it only by keyed digest.
STAFF_SESSION_TTL = 8 * 3600
AUDIT_TTL = DEFAULTS.audit
AUDIT_MAX = 5000


def staff_users() -> str:
    """Hash user name -> JSON {hash (scrypt), created, changed}; never a password."""
    return _key("staff", "users")


def staff_session(token_digest: str) -> str:
    """Hash of one signed-in browser: user, CSRF token, created (the cookie holds the token)."""
    return _key("staff", f"session:{token_digest}")


def staff_user_sessions(name: str) -> str:
    """Set of a user's session digests, so a password change or removal ends them all."""
    return _key("staff", f"user-sessions:{name}")


def audit_trail() -> str:
    """List of JSON entries, newest first: who did what (pages, CLI, customer-data
    requests), when, from where."""
    return _key("staff", "audit")


#: Failed-login windows are kept by the ``limits`` library under this prefix.
LOGIN_LIMIT_PREFIX = f"{PREFIX}:loginlimit"
