"""Calling the OTP API in tests, checking every answer against the OpenAPI document."""

from __future__ import annotations

import re
from typing import Any

from jsonschema import Draft202012Validator

from app.web.openapi import document
from tests.support.otp import AUTH

_DOC = document()
_SCHEMAS = _DOC["components"]["schemas"]


def _template(path: str) -> str:
    """``/v1/verifications/VE12`` -> ``/v1/verifications/{id}``."""
    for template in _DOC["paths"]:
        pattern = "^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template)) + "$"
        if re.match(pattern, path):
            return template
    raise AssertionError(f"{path} is not in the OpenAPI document")


def check_against_document(method: str, path: str, status: int, body: Any) -> None:
    operation = _DOC["paths"][_template(path)][method.lower()]
    responses = operation["responses"]
    assert str(status) in responses, f"{method} {path} -> {status} is not documented"
    content = responses[str(status)].get("content")
    if content is None:
        return
    ref = content["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    Draft202012Validator(_SCHEMAS[ref]).validate(body)
    if ref == "Error":
        assert body["error"]["code"] in responses[str(status)]["description"], body


class Api:
    def __init__(self, client: Any, headers: dict[str, str] | None = None) -> None:
        self.client = client
        self.headers = AUTH if headers is None else headers
        self.bodies: list[str] = []

    def call(self, method: str, path: str, status: int, **kwargs: Any) -> Any:
        headers = {**self.headers, **kwargs.pop("headers", {})}
        response = self.client.open(path, method=method, headers=headers, **kwargs)
        text = response.get_data(as_text=True)
        self.bodies.append(text)
        assert response.status_code == status, text
        body = response.get_json()
        check_against_document(method, path, status, body)
        return response

    def post(self, path: str, status: int, json: Any = None, **kwargs: Any) -> Any:
        return self.call("POST", path, status, json=json, **kwargs).get_json()

    def get(self, path: str, status: int = 200) -> Any:
        return self.call("GET", path, status).get_json()

    def error(self, method: str, path: str, status: int, code: str, **kwargs: Any) -> Any:
        body = self.call(method, path, status, **kwargs).get_json()
        assert body["error"]["code"] == code, body
        return body["error"]
