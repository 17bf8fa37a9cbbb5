"""A project folder: what `sandi init` writes, and where a server looks for its files."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from click.testing import CliRunner

from app.cli.project import init_command
from app.config import ROOT, ConfigError, Settings
from app.project import ProjectError, bundled, init_project


def _env_secret(folder: Path) -> str:
    lines = (folder / ".env").read_text().splitlines()
    return next(line.split("=", 1)[1] for line in lines if line.startswith("SANDI_SECRET_KEY="))


def test_init_writes_the_demo_project_with_its_own_secret(tmp_path: Path) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    init_project(first)
    init_project(second)
    for name in ("welcome.yml", "verify_number.yml", "faq.yml", "tests/welcome.yml"):
        assert (first / "flows" / name).read_bytes() == (ROOT / "flows" / name).read_bytes()
    assert (first / "templates" / "id").is_dir() and (first / "templates" / "en").is_dir()
    assert {p.name for p in first.iterdir()} >= {"README.md", "Procfile", ".gitignore", ".env"}
    assert not (first / "env.tmpl").exists() and not (first / "gitignore").exists()
    assert len(_env_secret(first)) >= 40
    assert _env_secret(first) != _env_secret(second)
    assert stat.S_IMODE((first / ".env").stat().st_mode) == 0o600
    assert ".env" in (first / ".gitignore").read_text().split()


def test_init_refuses_a_folder_with_files(tmp_path: Path) -> None:
    (tmp_path / "keep.txt").write_text("mine")
    with pytest.raises(ProjectError, match="exists and is not an empty folder"):
        init_project(tmp_path)
    result = CliRunner().invoke(init_command, [str(tmp_path)])
    assert result.exit_code == 1
    assert "is not an empty folder" in result.output
    assert (tmp_path / "keep.txt").read_text() == "mine"


def test_folders_default_to_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    # A folder with no flows of its own serves the bundled demo (the banner says so) ...
    demo = Settings.from_mapping({})
    assert demo.flows_dir == bundled("flows") and demo.flows_dir != tmp_path / "flows"
    assert demo.instance_dir == tmp_path / "instance"
    # ... and one with its own flows and templates serves those.
    (tmp_path / "flows").mkdir()
    (tmp_path / "templates").mkdir()
    settings = Settings.from_mapping({})
    assert settings.flows_dir == tmp_path / "flows"
    assert settings.templates_dir == tmp_path / "templates"
    assert settings.instance_dir == tmp_path / "instance"


def test_sandi_home_names_the_project_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)
    (tmp_path / "flows").mkdir()
    settings = Settings.from_mapping({"SANDI_HOME": str(tmp_path)})
    assert settings.flows_dir == tmp_path / "flows"
    assert settings.instance_dir == tmp_path / "instance"
    # An explicit folder still wins over the project's.
    other = Settings.from_mapping({"SANDI_HOME": str(tmp_path), "SANDI_FLOWS_DIR": str(ROOT)})
    assert other.flows_dir == ROOT


def test_production_refuses_the_embedded_redis() -> None:
    production = {
        "SANDI_ENV": "production",
        "SANDI_SECRET_KEY": "kR7vQ2xLm9TzP4wN8bJc6YdH3sFgA5eU",
        "TWILIO_ACCOUNT_SID": "AC" + "0" * 32,
        "TWILIO_AUTH_TOKEN": "t",
        "SANDI_PUBLIC_URL": "https://bot.example.com",
    }
    with pytest.raises(ConfigError, match=r"needs REDIS_URL \(or REDIS_SENTINELS\) to be set"):
        Settings.from_mapping(production)
    assert Settings.from_mapping(production | {"REDIS_URL": "redis://r:6379/0"}).production
    assert Settings.from_mapping(production | {"REDIS_SENTINELS": "s1:26379"}).production
