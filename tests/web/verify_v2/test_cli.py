"""``sandi verify-services``: the services the SDK then uses by SID."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from app import create_app
from app.cli.main import main
from tests.web.verify_v2.conftest import ENV_KEY


def run(args: list[str], env: dict[str, str]) -> Any:
    return CliRunner().invoke(main, args, env=env)


def test_create_list_delete(redis_url: str, redis_client: Any, tmp_path: Path) -> None:
    env = {
        "REDIS_URL": redis_url,
        "SANDI_SANDBOX": "1",
        "SANDI_INSTANCE_DIR": str(tmp_path),
        "SANDI_API_KEYS": ENV_KEY,
    }
    created = run(["verify-services", "create", "Toko Budi", "--purpose", "login"], env)
    assert created.exit_code == 0, created.output
    found = re.search(r"^(VA[0-9a-f]{32})$", created.output, re.MULTILINE)
    assert found, created.output
    sid = found.group(1)
    listed = run(["verify-services", "list"], env).output
    assert f"{sid}  login  policy  Toko Budi" in listed

    client = create_app({"TESTING": True, **env}).test_client()
    answer = client.get(f"/v2/Services/{sid}", auth=("anything", ENV_KEY))
    assert answer.get_json()["purpose"] == "login" and answer.get_json()["code_length"] == 6

    for bad in (
        ["Call 0812345678"],
        ["Toko", "--purpose", "Login!"],
        ["Toko", "--code-length", "3"],
    ):
        refused = run(["verify-services", "create", *bad], env)
        assert refused.exit_code != 0 and "Error" in refused.output, bad

    assert f"deleted {sid}" in run(["verify-services", "delete", sid], env).output
    assert client.get(f"/v2/Services/{sid}", auth=("anything", ENV_KEY)).status_code == 404
    again = run(["verify-services", "delete", sid], env)
    assert again.exit_code == 1 and "no service" in again.output
