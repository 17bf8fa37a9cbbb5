"""app.web.fast_wsgi.allowed_host: the Host as werkzeug reads it, whether kept or not."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from werkzeug.sansio.utils import get_host

from app.web import fast_wsgi
from app.web.fast_wsgi import allowed_host
from app.web.hosts import hostname

ALLOWED = frozenset({"bench.invalid", "localhost", "::1"})
OTHER = frozenset({"other.example"})
_HEADERS = st.one_of(
    st.sampled_from(["bench.invalid", "Bench.Invalid", "localhost:80", "localhost:8443",
                     "[::1]:5000", "bench.invalid:443", "other.example", "evil", ""]),
    st.text(alphabet="abenchlostvid.:[]1 \\x", max_size=20),
)  # fmt: skip


def judged(scheme: str, header: str, allowed: frozenset[str]) -> str | None:
    host = get_host(scheme, header)
    return host if hostname(host) in allowed else None


@given(st.sampled_from(["http", "https"]), _HEADERS, st.sampled_from([ALLOWED, OTHER]))
def test_kept_or_not_the_same_answer(scheme: str, header: str, allowed: frozenset[str]) -> None:
    environ = {"wsgi.url_scheme": scheme, "HTTP_HOST": header}
    expected = judged(scheme, header, allowed)
    assert allowed_host(environ, allowed) == expected
    assert allowed_host(environ, allowed) == expected  # asked again: perhaps kept
    assert allowed_host(environ, OTHER if allowed is ALLOWED else ALLOWED) == judged(
        scheme, header, OTHER if allowed is ALLOWED else ALLOWED
    )
    assert allowed_host({"wsgi.url_scheme": scheme}, allowed) is None  # no Host header


def test_only_allowed_hosts_are_kept_and_only_so_many() -> None:
    fast_wsgi._ALLOWED.clear()
    assert allowed_host({"HTTP_HOST": "evil.example"}, ALLOWED) is None
    assert fast_wsgi._ALLOWED == {}
    for port in range(1000, 1200):
        header = f"localhost:{port}"
        assert allowed_host({"HTTP_HOST": header}, ALLOWED) == header
    assert len(fast_wsgi._ALLOWED) == fast_wsgi._ALLOWED_KEPT
    assert allowed_host({"HTTP_HOST": "localhost:80"}, ALLOWED) == "localhost"
