"""The first page a newcomer opens, and the favicon browsers ask for."""

from __future__ import annotations

import logging

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.web.start import links


def test_the_start_page_links_everything_a_first_hour_needs(client: FlaskClient) -> None:
    response = client.get("/")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    for path in ("/simulator", "/flows", "/v1/openapi.json", "/healthz"):
        assert f'href="{path}"' in page
        assert client.get(path).status_code == 200  # every link works
    assert "sandbox delivery" in page


def test_links_name_only_pages_the_app_serves(app: Flask) -> None:
    paths = [link.path for link in links(app)]
    assert paths[:2] == ["/simulator", "/flows"]
    assert "/inbox" not in paths or "inbox.page" in app.view_functions


def test_the_favicon_is_no_warning(client: FlaskClient, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO):
        response = client.get("/favicon.ico")
    assert response.status_code == 204
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
