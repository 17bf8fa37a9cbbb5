"""The HTTP client every Twilio REST call goes through: retries that cannot duplicate a send.

A request is retried only when it provably never reached the provider: the
TCP connection was refused or timed out, the name did not resolve, or the TLS
handshake failed. Those all happen in ``connect()``, before a byte of the
request exists on the wire, and urllib3 counts them as *connect* errors. Its
``Retry`` is therefore set to ``connect=N`` and ``read=0, status=0, other=0``:
a connection dropped after the request was written, a read timeout or a 5xx is
never retried here, because Twilio may already have accepted the message.

Just before the request's bytes are written, the connection calls the hook set
with :func:`before_write` (the send-attempt record moves from "claimed" to
"writing"), so a process that dies mid-request leaves a record that says
"maybe sent", never "not sent".

``TWILIO_API_BASE_URL`` sends every call (``api.twilio.com`` for Messages and
Calls, ``content.twilio.com`` for Content, any regional ``*.twilio.com``) to
another base URL with the same paths: a Twilio-compatible provider, or a local
test double.
"""

from __future__ import annotations

import re
import ssl
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from typing import Any, TypeVar

from requests.adapters import HTTPAdapter
from twilio.http.http_client import TwilioHttpClient
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError, ReadTimeoutError
from urllib3.util.retry import Retry

T = TypeVar("T")

#: Connect attempts after the first (refused, DNS, connect timeout, TLS handshake).
CONNECT_RETRIES = 2
_TWILIO_HOST = re.compile(r"^https://[a-z0-9.-]*\.twilio\.com(?=/|$)")

_before_write: ContextVar[Callable[[], None] | None] = ContextVar("before_write", default=None)


class before_write:  # named as the function it was: ``with before_write(hook):``
    """Call ``hook`` each time a request of this context is about to be written.

    A class rather than a generator under ``contextlib.contextmanager``: every send
    enters one, and the generator's wrapper costs several calls more."""

    __slots__ = ("hook", "token")

    def __init__(self, hook: Callable[[], None]) -> None:
        self.hook = hook

    def __enter__(self) -> None:
        self.token = _before_write.set(self.hook)

    def __exit__(self, *_: object) -> None:
        _before_write.reset(self.token)


def announce_write() -> None:
    """For senders that are not HTTP (SMTP's DATA): the same hook, at the same moment."""
    hook = _before_write.get()
    if hook is not None:
        hook()


def marked_send(
    mark: Callable[[str], None], send: Callable[[], T], refused: Callable[[Exception], bool]
) -> T:
    """Run ``send`` with its attempt's record kept true: ``writing`` the moment a request
    is about to be written, then ``unreached`` (never written), ``refused`` (written and
    plainly refused: ``refused(err)``), ``in_doubt`` (written, outcome unknown) when it
    fails. The caller marks ``sent`` with the message id; a retry reads the record and
    never repeats a send that may have reached the provider."""
    wrote = False

    def writing() -> None:
        nonlocal wrote
        wrote = True
        mark("writing")

    try:
        with before_write(writing):
            return send()
    except Exception as err:
        mark(("refused" if refused(err) else "in_doubt") if wrote else "unreached")
        raise
    except BaseException:
        mark("in_doubt" if wrote else "unreached")
        raise


def connect_only_retry(retries: int = CONNECT_RETRIES) -> Retry:
    """Retry failed connects only; never a request that may have been written."""
    return Retry(
        total=retries,
        connect=retries,
        read=0,
        status=0,
        other=0,
        redirect=0,
        allowed_methods=None,
        backoff_factor=0.1,
        raise_on_status=False,
    )


class _WriteMarking:
    """Connects first, then announces the write, then writes."""

    sock: Any

    def request(self, *args: Any, **kwargs: Any) -> None:
        if self.sock is None:
            self.connect()  # type: ignore[attr-defined]  # a failure here: nothing was sent
        announce_write()
        super().request(*args, **kwargs)  # type: ignore[misc]


class _MarkingHTTPConnection(_WriteMarking, HTTPConnection):
    pass


class _MarkingHTTPSConnection(_WriteMarking, HTTPSConnection):
    def connect(self) -> None:
        try:
            super().connect()
        except (ssl.SSLError, ssl.CertificateError) as err:
            # The handshake comes before the request: safe to retry, like a refused connect.
            raise NewConnectionError(self, f"TLS handshake failed: {err}") from err


class _Pool(HTTPConnectionPool):
    ConnectionCls = _MarkingHTTPConnection


class _TlsPool(HTTPSConnectionPool):
    ConnectionCls = _MarkingHTTPSConnection


def safe_adapter(retries: int = CONNECT_RETRIES) -> HTTPAdapter:
    """A requests adapter with connect-only retries and the write hook."""
    adapter = HTTPAdapter(max_retries=connect_only_retry(retries), pool_maxsize=8)
    adapter.poolmanager.pool_classes_by_scheme = {"http": _Pool, "https": _TlsPool}
    return adapter


class SafeTwilioHttpClient(TwilioHttpClient):  # type: ignore[misc]
    """twilio's own client on a session with :func:`safe_adapter`, optionally rebased."""

    def __init__(self, timeout: float, base_url: str | None = None) -> None:
        super().__init__(timeout=timeout)
        assert self.session is not None
        self.session.mount("https://", safe_adapter())
        self.session.mount("http://", safe_adapter())
        self.base_url = base_url.rstrip("/") if base_url else None

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        if self.base_url:
            url = _TWILIO_HOST.sub(self.base_url, url, count=1)
        return super().request(method, url, *args, **kwargs)


def _causes(err: BaseException) -> Iterator[BaseException]:
    """``err`` and what it wraps (requests -> urllib3 MaxRetryError -> its reason)."""
    seen: set[int] = set()
    current: BaseException | None = err
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        reason = getattr(current, "reason", None)
        nested = current.args[0] if current.args else None
        if isinstance(reason, BaseException):
            current = reason
        else:
            current = nested if isinstance(nested, BaseException) else None


def reached_provider(err: BaseException) -> bool:
    """False only when a requests/urllib3 error proves the request was never written
    (refused, DNS, connect timeout, TLS handshake)."""
    return not any(isinstance(e, ConnectTimeoutError) for e in _causes(err))


def read_timed_out(err: BaseException) -> bool:
    return any(isinstance(e, ReadTimeoutError) for e in _causes(err))
