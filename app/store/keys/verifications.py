"""Keys of the OTP verifications and of what each destination owns."""

from __future__ import annotations

from app.retention import DEFAULTS
from app.store.keys.base import PREFIX, customer_key
from app.store.keys.base import key as _key

# --- OTP verifications -------------------------------------------------------
# A destination (phone number or e-mail) is known in Redis only by a keyed
# digest; its first 16 hex digits are the hash tag of everything it owns, and
# are also part of each verification id (``VE`` + tag + 16 random hex), so a
# verification's keys can be named from its id alone.

OTP_RETENTION = DEFAULTS.verification  # a finished verification's status stays readable


@customer_key("verifications_open", "destination")
def destination_open(digest: str) -> str:
    """The ``otp_open`` hash of a destination, named by its digest."""
    return otp_open(digest[:16])


@customer_key("index", "destination")
def destination_index(digest: str) -> str:
    """Set of a destination's keys with names not known in advance: its verifications
    (same tag) and the delivery records of what was sent to it (their own tags).

    Named by the tag alone (the digest's first 16 hex, also inside every verification
    id), so a script that has only a verification id can add to it; keys of another
    destination with the same tag are told apart by their ``to`` field.
    """
    return _key(f"otp:{digest[:16]}", "index")


@customer_key("emails", "destination")
def customer_emails(digest: str) -> str:
    """Set of e-mail addresses a customer verified in a conversation (their number's digest)."""
    return _key(f"otp:{digest[:16]}", f"emails:{digest}")


def otp_open(tag: str) -> str:
    """Hash of open fields (:func:`app.otp.ports.open_field`: per purpose, and per
    Twilio Verify service) -> id of the verification still open."""
    return _key(f"otp:{tag}", "open")


def otp_verification(tag: str, verification_id: str) -> str:
    """Hash of one verification's state (code hash, counters, delivery status)."""
    return _key(f"otp:{tag}", f"v:{verification_id}")


#: Prefix of the send-limit counters kept by the ``limits`` library, which
#: builds the rest of each key itself (one key per limit, no multi-key scripts).
RATE_LIMIT_PREFIX = f"{PREFIX}:ratelimit"


def otp_send_log(tag: str) -> str:
    """List of the times (ms, newest first) codes were sent to a destination, for its
    send limits: on the destination's hash tag, so the START script that claims a send
    counts it too (one round trip); under :data:`RATE_LIMIT_PREFIX`, so
    :func:`rate_limit_pattern` covers it."""
    return f"{RATE_LIMIT_PREFIX}:{{otp:{tag}}}:sends"


def rate_limit_pattern() -> str:
    """Every send-limit counter (``sandi sandbox reset`` forgets them all)."""
    return f"{RATE_LIMIT_PREFIX}*"
