"""Twilio's REST API, or the sandbox outbox in its place: one :class:`Outgoing` in, one id out.

The channel adapters build the exact ``messages.create``/``calls.create``
arguments; :class:`TwilioRest` sends them, :class:`SandboxTwilio` keeps them
(with a preview a person can read) in the sandbox outbox. So the sandbox shows
what would really have gone to Twilio, byte for byte.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any, Literal, Protocol

import requests
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http import HttpClient
from twilio.rest import Client

from app.channels.http_client import SafeTwilioHttpClient, reached_provider, read_timed_out
from app.logs import mask
from app.otp.ports import DeliveryError
from app.store.outbox import OutboxStore

log = logging.getLogger(__name__)

#: Twilio error codes that say the destination itself is wrong.
INVALID_DESTINATION = frozenset({21211, 21214, 21217, 21401, 21407, 21612, 21614, 63024})
#: The recipient replied STOP to this sender: not sent, not charged, never retried.
OPTED_OUT = 21610
#: Geo permissions: the account may not send to this country.
REGION_BLOCKED = frozenset({21408, 13227, 60605})


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One request to Twilio: ``params`` are the twilio-python keyword arguments."""

    kind: Literal["message", "call"]
    channel: str
    to: str
    params: dict[str, Any]
    #: What the customer reads or hears, for the sandbox outbox and the simulator.
    preview: str
    #: Sandbox only: the code, so a person or a test can read it off the outbox.
    code: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


class TwilioApi(Protocol):
    def send(self, out: Outgoing) -> str:
        """Create the message or call; return its SID. Raises DeliveryError."""
        ...


@lru_cache(maxsize=256)
def form_name(keyword: str) -> str:
    """twilio-python keyword -> Twilio's form field (``content_sid`` -> ``ContentSid``).

    Kept per keyword (the few our sends pass): a sandbox send names five."""
    return "".join(part.capitalize() for part in keyword.rstrip("_").split("_"))


class SandboxTwilio:
    def __init__(self, outbox: OutboxStore, clock: Callable[[], datetime]) -> None:
        self.outbox = outbox
        self.clock = clock

    def send(self, out: Outgoing) -> str:
        sid = "SB" + secrets.token_hex(16)
        resource = "Messages" if out.kind == "message" else "Calls"
        entry: dict[str, Any] = {
            "sid": sid,
            "channel": out.channel,
            "to": out.to,
            "body": out.preview,
            "created_at": self.clock().isoformat(),
            "extra": {
                "twilio": {"resource": resource}
                | {form_name(k): v for k, v in out.params.items() if v is not None},
                **out.extra,
            },
        }
        if out.code is not None:
            entry["code"] = out.code
        self.outbox.append(out.to, entry)
        return sid


HttpClientFactory = Callable[[float], HttpClient]


def default_http_client(timeout: float) -> HttpClient:
    return SafeTwilioHttpClient(timeout)


def rebased_http_client(base_url: str | None) -> HttpClientFactory:
    """The default client, sent to ``TWILIO_API_BASE_URL`` when it is set."""

    def factory(timeout: float) -> HttpClient:
        return SafeTwilioHttpClient(timeout, base_url)

    return factory


class TwilioRest:
    """The real REST client, with a timeout, and errors as DeliveryError.

    Never retried after the request may have reached Twilio: the HTTP client
    (:mod:`app.channels.http_client`) retries failed connects only. A 5xx, a
    read timeout or a connection dropped after the write may each hide a
    message Twilio accepted, so they are reported (retryable, "in doubt"),
    and the send-attempt record keeps anyone from sending them again.
    """

    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        timeout: float,
        http_client: HttpClientFactory = default_http_client,
    ) -> None:
        self.client = Client(account_sid, auth_token, http_client=http_client(timeout))

    def send(self, out: Outgoing) -> str:
        create = self.client.messages.create if out.kind == "message" else self.client.calls.create
        try:
            return str(create(**out.params).sid)
        except TwilioRestException as err:
            raise _mapped(err, out) from None
        except requests.exceptions.RequestException as err:
            raise _unanswered(err, out) from None
        except TwilioException as err:
            log.error("twilio %s failed: %s", out.kind, type(err).__name__)
            raise DeliveryError("provider_error", "Twilio request failed") from None


def _unanswered(err: requests.exceptions.RequestException, out: Outgoing) -> DeliveryError:
    """No answer from Twilio: it never got the request, or it may have the message."""
    if isinstance(err, requests.exceptions.ReadTimeout) or read_timed_out(err):
        log.warning("twilio %s to %s: timed out", out.kind, mask(out.to))
        return DeliveryError("provider_timeout", "Twilio did not answer in time", retryable=True)
    if not reached_provider(err):
        log.warning("twilio %s: could not connect (%s)", out.kind, type(err).__name__)
        return DeliveryError("provider_unreachable", "Twilio could not be reached", retryable=True)
    if isinstance(err, requests.exceptions.ConnectionError):
        log.warning("twilio %s to %s: connection lost after the request", out.kind, mask(out.to))
        return DeliveryError(
            "provider_error", "the connection to Twilio broke after the request", retryable=True
        )
    log.error("twilio %s failed: %s", out.kind, type(err).__name__)
    return DeliveryError("provider_error", "Twilio request failed", retryable=True)


def _mapped(err: TwilioRestException, out: Outgoing) -> DeliveryError:
    code = err.code if isinstance(err.code, int) else None
    label = f"Twilio error {code}" if code else f"Twilio HTTP {err.status}"
    log.warning("twilio %s %s to %s refused: %s", out.channel, out.kind, mask(out.to), label)
    if code == OPTED_OUT:
        return DeliveryError(
            "opted_out", f"the recipient opted out of {out.channel} messages ({label})"
        )
    if code in INVALID_DESTINATION:
        return DeliveryError(
            "invalid_destination", f"Twilio cannot deliver to this address ({label})"
        )
    if code in REGION_BLOCKED:
        return DeliveryError(
            "channel_unavailable", f"sending to this country is not enabled ({label})"
        )
    if err.status >= 500 or err.status == 429 or code == 20429:
        return DeliveryError("provider_error", f"Twilio is unavailable ({label})", retryable=True)
    if code in {20003, 20404}:
        log.error(
            "twilio credentials or account refused (%s): check TWILIO_ACCOUNT_SID/TOKEN", label
        )
    return DeliveryError("provider_error", f"Twilio refused the request ({label})")
