"""👍/👎 on LINE answers from the documents, as far as the staff console: the quick replies
carry only the question log's row id; a 👎 puts the question, the answer given and when on
the Questions page (nothing about the person), where *the answer was right* and *ignore*
take it off again. The whole app (LINE + console) with the real engine, LINE faked."""

# Fixtures are imported from fakes.line_harness (shared without a conftest), so pytest
# parameters redefine the imported names on purpose.
# ruff: noqa: F811

from __future__ import annotations

from typing import Any

from statedb import OpenState, dump, postgres, state_db  # noqa: F401 (fixtures)

from bot.engine.contract import Answer
from fakes.line_api import REPLY, FakeLineAPI
from fakes.line_harness import (  # noqa: F401 (fixtures)
    GROUP,
    OTHER_GROUP,
    USER,
    RunningApp,
    adapt,
    chat_bot,
    fake_api,
    group_mention,
    java_fixture,
    line_api_server,
    real_engine,
)
from tests.staffconsole import PASSWORD, login, post

HOUSE = "hakka-house"
QUESTION = "What is the wifi password?"


def ask(bot: RunningApp, api: FakeLineAPI, question: str = QUESTION) -> dict[str, str]:
    """Ask in the group; the reply's quick replies as label -> postback data."""
    api.reset()
    bot.deliver(group_mention(question))
    [body] = api.bodies(REPLY)
    items = body["messages"][-1]["quickReply"]["items"]
    return {i["action"]["label"]: i["action"]["data"] for i in items}


def tap(bot: RunningApp, api: FakeLineAPI, data: str, group: str = GROUP) -> list[dict[str, Any]]:
    """Tap a chip in ``group``; the messages the bot replied with."""
    api.reset()
    event = java_fixture("postback")
    event["source"] = {"type": "group", "groupId": group, "userId": USER}
    event["postback"] = {"data": data, "params": {}}
    bot.deliver(adapt(event))
    return [m for body in api.bodies(REPLY) for m in body["messages"]]


def staff_client(bot: RunningApp) -> Any:
    staff = bot.app.extensions["staff"]
    if staff.accounts.get("admin") is None:
        staff.accounts.add("admin", PASSWORD, "admin")
    client = bot.app.test_client()
    login(client, "admin")
    client.get("/staff/lang/en")
    return client


def test_an_answer_from_the_manual_carries_thumbs_up_and_down_with_only_a_question_id(
        chat_bot: RunningApp, fake_api: FakeLineAPI) -> None:
    chips = ask(chat_bot, fake_api)
    assert list(chips)[:2] == ["👍", "👎"]
    assert chips["👎"].startswith("fb=down&q=") and chips["👎"].endswith("&lang=en")
    assert USER not in chips["👎"] and GROUP not in chips["👎"]


def test_a_thumbs_down_puts_the_question_and_the_answer_given_on_the_questions_page(
        chat_bot: RunningApp, fake_api: FakeLineAPI) -> None:
    chips = ask(chat_bot, fake_api)
    [thanks] = tap(chat_bot, fake_api, chips["👎"])
    assert thanks["text"] == "Thank you. The staff will check this answer."
    html = staff_client(chat_bot).get("/staff/questions").get_data(as_text=True)
    assert QUESTION in html and "mint-kitami-2026" in html  # the answer given
    assert 'class="kind-down"' in html and "👎 from a stayer" in html
    assert USER not in dump(chat_bot.app.extensions["staff"].db)  # nothing about the person


def test_the_answer_was_right_takes_a_turned_down_question_off_the_page(
        chat_bot: RunningApp, fake_api: FakeLineAPI) -> None:
    tap(chat_bot, fake_api, ask(chat_bot, fake_api)["👎"])
    client = staff_client(chat_bot)
    assert post(client, "/staff/questions/action", {"house": HOUSE, "text": QUESTION, "action": "right"}) \
        .status_code == 302
    assert QUESTION not in client.get("/staff/questions").get_data(as_text=True)


def test_ignore_takes_a_turned_down_question_off_the_page_until_it_is_turned_down_again(
        chat_bot: RunningApp, fake_api: FakeLineAPI) -> None:
    tap(chat_bot, fake_api, ask(chat_bot, fake_api)["👎"])
    client = staff_client(chat_bot)
    post(client, "/staff/questions/action", {"house": HOUSE, "text": QUESTION, "action": "ignore"})
    assert QUESTION not in client.get("/staff/questions").get_data(as_text=True)
    tap(chat_bot, fake_api, ask(chat_bot, fake_api)["👎"])
    assert QUESTION in client.get("/staff/questions").get_data(as_text=True)


def test_the_overview_counts_this_weeks_thumbs_down_per_house(chat_bot: RunningApp, fake_api: FakeLineAPI) -> None:
    tap(chat_bot, fake_api, ask(chat_bot, fake_api)["👎"])
    tap(chat_bot, fake_api, ask(chat_bot, fake_api)["👍"])
    assert f'id="down-{HOUSE}">1<' in staff_client(chat_bot).get("/staff/").get_data(as_text=True)


def test_a_thumbs_up_is_not_answered_and_lists_nothing(chat_bot: RunningApp, fake_api: FakeLineAPI) -> None:
    assert tap(chat_bot, fake_api, ask(chat_bot, fake_api)["👍"]) == []
    assert QUESTION not in staff_client(chat_bot).get("/staff/questions").get_data(as_text=True)


def test_a_rating_from_another_group_changes_nothing(chat_bot: RunningApp, fake_api: FakeLineAPI) -> None:
    assert tap(chat_bot, fake_api, ask(chat_bot, fake_api)["👎"], group=OTHER_GROUP) == []
    assert QUESTION not in staff_client(chat_bot).get("/staff/questions").get_data(as_text=True)


def test_a_rated_answer_nobody_turned_down_is_dropped_after_the_feedback_window(
        chat_bot: RunningApp, fake_api: FakeLineAPI) -> None:
    from bot.state.questions import FEEDBACK_WINDOW_SECONDS, QuestionLog

    staff = chat_bot.app.extensions["staff"]
    now = [1_800_000_000.0]
    log = QuestionLog(staff.db, clock=lambda: now[0])
    answer = Answer(text="It is in the hut.", lang="en", intent="retrieval", confidence=0.9)
    kept = log.log(channel="line", house_id=HOUSE, day="2027-01-15", text="Where is the axe?", answer=answer,
                   rated=True)
    down = log.log(channel="line", house_id=HOUSE, day="2027-01-15", text="Where is the saw?", answer=answer,
                   rated=True)
    assert kept.question_id is not None and down.question_id is not None
    assert log.rate(down.question_id, "down", None)
    now[0] += FEEDBACK_WINDOW_SECONDS + 1
    with staff.db.write() as conn:
        log.purge(conn, 30, "2027-01-17")
    texts = dump(staff.db)
    assert "Where is the axe?" not in texts and "Where is the saw?" in texts


# -- the same on both state backends (SQLite and a real PostgreSQL 15) ----------------------


def test_a_rating_reaches_only_the_answer_of_the_chat_it_came_from(state_db: OpenState) -> None:
    from bot.line.state import BotState

    state = BotState(state_db(), "channel-secret-1")
    answer = Answer(text="It is in the hut.", lang="en", intent="retrieval", confidence=0.9)
    logged = state.log_answer(house_id=HOUSE, day="2027-01-15", text="Where is the axe?", answer=answer,
                              chat_id=GROUP, rated=True)
    assert logged is not None and logged.question_id is not None
    assert state.rate_answer(logged.question_id, "down", OTHER_GROUP) is False
    assert state.rate_answer(logged.question_id + 1, "down", GROUP) is False
    assert state.questions.downvotes(7) == {}
    assert state.rate_answer(logged.question_id, "down", GROUP) is True
    assert state.questions.downvotes(7) == {HOUSE: 1}


def test_a_binding_is_forgotten_only_after_its_check_out_date(state_db: OpenState) -> None:
    from datetime import date, timedelta

    from bot.line.state import BotState

    state = BotState(state_db(), "channel-secret-1")
    code = state.issue_bind_code(HOUSE, timedelta(hours=1), checkout=date(2027, 1, 20))
    assert state.redeem_bind_code(code, GROUP) == HOUSE
    binding = state.binding(GROUP)
    assert binding is not None and binding.checkout == "2027-01-20"
    assert state.forget_checked_out("2027-01-20") == 0 and state.binding(GROUP) is not None
    assert state.forget_checked_out("2027-01-21") == 1 and state.binding(GROUP) is None
