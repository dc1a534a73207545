"""Groups over time: binding to a house, leaving, escalation to staff, staff commands and the
morning message. Whole app (create_app) with the real Engine; the fake LINE API records."""

# Fixtures are imported from fakes.line_harness (shared without a conftest), so pytest
# parameters redefine the imported names on purpose.
# ruff: noqa: F811

from __future__ import annotations

import sqlite3
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from bot.line import texts
from bot.line.cli import line
from bot.line.morning import send_morning
from bot.line.state import STATE_FILE
from fakes.line_api import PUSH, REPLY, FakeLineAPI
from fakes.line_harness import (  # noqa: F401 (fixtures)
    GROUP,
    JST,
    OTHER_GROUP,
    STAFF_GROUP,
    USER,
    RunningApp,
    adapt,
    chat_bot,
    fake_api,
    group_mention,
    group_text,
    java_fixture,
    line_api_server,
    real_engine,
    unbound_bot,
)

UNANSWERABLE = "What is the meaning of life?"


def bind_code(bot: RunningApp, house_id: str) -> str:
    """Run `concierge line bind-code HOUSE_ID` against the bot's knowledge and state folders."""
    settings = bot.line.settings
    result = CliRunner().invoke(line, ["bind-code", house_id, "--knowledge", str(settings.knowledge),
                                       "--data", str(settings.data_dir)])
    assert result.exit_code == 0, result.output
    return result.stdout.strip()


def reply_texts(api: FakeLineAPI) -> list[str]:
    return [m["text"] for body in api.bodies(REPLY) for m in body["messages"] if m["type"] == "text"]


# -- binding ----------------------------------------------------------------------------


def test_an_unbound_group_is_told_politely_how_to_bind_it(unbound_bot: RunningApp, fake_api: FakeLineAPI) -> None:
    unbound_bot.deliver(group_mention("Wi-Fiのパスワードは？"))
    assert reply_texts(fake_api) == [texts.say("unbound", "ja")]


def test_joining_an_unbound_group_explains_binding_in_the_welcome(
        unbound_bot: RunningApp, fake_api: FakeLineAPI) -> None:
    unbound_bot.deliver(adapt(java_fixture("join")))
    assert reply_texts(fake_api) == [texts.say_both("welcome") + "\n\n" + texts.say_both("unbound")]


def test_bind_code_prints_a_one_time_code_for_a_known_house(unbound_bot: RunningApp) -> None:
    code = bind_code(unbound_bot, "hakka-annex")
    assert len(code) == 9 and code[4] == "-"


def test_bind_code_refuses_an_unknown_house(unbound_bot: RunningApp) -> None:
    settings = unbound_bot.line.settings
    result = CliRunner().invoke(line, ["bind-code", "no-such-house", "--knowledge", str(settings.knowledge),
                                       "--data", str(settings.data_dir)])
    assert result.exit_code == 1
    assert "unknown house 'no-such-house'" in result.output and "hakka-annex" in result.output


def test_posting_bind_with_the_code_links_the_group_and_questions_are_then_answered(
        unbound_bot: RunningApp, fake_api: FakeLineAPI) -> None:
    code = bind_code(unbound_bot, "hakka-annex")
    unbound_bot.deliver(group_mention(f"bind {code}"))
    unbound_bot.deliver(group_mention("Wi-Fiのパスワードは？"))
    bound, answer = reply_texts(fake_api)
    assert bound == 'This group is now linked to "HAKKA ANNEX". Ask away!'
    assert "annex-kitami-2026" in answer and "mint-kitami-2026" not in answer
    binding = unbound_bot.line.state.binding(GROUP)
    assert binding is not None and binding.house_id == "hakka-annex"


def test_a_bind_code_works_only_once(unbound_bot: RunningApp, fake_api: FakeLineAPI) -> None:
    code = bind_code(unbound_bot, "hakka-house")
    unbound_bot.deliver(group_mention(f"bind {code}"))
    unbound_bot.deliver(group_mention(f"bind {code}", group_id=OTHER_GROUP))
    assert reply_texts(fake_api)[1] == texts.say("bad_code", "en")
    assert unbound_bot.line.state.binding(OTHER_GROUP) is None


def test_a_complete_bind_message_needs_no_mention(unbound_bot: RunningApp, fake_api: FakeLineAPI) -> None:
    code = bind_code(unbound_bot, "hakka-house")
    unbound_bot.deliver(group_text(f"bind {code.lower()}"))
    assert unbound_bot.line.state.binding(GROUP) is not None


def test_leaving_a_group_forgets_its_binding_and_its_questions(
        unbound_bot: RunningApp, fake_api: FakeLineAPI) -> None:
    state = unbound_bot.line.state
    unbound_bot.deliver(group_mention(f"bind {bind_code(unbound_bot, 'hakka-house')}"))
    unbound_bot.deliver(group_mention(UNANSWERABLE))
    assert [q.text for q in state.unanswered(30)] == [UNANSWERABLE]
    unbound_bot.deliver(adapt(dict(java_fixture("leave"), source={"type": "group", "groupId": GROUP})))
    assert state.binding(GROUP) is None
    assert state.unanswered(30) == []


# -- escalation and staff commands ------------------------------------------------------


def test_an_unanswered_group_question_is_passed_to_the_staff_group_text_only(
        chat_bot: RunningApp, fake_api: FakeLineAPI) -> None:
    chat_bot.deliver(group_mention(UNANSWERABLE))
    assert fake_api.bodies(PUSH) == [{
        "to": STAFF_GROUP,
        "messages": [{"type": "text", "text": f"【未回答の質問】HAKKA HOUSE（はっかハウス）\n「{UNANSWERABLE}」"}],
        "notificationDisabled": False,
    }]
    assert reply_texts(fake_api)[0].endswith("\n\n" + texts.say("escalated", "en"))


def test_escalations_from_one_group_are_rate_limited(chat_bot: RunningApp, fake_api: FakeLineAPI) -> None:
    chat_bot.deliver(*[group_mention(f"{UNANSWERABLE} ({i})") for i in range(5)])
    assert len(fake_api.calls(PUSH)) == 3
    assert len(fake_api.calls(REPLY)) == 5


def test_staff_commands_are_answered_in_the_staff_group(chat_bot: RunningApp, fake_api: FakeLineAPI) -> None:
    chat_bot.deliver(group_mention(UNANSWERABLE), group_mention(UNANSWERABLE), group_mention("Wi-Fi password?"))
    fake_api.reset()
    chat_bot.deliver(group_text("/unanswered", group_id=STAFF_GROUP))
    chat_bot.deliver(group_text("/stats", group_id=STAFF_GROUP))
    unanswered, stats = reply_texts(fake_api)
    assert unanswered.startswith("未回答の質問（30日間）/ Unanswered questions (30 days)\n")
    assert f"• 2× 「{UNANSWERABLE}」 hakka-house" in unanswered
    assert "7日間 / 7 days: 質問 3 questions, 未回答 2 unanswered (67%)" in stats


def test_reload_in_the_staff_group_reports_what_changed(chat_bot: RunningApp, fake_api: FakeLineAPI) -> None:
    chat_bot.deliver(group_text("/reload", group_id=STAFF_GROUP))
    [text] = reply_texts(fake_api)
    assert text.startswith("再読み込みしました / Reloaded\n")
    assert "変更はありません" in text


def test_staff_commands_are_refused_outside_the_staff_group(chat_bot: RunningApp, fake_api: FakeLineAPI) -> None:
    chat_bot.deliver(group_mention("/stats"))
    chat_bot.deliver(group_text("/reload"))  # not addressed to the bot: silence
    assert reply_texts(fake_api) == [texts.say("staff_only", "en")]


# -- the morning message ----------------------------------------------------------------


def test_morning_on_then_the_morning_run_pushes_the_briefing_once_a_day(
        chat_bot: RunningApp, fake_api: FakeLineAPI, real_engine: Any) -> None:
    chat_bot.deliver(group_mention("morning on"))
    assert reply_texts(fake_api) == [texts.say("morning_on_daily", "en")]
    chat_bot.deliver(group_mention("What is the wifi password?"))  # the group reads English
    line_channel = chat_bot.line
    now = datetime(2026, 11, 24, 7, 0, tzinfo=JST)
    first = send_morning(real_engine, line_channel.state, line_channel.client, now)
    second = send_morning(real_engine, line_channel.state, line_channel.client, now)
    assert (first.sent, second.sent, second.already_sent) == (1, 0, 1)
    [push] = fake_api.bodies(PUSH)
    assert push["to"] == GROUP
    assert push["messages"][0]["text"].startswith("Good morning")
    assert push["messages"][-1]["quickReply"]["items"][0]["action"]["label"] == "Garbage"


def test_the_morning_message_is_in_japanese_for_a_group_that_has_not_asked_anything(
        chat_bot: RunningApp, fake_api: FakeLineAPI, real_engine: Any) -> None:
    chat_bot.deliver(group_mention("morning on"))
    send_morning(real_engine, chat_bot.line.state, chat_bot.line.client, datetime(2026, 11, 24, 7, 0, tzinfo=JST))
    [push] = fake_api.bodies(PUSH)
    assert push["messages"][0]["text"].startswith("おはようございます")


def test_morning_off_stops_the_morning_message(chat_bot: RunningApp, fake_api: FakeLineAPI, real_engine: Any) -> None:
    chat_bot.deliver(group_mention("morning on"))
    chat_bot.deliver(group_mention("朝のお知らせ オフ"))
    assert reply_texts(fake_api)[-1] == texts.say("morning_off", "ja")
    report = send_morning(real_engine, chat_bot.line.state, chat_bot.line.client,
                          datetime(2026, 11, 24, 7, 0, tzinfo=JST))
    assert report.sent == 0 and fake_api.calls(PUSH) == []


def test_the_morning_command_for_cron_pushes_to_opted_in_groups(
        chat_bot: RunningApp, fake_api: FakeLineAPI, real_engine: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    chat_bot.deliver(group_mention("morning on"))
    settings = chat_bot.line.settings
    env = {
        "LINE_CHANNEL_SECRET": settings.line_channel_secret,
        "LINE_CHANNEL_ACCESS_TOKEN": settings.line_channel_access_token,
        "LINE_API_BASE_URL": settings.line_api_base_url,
        "CONCIERGE_KNOWLEDGE": str(real_engine.config.knowledge_dir),
        "CONCIERGE_STORE": str(real_engine.config.store_dir),
        "CONCIERGE_DATA": str(settings.data_dir),
        "CONCIERGE_JMA_BASE_URL": "http://127.0.0.1:9",
        "CONCIERGE_OPENMETEO_BASE_URL": "http://127.0.0.1:9",
    }
    result = CliRunner().invoke(line, ["morning"], env=env)
    assert result.exit_code == 0, result.output
    assert "sent 1" in result.stdout
    assert [b["to"] for b in fake_api.bodies(PUSH)] == [GROUP]


def test_the_state_file_holds_no_line_group_or_user_ids(chat_bot: RunningApp, fake_api: FakeLineAPI) -> None:
    chat_bot.deliver(group_mention("morning on"), group_mention(UNANSWERABLE), group_mention("Wi-Fi?"))
    path: Path = chat_bot.line.settings.data_dir / STATE_FILE
    with sqlite3.connect(path) as conn:
        dump = "\n".join(conn.iterdump())
    assert "hakka-house" in dump and UNANSWERABLE in dump  # the dump is real
    for secret_id in (GROUP, USER, STAFF_GROUP):
        assert secret_id not in dump
