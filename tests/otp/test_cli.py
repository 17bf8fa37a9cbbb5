"""``sandi api-keys``: create prints the secret once, list never does, revoke works."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from app import create_app
from app.cli.main import main


def run(args: list[str], env: dict[str, str]) -> Any:
    return CliRunner().invoke(main, args, env=env, catch_exceptions=False)


def test_create_list_revoke(redis_url: str, redis_client: Any, tmp_path: Path) -> None:
    env = {
        "REDIS_URL": redis_url,
        "SANDI_SANDBOX": "1",
        "SANDI_INSTANCE_DIR": str(tmp_path),
        "SANDI_API_KEYS": "envkey",
    }
    created = run(["api-keys", "create", "shop-backend"], env)
    assert created.exit_code == 0, created.output
    sid = re.search(r"SID:\s+(SK[0-9a-f]{32})", created.output).group(1)
    secret = re.search(r"Secret:\s+(\S+)", created.output).group(1)
    assert secret not in str(redis_client.hgetall("sandi:{apikeys}:records"))

    listed = run(["api-keys", "list"], env)
    assert sid in listed.output and "shop-backend" in listed.output and "active" in listed.output
    assert "env:1" in listed.output
    assert secret not in listed.output and "envkey" not in listed.output

    client = create_app({"TESTING": True, **env}).test_client()
    auth = {"Authorization": f"Bearer {secret}"}
    assert client.get(f"/v1/verifications/VE{'0' * 32}", headers=auth).status_code == 404

    assert run(["api-keys", "revoke", sid], env).exit_code == 0
    assert "revoked" in run(["api-keys", "list"], env).output
    assert client.get(f"/v1/verifications/VE{'0' * 32}", headers=auth).status_code == 401
    again = CliRunner().invoke(main, ["api-keys", "revoke", sid], env=env)
    assert again.exit_code == 1 and "no active API key" in again.output
