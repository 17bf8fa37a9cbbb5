"""``media:`` on a say step and ``expect: media`` questions in ``sandi flows check``."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from app.cli.main import main
from app.config import ROOT
from app.content.media import media_file

FLOW = """flow: brochure
triggers:
  id: [brosur]
steps:
  - say: common/help
    media: {media}
  - ask: common/help
    expect: {expect}
    accept: [image/jpeg]
    max_bytes: 1000
    save_as: proof
"""


def check(tmp_path: Path, media: str, expect: str = "media") -> Any:
    flows, templates = tmp_path / "flows", tmp_path / "templates"
    shutil.copytree(ROOT / "flows", flows)
    shutil.copytree(ROOT / "templates", templates)
    (templates / "media").mkdir()
    (templates / "media" / "menu.jpg").write_bytes(b"\xff\xd8\xff\xd9")
    (flows / "brochure.yml").write_text(FLOW.format(media=media, expect=expect))
    return CliRunner().invoke(main, ["flows", "check", str(flows), "--templates", str(templates)])


def test_a_media_file_in_the_templates_folder_and_a_media_question_pass(tmp_path: Path) -> None:
    result = check(tmp_path, "media/menu.jpg")
    assert result.exit_code == 0, result.output
    assert check(tmp_path / "url", "https://example.com/menu.pdf").exit_code == 0


def test_an_unknown_media_file_is_caught_with_its_line(tmp_path: Path) -> None:
    result = check(tmp_path, "media/menu.jpeg")
    assert result.exit_code == 1
    assert "flows/brochure.yml:6:12: error: media file 'media/menu.jpeg' is not in" in result.output


def test_paths_out_of_the_folder_and_other_file_types_are_refused(tmp_path: Path) -> None:
    result = check(tmp_path, "../flows/welcome.yml")
    assert result.exit_code == 1 and "media" in result.output
    secret = tmp_path / "secret.jpg"
    secret.write_bytes(b"x")
    assert media_file(tmp_path / "templates", "../secret.jpg") is None
    assert media_file(tmp_path / "templates", "media/menu.jpg") is not None


def test_accept_and_max_bytes_need_expect_media(tmp_path: Path) -> None:
    result = check(tmp_path, "media/menu.jpg", expect="text")
    assert result.exit_code == 1
    assert "'accept' only works with expect: media, not text" in result.output
    assert "'max_bytes' only works with expect: media, not text" in result.output
