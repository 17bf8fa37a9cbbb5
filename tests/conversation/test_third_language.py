"""A third language is configuration plus templates: ``SANDI_LOCALES=id,en,jv``.

A small project (its own flows, the bundled templates plus a ``templates/jv/``
folder) is served by the real app; a customer picks Javanese with the
``lang_jv`` command and walks a flow in it through the signed webhook. The
same flows missing a Javanese translation are refused by ``sandi flows check``
with the file, line and the locale that is missing.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from app import create_app
from app.cli.flows import check
from app.config import ROOT, ConfigError, Settings
from tests.support.chat import Chat
from tests.support.twilio_webhooks import Twilio

WELCOME = """\
flow: welcome
triggers:
  id: [halo]
  en: [hello]
  jv: [sugeng enjing]
steps:
  - id: menu
    ask: shop/menu
    expect: choice
    choices:
      - value: order
        label: {id: Pesanan saya, en: My order, jv: Pesenanku}
        goto: done
      - value: agent
        label: {id: Bicara dengan CS, en: Talk to a person, jv: Omong karo CS}
        goto_flow: agent
  - id: done
    say: shop/done
"""
COMMANDS = """\
commands:
  lang_jv: [basa jawa, jawa]
"""
TEXTS = {
    "id": ("Halo! Mau apa?", "Pesanan Anda sedang dikirim."),
    "en": ("Hello! What would you like?", "Your order is on its way."),
    "jv": ("Sugeng rawuh! Badhe menapa?", "Pesenan panjenengan lagi dikirim."),
}


def project(root: Path, welcome: str = WELCOME) -> tuple[Path, Path]:
    """Flows and templates of a shop that speaks Indonesian, English and Javanese."""
    flows, templates = root / "flows", root / "templates"
    flows.mkdir(parents=True)
    (flows / "welcome.yml").write_text(welcome, encoding="utf-8")
    (flows / "commands.yml").write_text(COMMANDS, encoding="utf-8")
    shutil.copy(ROOT / "flows" / "agent.yml", flows / "agent.yml")
    shutil.copytree(ROOT / "templates", templates)
    # The bot's own messages in Javanese start as a copy of the Indonesian ones...
    shutil.copytree(templates / "id", templates / "jv")
    (templates / "jv" / "common" / "language_set.j2").write_text(
        "Oke, awake dhewe nganggo basa Jawa.", encoding="utf-8"
    )
    for locale, (menu, done) in TEXTS.items():
        (templates / locale / "shop").mkdir()
        (templates / locale / "shop" / "menu.j2").write_text(menu, encoding="utf-8")
        (templates / locale / "shop" / "done.j2").write_text(done, encoding="utf-8")
    return flows, templates


@pytest.fixture
def jv_config(app_config: dict[str, Any], tmp_path: Path) -> dict[str, Any]:
    flows, templates = project(tmp_path / "shop")
    return {
        **app_config,
        "SANDI_LOCALES": "id,en,jv",
        "SANDI_FLOWS_DIR": str(flows),
        "SANDI_TEMPLATES_DIR": str(templates),
    }


def test_a_customer_picks_javanese_and_walks_a_flow_in_it(
    jv_config: dict[str, Any], redis_client: Any
) -> None:
    app = create_app(jv_config)
    chat = Chat(Twilio(app.test_client()), sender="+14155550123")
    assert chat.say("hello").startswith("Hello! What would you like?")
    switched = chat.say("basa jawa")  # the lang_jv command: an explicit choice
    assert switched.startswith("Oke, awake dhewe nganggo basa Jawa.")
    assert "Sugeng rawuh! Badhe menapa?" in switched
    assert "Pesenanku" in switched and "Omong karo CS" in switched  # the buttons, in jv
    assert chat.say("Pesenanku") == "Pesenan panjenengan lagi dikirim."
    # Kept in the profile: no detector knows Javanese, so nothing guesses it away.
    assert chat.say("sugeng enjing").startswith("Sugeng rawuh! Badhe menapa?")


def test_a_missing_translation_is_an_error_naming_the_file_line_and_locale(
    tmp_path: Path,
) -> None:
    untranslated = WELCOME.replace(", jv: Omong karo CS", "")
    flows, templates = project(tmp_path / "shop", untranslated)
    args = [str(flows), "--templates", str(templates)]
    result = CliRunner().invoke(check, args, env={"SANDI_LOCALES": "id,en,jv"})
    assert result.exit_code == 1, result.output
    line = untranslated.splitlines().index(
        "        label: {id: Bicara dengan CS, en: Talk to a person}"
    )
    assert f"welcome.yml:{line + 1}:" in result.output
    assert "no 'jv' translation (SANDI_LOCALES=id,en,jv)" in result.output
    # Without the Javanese texts, the same flows suit a server of id and en.
    (flows / "welcome.yml").write_text(
        untranslated.replace(", jv: Pesenanku", "").replace("  jv: [sugeng enjing]\n", ""),
        encoding="utf-8",
    )
    shutil.rmtree(templates / "jv")
    (flows / "commands.yml").unlink()
    fixed = CliRunner().invoke(check, args, env={"SANDI_LOCALES": "id,en"})
    assert fixed.exit_code == 0, fixed.output


def test_a_language_the_server_does_not_speak_is_refused(tmp_path: Path) -> None:
    flows, templates = project(tmp_path / "shop")
    result = CliRunner().invoke(
        check, [str(flows), "--templates", str(templates)], env={"SANDI_LOCALES": "id,en"}
    )
    assert result.exit_code == 1
    assert "'jv' is not a language of this server (SANDI_LOCALES=id,en)" in result.output
    assert "'lang_jv' chooses a language this server does not speak" in result.output


def test_the_locales_setting_is_checked() -> None:
    assert Settings.from_mapping({}).locales == ("id", "en")
    assert Settings.from_mapping({"SANDI_LOCALES": " id, EN ,jv,id"}).locales == ("id", "en", "jv")
    for wrong in ("id;en", "indonesian", ","):
        with pytest.raises(ConfigError, match="SANDI_LOCALES"):
            Settings.from_mapping({"SANDI_LOCALES": wrong})
    with pytest.raises(ConfigError, match="SANDI_DEFAULT_LOCALE"):
        Settings.from_mapping({"SANDI_LOCALES": "en,jv", "SANDI_DEFAULT_LOCALE": "id"})
    assert Settings.from_mapping({"SANDI_LOCALES": "jv,en"}).default_locale == "jv"


def test_the_otp_api_sends_a_code_in_the_third_language(
    jv_config: dict[str, Any], redis_client: Any, tmp_path: Path
) -> None:
    sms = tmp_path / "shop" / "templates" / "jv" / "otp_sms.j2"
    sms.write_text(
        "{{ brand }}: {{ code }} kode verifikasi panjenengan. Aja diwenehake sapa wae.",
        encoding="utf-8",
    )
    app = create_app({**jv_config, "SANDI_API_KEYS": "k-jv"})
    client = app.test_client()
    auth = {"Authorization": "Bearer k-jv"}
    started = client.post(
        "/v1/verifications",
        json={"to": "+6281234567890", "channel": "sms", "locale": "jv"},
        headers=auth,
    )
    assert started.status_code == 201, started.get_json()
    (sent,) = app.extensions["sandi"].outbox.read("+6281234567890")
    assert "kode verifikasi panjenengan" in sent["body"]
    # A language the server does not speak is refused with the configured list.
    refused = client.post(
        "/v1/verifications",
        json={"to": "+6281234567891", "channel": "sms", "locale": "su"},
        headers=auth,
    )
    assert refused.status_code == 400
    assert "id, en, jv" in refused.get_json()["error"]["message"]


def test_the_simulator_names_each_language_in_its_own_tongue(
    jv_config: dict[str, Any], redis_client: Any
) -> None:
    from app.web.languages import language_name

    page = create_app(jv_config).test_client().get("/simulator").get_data(as_text=True)
    assert '<option value="jv">Basa Jawa</option>' in page
    assert '<option value="id">Bahasa Indonesia</option>' in page
    assert '<option value="en">English</option>' in page
    assert ">jv<" not in page
    # A code without a name is shown as written; a regional variant keeps its code.
    assert (language_name("su"), language_name("ms")) == ("Basa Sunda", "Bahasa Melayu")
    assert language_name("xx") == "xx"
    assert language_name("en-GB") == "English (en-GB)"
