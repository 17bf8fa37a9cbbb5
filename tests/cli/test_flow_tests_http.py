"""Conversation tests that declare the back end's answers (``http:``), issue 16.

The answers come from a real loopback server (app/flow_tests/backend_double.py)
that the flows reach through the real signed adapter; these tests check the
runner's own reports, and that the server refuses what a back end would.
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from app.edges.backend import HttpBackend
from app.flow_tests.backend_double import BackendDouble, HttpAnswer
from tests.cli.test_flow_tests import run, write


def test_what_the_flow_sent_is_checked_and_a_difference_is_shown(
    app: Flask, tmp_path: Path
) -> None:
    folder = write(
        tmp_path / "tests",
        """\
        tests:
          - test: the look-up carries the order number
            sender: "+6281100000911"
            locale: id
            http:
              /orders/lookup: {json: {found: false}}
            steps:
              - user: bayar
              - user: "00123456"
              - http_called: {path: /orders/lookup, body: {order: "123456"}}
        """,
    )
    result = run(app, str(folder), "-v")
    assert result.exit_code == 1, result.output
    assert "broken.yml:10:" in result.output
    assert "no call to /orders/lookup with {'order': '123456'}; the calls were:" in result.output
    assert "POST /orders/lookup {'order': '00123456', 'phone': '+6281100000911'}" in result.output


def test_http_called_without_http_answers_says_so(app: Flask, tmp_path: Path) -> None:
    folder = write(
        tmp_path / "tests",
        """\
        tests:
          - test: no answers declared
            sender: "+6281100000912"
            steps:
              - user: halo
              - http_called: /orders/lookup
        """,
    )
    result = run(app, str(folder))
    assert result.exit_code == 1
    assert "http_called needs the test's 'http:' answers (none given)" in result.output


def test_broken_http_answers_are_reported_and_nothing_runs(app: Flask, tmp_path: Path) -> None:
    folder = write(
        tmp_path / "tests",
        """\
        tests:
          - test: typos
            sender: "+6281100000913"
            http:
              /orders/lookup: {status: 700}
              /orders/confirm: {stauts: 200}
              /orders/cancel: offline
            steps:
              - user: halo
        """,
    )
    result = run(app, str(folder))
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if "broken.yml" in line]
    assert lines == [
        f"{folder.name}/broken.yml:5:32: error: status must be an HTTP status such as 200 or 404, not 700",
        f"{folder.name}/broken.yml:6:25: error: unknown key 'stauts'; did you mean 'status'?",
        f"{folder.name}/broken.yml:7:23: error: http needs '/path: {{status: 200, json: {{...}}}}' or '/path: down' lines",
    ]


def test_the_loopback_back_end_checks_signatures_and_can_be_down() -> None:
    double = BackendDouble("the-right-secret")
    try:
        double.answer({"/a": HttpAnswer(body={"ok": True}), "/b": HttpAnswer(down=True)})
        good = HttpBackend(double.url, "the-right-secret")
        assert good.call("/a", {"x": 1}, conversation_id="c", timeout=2).data == {"ok": True}
        forged = HttpBackend(double.url, "another-secret").call(
            "/a", {}, conversation_id="c", timeout=2
        )
        assert not forged.ok and forged.status == 401
        down = good.call("/b", {}, conversation_id="c", timeout=2)
        assert not down.ok and down.error == "unreachable (RemoteDisconnected)"
        unknown = good.call("/c", {}, conversation_id="c", timeout=2)
        assert unknown.status == 404
        assert [(c.path, c.signed) for c in double.calls] == [
            ("/a", True), ("/a", False), ("/b", True), ("/c", True),
        ]  # fmt: skip
    finally:
        double.close()
