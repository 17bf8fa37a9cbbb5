"""Keys of the delivery channels: each sent message, the fallback steps, opt-outs, send attempts."""

from __future__ import annotations

from app.retention import DEFAULTS
from app.store.keys.base import customer_key
from app.store.keys.base import key as _key

# Delivery channels: status per provider message, fallback steps, opt-outs.
DELIVERY_TTL = DEFAULTS.delivery  # late delivery reports and WhatsApp "read" arrive days later
FALLBACK_TTL = DEFAULTS.fallback  # far longer than any code lives
OPT_OUT_TTL = DEFAULTS.opt_out


def delivery(message_id: str) -> str:
    """One sent message or call: its verification, channel and latest status."""
    return _key(f"msg:{message_id}", "delivery")


def fallback_steps(verification_id: str) -> str:
    """Hash channel -> message id that failed: each fallback step is taken once."""
    return _key(f"ver:{verification_id}", "fallback")


@customer_key("opt_out", "destination", kept=True)
def opt_out(digest: str) -> str:
    """Hash channel -> time the address opted out there (STOP, Twilio error 21610).

    Named by the address's keyed digest only, so it can outlive an erasure:
    the customer is never messaged again, and nothing names them in clear.
    """
    return _key(f"otp:{digest[:16]}", f"optout:{digest}")


@customer_key("opt_out_legacy", "address")
def legacy_opt_out(address: str) -> str:
    """Where opt-outs were kept before they were hashed (named by the address in clear).

    Still read, and moved to :func:`opt_out` when the customer is erased; none is
    written any more, so the last ones expire ``OPT_OUT_TTL`` after the upgrade.
    """
    return _key(f"dest:{address}", "optout")


# --- Send attempts: one record per (send, channel), written before it goes out --------
# A retried job reads it and never sends twice (see app/store/attempts.py).
ATTEMPT_TTL = 86400  # far longer than any code lives, or any job is retried


def send_attempt(send_key: str) -> str:
    """Hash state/sid/at of one send attempt (``<verification id>:<gen or step>:<channel>``)."""
    return _key(f"send:{send_key}", "attempt")


# --- WhatsApp content (buttons and lists) made through Twilio's Content API ---------
# One ContentSid per (account, type, text, buttons, language) digest: made once,
# reused for every customer who gets the same menu. The lock keeps two workers
# from both creating it.
CONTENT_TTL = 30 * 86400  # a menu unused for a month is made again when next needed
CONTENT_LOCK_TTL = 15  # longer than one Content API call may take


def whatsapp_content(digest: str) -> str:
    """The ContentSid (``HX...``) made for one content digest."""
    return _key(f"content:{digest}", "sid")


def whatsapp_content_lock(digest: str) -> str:
    """Held (SET NX) by the worker creating that content."""
    return _key(f"content:{digest}", "lock")
