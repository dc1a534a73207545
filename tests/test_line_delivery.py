"""Sending to LINE: the exact reply/push payloads, the fallback to push, and a 429.

Delivery mechanics only, so the stand-in engine answers; the fake LINE API records what
the SDK client really sent over HTTP.
"""

# Fixtures are imported from fakes.line_harness (shared without a conftest), so pytest
# parameters redefine the imported names on purpose.
# ruff: noqa: F811

from __future__ import annotations

import logging

import pytest

from fakes.line_api import LOADING, PUSH, REPLY, FakeLineAPI
from fakes.line_harness import (  # noqa: F401 (fixtures)
    GROUP,
    USER,
    RunningApp,
    StandInEngine,
    adapt,
    bot,
    direct_text,
    fake_api,
    group_mention,
    line_api_server,
    python_fixture,
    stand_in,
)

CHIPS_EN = {
    "items": [
        {"type": "action", "action": {"type": "postback", "label": "Garbage", "data": "topic=garbage&lang=en",
                                      "displayText": "Which garbage goes out this week?"}},
        {"type": "action", "action": {"type": "postback", "label": "Bus", "data": "topic=bus&lang=en",
                                      "displayText": "When is the next bus?"}},
        {"type": "action", "action": {"type": "postback", "label": "Wi-Fi", "data": "topic=wifi&lang=en",
                                      "displayText": "What's the Wi-Fi password?"}},
        {"type": "action", "action": {"type": "postback", "label": "Contacts", "data": "topic=contacts&lang=en",
                                      "displayText": "Who do I contact if something goes wrong?"}},
    ]
}

ANSWER_MESSAGES = [
    {"type": "text", "text": "Answer: Wi-Fi password?\n\nSource: Test House manual > Wi-Fi", "quickReply": CHIPS_EN}
]


def test_a_group_question_is_answered_with_one_reply_carrying_text_source_and_chips(
        bot: RunningApp, fake_api: FakeLineAPI) -> None:
    event = group_mention("Wi-Fi password?")
    bot.deliver(event)
    assert fake_api.bodies(REPLY) == [
        {"replyToken": event["replyToken"], "messages": ANSWER_MESSAGES, "notificationDisabled": False}
    ]
    assert fake_api.calls(PUSH) == []
    assert fake_api.calls(REPLY)[0].headers["authorization"] == "Bearer test-access-token"


def test_an_expired_reply_token_falls_back_to_a_push_to_the_same_group(
        bot: RunningApp, fake_api: FakeLineAPI, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="bot.line")
    fake_api.fail_reply_with_invalid_token()
    bot.deliver(group_mention("Wi-Fi password?"))
    assert len(fake_api.calls(REPLY)) == 1
    [push] = fake_api.calls(PUSH)
    assert push.json == {"to": GROUP, "messages": ANSWER_MESSAGES, "notificationDisabled": False}
    assert push.headers.get("x-line-retry-key")
    assert "expired" in caplog.text and "429" not in caplog.text


def test_an_answer_past_the_reply_deadline_is_pushed_without_trying_the_token(
        bot: RunningApp, fake_api: FakeLineAPI, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="bot.line")
    bot.line.client.reply_deadline = 0.0
    bot.deliver(group_mention("Wi-Fi password?"))
    assert fake_api.calls(REPLY) == []
    assert fake_api.bodies(PUSH) == [{"to": GROUP, "messages": ANSWER_MESSAGES, "notificationDisabled": False}]
    assert "past the reply deadline" in caplog.text


def test_a_429_on_reply_is_logged_as_a_rate_limit_and_not_pushed(
        bot: RunningApp, fake_api: FakeLineAPI, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="bot.line")
    fake_api.rate_limit(REPLY)
    bot.deliver(group_mention("Wi-Fi password?"))
    assert len(fake_api.calls(REPLY)) == 1
    assert fake_api.calls(PUSH) == []
    [record] = [r for r in caplog.records if "429" in r.getMessage()]
    assert record.levelno == logging.WARNING and "rate limit" in record.getMessage()
    assert "expired" not in caplog.text


def test_a_429_on_the_fallback_push_is_logged_as_a_rate_limit(
        bot: RunningApp, fake_api: FakeLineAPI, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="bot.line")
    fake_api.fail_reply_with_invalid_token()
    fake_api.rate_limit(PUSH)
    bot.deliver(group_mention("Wi-Fi password?"))
    assert len(fake_api.calls(PUSH)) == 1
    assert "rate limit (429) on push" in caplog.text


def test_a_one_to_one_question_shows_the_loading_animation_before_the_reply(
        bot: RunningApp, fake_api: FakeLineAPI) -> None:
    bot.deliver(direct_text("Wi-Fi password?"))
    paths = [r.path for r in fake_api.requests if r.path in (LOADING, REPLY)]
    assert paths == [LOADING, REPLY]
    assert fake_api.bodies(LOADING) == [{"chatId": USER, "loadingSeconds": 20}]


def test_a_failing_loading_animation_does_not_stop_the_answer(bot: RunningApp, fake_api: FakeLineAPI) -> None:
    fake_api.rate_limit(LOADING)
    bot.deliver(direct_text("Wi-Fi password?"))
    assert len(fake_api.calls(REPLY)) == 1


def test_no_chat_or_user_id_appears_in_the_logs(
        bot: RunningApp, fake_api: FakeLineAPI, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    fake_api.fail_reply_with_invalid_token()
    bot.deliver(group_mention("Wi-Fi password?"), direct_text("hello"))
    assert caplog.records, "expected the fallback to be logged"
    assert GROUP not in caplog.text and USER not in caplog.text


def test_a_failing_engine_gets_a_polite_apology_not_silence(
        bot: RunningApp, fake_api: FakeLineAPI, stand_in: StandInEngine) -> None:
    def broken(question: object) -> None:
        raise RuntimeError("index unavailable")

    stand_in.answer = broken  # type: ignore[method-assign,assignment]
    bot.deliver(group_mention("Wi-Fi password?"))
    [body] = fake_api.bodies(REPLY)
    assert body["messages"][0]["text"] == "Sorry, I can't answer right now. Please try again in a moment."


def test_a_group_bound_to_a_house_that_no_longer_exists_is_told_so(
        bot: RunningApp, fake_api: FakeLineAPI) -> None:
    bot.line.state.bind(GROUP, "demolished-house")
    bot.deliver(group_mention("Wi-Fi password?"))
    [body] = fake_api.bodies(REPLY)
    assert "demolished-house" in body["messages"][0]["text"]


def test_a_question_in_a_room_is_answered_and_falls_back_to_a_push_to_the_room(
        bot: RunningApp, fake_api: FakeLineAPI) -> None:
    event = python_fixture("message", "room", "text")
    event["message"]["text"] = "? Wi-Fi password?"
    fake_api.fail_reply_with_invalid_token()
    bot.deliver(adapt(event))
    [push] = fake_api.bodies(PUSH)
    assert push["to"] == event["source"]["roomId"]
    assert push["messages"] == ANSWER_MESSAGES
