"""Which flows a server serves: ``./flows`` of the folder it starts in, else the bundled demo.

The README promises ``./flows`` and ``./templates``; a folder with none of its
own (a first ``sandi run`` anywhere) serves the demo, and the banner says which.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from app.cli.sandbox import content_lines
from app.config import Settings
from app.project import bundled


def settings_in(folder: Path, **extra: str) -> Settings:
    return Settings.from_mapping({"SANDI_HOME": str(folder), **extra})


def test_a_folder_with_its_own_flows_serves_them(tmp_path: Path) -> None:
    (tmp_path / "flows").mkdir()
    (tmp_path / "templates").mkdir()
    settings = settings_in(tmp_path)
    assert settings.flows_dir == tmp_path / "flows"
    assert settings.templates_dir == tmp_path / "templates"


def test_a_folder_without_them_serves_the_bundled_demo_and_the_banner_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SANDI_HOME", str(tmp_path))
    settings = settings_in(tmp_path)
    assert settings.flows_dir == bundled("flows")
    assert (settings.flows_dir / "welcome.yml").is_file()
    assert settings.templates_dir == bundled("templates")
    lines = content_lines(settings)
    assert lines[0].startswith("  flows:      the bundled demo (")
    assert "there is no ./flows here" in lines[0]
    assert "there is no ./templates here" in lines[1]


def test_only_the_missing_folder_falls_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "flows").mkdir()
    monkeypatch.setenv("SANDI_HOME", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    settings = settings_in(tmp_path)
    assert settings.flows_dir == tmp_path / "flows"
    assert settings.templates_dir == bundled("templates")
    lines = content_lines(settings)
    assert lines[0] == "  flows:      ./flows"
    assert "the bundled demo" in lines[1]


def test_the_setting_wins_over_both(tmp_path: Path) -> None:
    chosen = tmp_path / "elsewhere"
    settings = settings_in(tmp_path, SANDI_FLOWS_DIR=str(chosen))
    assert settings.flows_dir == chosen.resolve()
