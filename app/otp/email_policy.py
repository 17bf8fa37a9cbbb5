"""Which purposes may send a code by e-mail (NIST SP 800-63B).

NIST does not accept e-mail as an out-of-band authenticator: a mailbox is
often reachable with the same password the code is meant to back up. A code
by e-mail still proves that someone controls an address, which is what
``change_email``, ``signup`` and the generic ``verify`` (prove this address)
need. So by default e-mail carries codes for those purposes and is refused for
``login``, ``payment`` and any other; a business that accepts the risk lists
its purposes in ``SANDI_EMAIL_OTP_PURPOSES``.

Plain Python, so the OTP core may call it before it generates a code.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

DEFAULT_EMAIL_PURPOSES = frozenset({"change_email", "signup", "verify"})


def email_purposes(raw: Mapping[str, str]) -> frozenset[str]:
    """The purposes ``SANDI_EMAIL_OTP_PURPOSES`` allows (``settings.raw``)."""
    value = raw.get("SANDI_EMAIL_OTP_PURPOSES")
    if value is None:
        return DEFAULT_EMAIL_PURPOSES
    return frozenset(p for p in re.split(r"[\s,;]+", value.strip()) if p)


def email_allowed(purpose: str, allowed: Iterable[str] = DEFAULT_EMAIL_PURPOSES) -> bool:
    """May a code for ``purpose`` go by e-mail?"""
    return purpose in frozenset(allowed)


def email_refusal(purpose: str) -> str:
    return (
        f"e-mail cannot carry a code for {purpose!r}: NIST SP 800-63B does not accept e-mail "
        "as an authentication channel (allow it with SANDI_EMAIL_OTP_PURPOSES)"
    )
