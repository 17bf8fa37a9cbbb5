"""Log lines identify customers without exposing them."""

from __future__ import annotations

import logging

import pytest

from app.logs import _PLAIN, formatter, mask
from tests.support.twilio_webhooks import Twilio


@pytest.mark.parametrize(
    ("address", "masked"),
    [
        ("+6281234567890", "+62812****7890"),
        ("whatsapp:+6281234567890", "whatsapp:+62812****7890"),
        ("budi.santoso@example.co.id", "bu***@example.co.id"),
        ("+12345", "****45"),
        ("", "-"),
        (None, "-"),
    ],
)
def test_mask(address, masked) -> None:
    assert mask(address) == masked


def test_one_info_line_per_message_masked_and_without_the_body(twilio: Twilio, caplog) -> None:
    with caplog.at_level(logging.DEBUG, logger="app"):
        twilio.send("rahasia pribadi sekali")
    lines = [r.getMessage() for r in caplog.records if r.name == "app.web.messages"]
    assert len(lines) == 1
    assert "+62812****7890" in lines[0]
    everything = "\n".join(r.getMessage() for r in caplog.records)
    assert "rahasia" not in everything
    assert "+6281234567890" not in everything


@pytest.mark.parametrize(
    ("line", "masked"),
    [
        (
            '"GET /v2/Services/VA1/Verifications/+6281234567890 HTTP/1.1" 200',
            '"GET /v2/Services/VA1/Verifications/+62812****7890 HTTP/1.1" 200',
        ),
        ("/sandbox/outbox?to=%2B6281234567890", "/sandbox/outbox?to=%2B62812****7890"),
        ("/healthz", "/healthz"),
        ("sid=SM0123456789abcdef", "sid=SM0123456789abcdef"),
    ],
)
def test_mask_numbers_in_request_lines(line, masked) -> None:
    from app.logs import mask_numbers

    assert mask_numbers(line) == masked


def test_gunicorn_access_log_masks_numbers() -> None:
    from types import SimpleNamespace

    from gunicorn.config import Config

    from app.gunicorn_logging import MaskingLogger

    logger = MaskingLogger(Config())
    req = SimpleNamespace(
        method="GET",
        path="/v2/Services/VA1/Verifications/+6281234567890",
        query="to=%2B6281234567890",
        uri="/v2/Services/VA1/Verifications/+6281234567890?to=%2B6281234567890",
        version=(1, 1),
        headers=[],
    )
    resp = SimpleNamespace(status="200 OK", response_length=2, headers=[], sent=2)
    environ = {
        "REMOTE_ADDR": "127.0.0.1",
        "RAW_URI": req.uri,
        "REQUEST_METHOD": "GET",
        "SERVER_PROTOCOL": "HTTP/1.1",
    }
    from datetime import timedelta

    atoms = logger.atoms(resp, req, environ, timedelta(milliseconds=3))
    line = " ".join(str(atoms[a]) for a in ("r", "U", "q"))
    assert "+6281234567890" not in line and "%2B6281234567890" not in line
    assert "+62812****7890" in line


def test_an_error_answer_logs_the_path_with_its_number_masked(client, caplog) -> None:
    """The 404/405 line names the path, and a path may hold a number
    (``/v1/verifications/+628...``): masked like werkzeug's request lines."""
    with caplog.at_level(logging.WARNING, logger="app.web.factory"):
        response = client.post("/v1/verifications/+6281234567890", json={})
    assert response.status_code in (404, 405)
    lines = [r.getMessage() for r in caplog.records if r.name == "app.web.factory"]
    assert any("/v1/verifications/+62812****7890" in line for line in lines), lines
    assert not any("6281234567890" in line for line in lines), lines


def test_the_plain_format_reads_as_loggings_own_across_seconds() -> None:
    """The per-second timestamp cache gives the very line logging.Formatter would,
    also when records of different seconds alternate."""
    ours, reference = formatter(), logging.Formatter(_PLAIN)
    for created in (1_700_000_000.0, 1_700_000_000.999, 1_700_000_001.5, 1_700_000_000.25, 59.0):
        record = logging.LogRecord("app.x", logging.INFO, __file__, 1, "otp %s", ("VE1",), None)
        record.created, record.msecs = created, (created - int(created)) * 1000
        assert ours.format(record) == reference.format(record)


def test_the_plain_format_s_short_way_writes_loggings_own_lines() -> None:
    """A record with arguments, an exception, a stack or none of them: the same line and
    the same ``message`` and ``asctime`` on the record (other handlers read them)."""
    try:
        raise ValueError("boom")
    except ValueError:
        import sys

        failure = sys.exc_info()
    made = [
        ("otp wrong code %s attempts_left=%d", ("VE1", 4), None, None),
        ("plain 100%", (), None, None),
        ("failed %s", ("x",), failure, None),
        ("stacked", (), None, "Stack (most recent call last):\n  here"),
    ]
    for msg, args, exc_info, stack in made:
        ours, theirs = (
            logging.LogRecord("app.x", logging.INFO, __file__, 1, msg, args, exc_info, sinfo=stack)
            for _ in range(2)
        )
        theirs.created, theirs.msecs = ours.created, ours.msecs
        assert formatter().format(ours) == logging.Formatter(_PLAIN).format(theirs)
        assert (ours.message, ours.asctime) == (theirs.message, theirs.asctime)


def test_sandi_s_handler_writes_and_flushes_each_line_as_logging_s_own() -> None:
    """The same bytes as logging's StreamHandler with Sandi's formatter, flushed per line;
    a stream that fails is logging's handleError's, never the caller's exception."""
    import io

    from app.logs import sandi_handler

    class Flushes(io.StringIO):
        flushed = 0

        def flush(self) -> None:
            self.flushed += 1
            super().flush()

    ours, theirs = Flushes(), io.StringIO()
    handler = sandi_handler()
    handler.setStream(ours)
    reference = logging.StreamHandler(theirs)
    reference.setFormatter(formatter())
    for n in range(3):
        record = logging.LogRecord("app.x", logging.INFO, __file__, 1, "line %d", (n,), None)
        handler.handle(record)
        reference.handle(record)
    assert ours.getvalue() == theirs.getvalue() and ours.getvalue().count("\n") == 3
    assert ours.flushed == 3
    ours.close()
    failed: list[logging.LogRecord] = []
    handler.handleError = failed.append  # type: ignore[method-assign]
    handler.handle(logging.LogRecord("app.x", logging.INFO, __file__, 1, "late", (), None))
    assert [r.msg for r in failed] == ["late"]


def test_bound_context_adds_fields_keeps_earlier_ones_and_skips_empty_values() -> None:
    import contextvars

    from app.logs import _CONTEXT, bind_log_context, clear_log_context

    def bound() -> dict[str, str] | None:
        clear_log_context()
        bind_log_context(request_id="r1", conversation=None)
        first = _CONTEXT.get()
        bind_log_context(verification_id="VE1", message_sid="", request_id="r2")
        assert first == {"request_id": "r1"}  # a copy was changed, not the earlier one
        return _CONTEXT.get()

    assert contextvars.copy_context().run(bound) == {"request_id": "r2", "verification_id": "VE1"}
