"""Every mistake in a flow is reported at load time as ``file:line:col: message``."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest

from app.config import ROOT
from app.content.loader import check_flows, load_flows
from app.content.render import Templates
from app.content.source import FlowError

HEADER = "# yaml-language-server: $schema=../app/content/flow.schema.json\n"


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    """A copy of the bundled flows and templates to break."""
    shutil.copytree(ROOT / "flows", tmp_path / "flows")
    shutil.copytree(ROOT / "templates", tmp_path / "templates")
    return tmp_path


def problems(shop: Path, name: str | None = None, text: str | None = None) -> list[str]:
    if name and text is not None:
        (shop / "flows" / name).write_text(HEADER + textwrap.dedent(text), encoding="utf-8")
    _, found = check_flows(shop / "flows", Templates(shop / "templates"))
    return [str(p) for p in found]


def test_bundled_flows_are_clean(shop: Path) -> None:
    assert problems(shop) == []


def test_yaml_syntax_error(shop: Path) -> None:
    found = problems(
        shop,
        "broken.yml",
        """\
        flow: broken
        steps:
          - say: welcome/menu
           - end:
        """,
    )
    assert len(found) == 1
    assert found[0] == (
        "flows/broken.yml:5:4: this list item starts in column 4, but the one on line 4 "
        "starts in column 3: put its '-' right under the '-' above"
    )


def test_duplicate_key(shop: Path) -> None:
    found = problems(
        shop,
        "broken.yml",
        """\
        flow: broken
        flow: again
        steps:
          - end:
        """,
    )
    assert (
        found[0]
        == "flows/broken.yml:3:1: 'flow:' is written twice at the same level: keep one of them"
    )


def test_misspelt_step_kind_and_key(shop: Path) -> None:
    assert problems(
        shop,
        "broken.yml",
        """\
        flow: broken
        steps:
          - sya: welcome/menu
          - ask: change_email/ask_address
            expect: email
            tires: 3
          - end:
        """,
    ) == [
        "flows/broken.yml:4:5: unknown kind of step 'sya'; did you mean 'say'?",
        "flows/broken.yml:7:5: unknown key 'tires'; did you mean 'tries'?",
    ]


def test_wrong_values(shop: Path) -> None:
    assert problems(
        shop,
        "broken.yml",
        """\
        flow: Broken Flow
        steps:
          - ask: change_email/ask_address
            expect: emial
            tries: three
            choices: []
          - end:
        """,
    ) == [
        "flows/broken.yml:2:7: 'flow': 'Broken Flow' is not valid (lower_case letters, digits and underscores, starting with a letter)",
        "flows/broken.yml:5:13: 'expect' (step 1) must be one of text, number, digits, choice, email, phone, yes_no, otp_code, media, not 'emial'; did you mean 'email'?",
        "flows/broken.yml:6:12: 'tries' (step 1) must be a whole number",
        "flows/broken.yml:7:14: 'choices' (step 1) must not be empty",
    ]


def test_unknown_steps_flows_templates_and_unreachable_steps(shop: Path) -> None:
    assert problems(
        shop,
        "broken.yml",
        """\
        flow: broken
        steps:
          - say: nope/missing
          - goto: finsh
          - goto_flow: welcom
          - id: finish
            end:
        """,
    ) == [
        "flows/broken.yml:4:10: missing template 'nope/missing': add templates/id/nope/missing.j2 and templates/en/nope/missing.j2",
        "flows/broken.yml:5:11: unknown step 'finsh'; did you mean 'finish'?",
        "flows/broken.yml:6:16: unknown flow 'welcom'; did you mean 'welcome'?",
    ]


def test_duplicate_ids_across_files_and_within_a_flow(shop: Path) -> None:
    found = problems(
        shop,
        "broken.yml",
        """\
        flow: welcome
        steps:
          - id: hello
            say: welcome/menu
          - id: hello
            end:
        """,
    )
    assert found == [
        "flows/broken.yml:2:7: flow 'welcome' is also defined at flows/welcome.yml:7:7",
        "flows/broken.yml:6:9: step id 'hello' is used twice (first at flows/broken.yml:4:9)",
        "flows/welcome.yml:7:7: flow 'welcome' is also defined at flows/broken.yml:2:7",
    ]


def test_a_menu_without_a_way_out(shop: Path) -> None:
    assert problems(
        shop,
        "broken.yml",
        """\
        flow: broken
        steps:
          - id: menu
            ask: welcome/menu
            choices:
              - value: a
                label: A
                goto: info
              - value: b
                label: B
                goto: info
          - id: info
            say: faq/what_is_otp
            next: menu
        """,
    ) == [
        "flows/broken.yml:4:5: no way out: from here no answer ever reaches an end of the flow",
        "flows/broken.yml:13:5: no way out: from here no answer ever reaches an end of the flow",
    ]


def test_a_loop_that_never_waits(shop: Path) -> None:
    found = problems(
        shop,
        "broken.yml",
        """\
        flow: broken
        steps:
          - id: again
            set: {count: 1}
          - if: count > 0
            then: again
          - end:
        """,
    )
    assert found == [
        "flows/broken.yml:4:5: this step is in a loop that never waits for the customer (it would never stop)"
    ]


def test_conditions_variables_and_patterns(shop: Path) -> None:
    assert problems(
        shop,
        "broken.yml",
        """\
        flow: broken
        steps:
          - ask: change_email/ask_address
            save_as: answer
            pattern: "[a-z"
          - if: answer ==
            then: done
          - if: anwser == "x"
            then: done
          - set: {total: "{{ amount + 1 }}"}
          - id: done
            end:
        """,
    ) == [
        "flows/broken.yml:6:14: 'pattern' is not a valid regular expression: unterminated character set at position 0",
        "flows/broken.yml:7:9: cannot read the condition 'answer ==': it stops after '==': "
        "write what it compares with, e.g. 'answer == \"sms\"'",
        "flows/broken.yml:9:9: unknown variable 'anwser' (no step sets it); did you mean 'answer'?",
        "flows/broken.yml:11:18: unknown variable 'amount' (no step sets it); did you mean 'otp_amount'?",
    ]


def test_templates_missing_a_language_or_using_unknown_variables(shop: Path) -> None:
    (shop / "templates" / "en" / "faq" / "ask.j2").unlink()
    (shop / "templates" / "id" / "faq" / "bye.j2").write_text(
        "Terima kasih\n{{ nama_pelanggan }}!\n", encoding="utf-8"
    )
    (shop / "templates" / "id" / "faq" / "more.j2").write_text("{% if %}\n", encoding="utf-8")
    assert problems(shop) == [
        "flows/faq.yml:16:10: warning: template 'faq/ask' has no en version (templates/en/faq/ask.j2); customers get the id text",
        "templates/id/faq/bye.j2:2:4: unknown variable 'nama_pelanggan' (no flow sets it)",
        "templates/id/faq/more.j2:1:1: {% if %} needs a condition after 'if', e.g. {% if name %}",
    ]


def test_missing_system_template(shop: Path) -> None:
    for lc in ("id", "en"):
        (shop / "templates" / lc / "common" / "help.j2").unlink()
    assert problems(shop) == [
        "templates/id/common/help.j2:1:1: missing template 'common/help' (the bot says it itself): add templates/id/common/help.j2 and templates/en/common/help.j2"
    ]


def test_duplicate_triggers_and_commands(shop: Path) -> None:
    assert problems(
        shop,
        "broken.yml",
        """\
        flow: broken
        triggers:
          id: [verifikasi, menu]
        steps:
          - end:
        """,
    ) == [
        "flows/broken.yml:4:8: trigger 'verifikasi' also starts flow 'verify_number' (flows/verify_number.yml:11:8)",
        "flows/broken.yml:4:20: warning: 'menu' is also the 'menu' command, which wins: this trigger never starts the flow",
        "flows/verify_number.yml:11:8: trigger 'verifikasi' also starts flow 'broken' (flows/broken.yml:4:8)",
    ]


def test_a_trigger_that_is_a_resend_word_is_no_collision(shop: Path) -> None:
    """Resend words mean something only at a code step (which reads them itself):
    anywhere else the trigger starts its flow, so nothing is said."""
    assert (
        problems(
            shop,
            "again.yml",
            """\
        flow: again
        triggers:
          id: [kirim ulang dong]
        steps:
          - end:
        """,
        )
        == []
    )


def test_commands_need_a_flow_and_known_settings(shop: Path) -> None:
    assert problems(
        shop,
        "extra.yml",
        """\
        commands:
          promo: [promo, diskon]
          sale:
            words: [sale]
            flow: sales
        settings:
          menu_flow: mainmenu
        """,
    ) == [
        "flows/extra.yml:3:3: command 'promo' needs a 'flow:' to start (or use a built-in name)",
        "flows/extra.yml:6:11: unknown flow 'sales'",
        "flows/extra.yml:8:14: unknown flow 'mainmenu'",
    ]


def test_an_otp_confirm_without_an_otp_issue(shop: Path) -> None:
    assert problems(
        shop,
        "broken.yml",
        """\
        flow: broken
        steps:
          - otp_confirm: payment
          - end:
        """,
    ) == [
        "flows/broken.yml:4:18: no otp_issue step with purpose 'payment' in this flow sends the code to confirm"
    ]


def test_a_file_that_is_not_a_flow(shop: Path) -> None:
    assert problems(shop, "broken.yml", "- just\n- a list\n") == [
        "flows/broken.yml:2:1: a flow file must be 'key: value' lines (flow:, faq: or commands:)"
    ]
    assert problems(shop, "broken.yml", "steps:\n  - end:\n") == [
        "flows/broken.yml:2:1: 'steps:' needs a 'flow:' name above it",
        "flows/broken.yml:2:1: this file needs 'flow:', 'faq:' or 'commands:' at the top",
    ]


def test_load_flows_raises_with_every_problem(shop: Path) -> None:
    (shop / "flows" / "broken.yml").write_text(HEADER + "flow: broken\nsteps:\n  - sya: x\n")
    with pytest.raises(FlowError) as caught:
        load_flows(shop / "flows", Templates(shop / "templates"))
    message = str(caught.value)
    assert "failed to load (1 problem(s))" in message
    assert "flows/broken.yml:4:5: unknown kind of step 'sya'; did you mean 'say'?" in message


def test_every_bundled_flow_names_the_schema() -> None:
    for path in sorted((ROOT / "flows").glob("*.yml")):
        assert path.read_text().startswith(HEADER), path


def test_sms_encoding_and_length_warnings(shop: Path) -> None:
    (shop / "templates" / "en" / "faq" / "bye.j2").write_text("Thanks {{ name }}!\nSee you 🙂\n")
    (shop / "templates" / "id" / "faq" / "bye.j2").write_text("Terima kasih. " * 40)
    assert problems(shop) == [
        "templates/en/faq/bye.j2:2:9: warning: '🙂' is not in the SMS alphabet (GSM-7): SMS replies with this text go as UCS-2, 70 characters per part",
        "templates/id/faq/bye.j2:1:1: warning: about 559 characters: more than 3 SMS parts",
    ]


def test_duplicate_faq_ids(shop: Path) -> None:
    assert problems(
        shop,
        "more_faq.yml",
        """\
        faq:
          - id: how_long
            title: Berapa lama?
            questions: {id: [berapa lama], en: [how long]}
        """,
    ) == ["flows/more_faq.yml:3:5: FAQ id 'how_long' is used twice (first at flows/faq.yml:38:5)"]


def test_unreachable_steps(shop: Path) -> None:
    assert problems(
        shop,
        "broken.yml",
        """\
        flow: broken
        steps:
          - say: welcome/menu
          - end:
          - id: orphan
            say: faq/bye
          - id: also_orphan
            end: faq/bye
        """,
    ) == [
        "flows/broken.yml:6:5: nobody can reach this step (no step leads here)",
        "flows/broken.yml:8:5: nobody can reach this step (no step leads here)",
    ]


def test_yaml_merge_keys_get_the_position_of_the_mapping_that_merges_them() -> None:
    from app.content.source import Document, parse_yaml

    text = "base: &b {say: x}\nsteps:\n  one:\n    <<: *b\n    id: one\n"
    doc = parse_yaml(text, "flows/merge.yml")
    assert isinstance(doc, Document)
    assert doc.data["steps"]["one"] == {"say": "x", "id": "one"}
    assert all(isinstance(v, tuple) for v in doc.keys.values())
    assert doc.keys[("steps", "one", "say")] == doc.values[("steps", "one")]
