"""Sending to LINE: the exact reply/push payloads, the fallback to push, and a 429.

Delivery mechanics only, so the stand-in engine answers; the fake LINE API records what
the SDK client really sent over HTTP.
"""

# Fixtures are imported from fakes.line_harness (shared without a conftest), so pytest
# parameters redefine the imported names on purpose.
# ruff: noqa: F811

from __future__ import annotations

import logging
import time

import pytest
from linebot.v3.messaging import TextMessage

from bot.line.client import Outcome
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


def test_a_429_on_reply_is_retried_after_the_time_retry_after_names(
        bot: RunningApp, fake_api: FakeLineAPI) -> None:
    fake_api.rate_limit(REPLY, retry_after=1, times=1)
    started = time.monotonic()
    bot.deliver(group_mention("Wi-Fi password?"))
    first, second = fake_api.calls(REPLY)
    assert (first.status, second.status) == (429, 200)
    assert second.at - first.at >= 0.95 and time.monotonic() - started < 10
    assert fake_api.calls(PUSH) == []


def test_a_429_on_the_fallback_push_is_retried_and_the_push_delivered_once(
        bot: RunningApp, fake_api: FakeLineAPI) -> None:
    fake_api.fail_reply_with_invalid_token()
    fake_api.rate_limit(PUSH, times=2)
    bot.deliver(group_mention("Wi-Fi password?"))
    assert [r.status for r in fake_api.calls(PUSH)] == [429, 429, 200]
    assert len({r.headers["x-line-retry-key"] for r in fake_api.calls(PUSH)}) == 1
    assert [r.path for r in fake_api.delivered()] == [PUSH]


def test_a_retry_after_longer_than_a_worker_should_wait_puts_the_event_back_in_the_queue(
        bot: RunningApp, fake_api: FakeLineAPI, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="bot.line")
    fake_api.rate_limit(REPLY, retry_after=2.5, times=1)  # longer than max_inline_wait (2 s)
    bot.deliver(group_mention("Wi-Fi password?"))
    first, second = fake_api.calls(REPLY)
    assert second.at - first.at >= 2.4
    assert "will be tried again in 2.5 s" in caplog.text
    assert len(fake_api.delivered()) == 1


def test_a_reply_held_back_by_a_429_past_the_reply_deadline_is_pushed_not_counted_as_sent(
        bot: RunningApp, fake_api: FakeLineAPI) -> None:
    bot.line.client.reply_deadline = 1.0
    fake_api.rate_limit(REPLY, retry_after=2.5, times=1)  # the queue holds it past the deadline
    bot.deliver(group_mention("Wi-Fi password?"))
    assert [r.status for r in fake_api.calls(REPLY)] == [429]
    assert [r.path for r in fake_api.delivered()] == [PUSH]


def test_a_500_from_line_is_retried_until_the_reply_is_delivered(bot: RunningApp, fake_api: FakeLineAPI) -> None:
    fake_api.server_error(REPLY, times=4)  # more than one attempt's retries: the queue tries again
    bot.deliver(group_mention("Wi-Fi password?"))
    assert [r.status for r in fake_api.calls(REPLY)] == [500, 500, 500, 500, 200]
    assert [r.path for r in fake_api.delivered()] == [REPLY]


def test_a_reply_that_timed_out_but_got_through_is_not_sent_again(
        bot: RunningApp, fake_api: FakeLineAPI, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="bot.line")
    bot.line.client.timeout = 0.3
    fake_api.hang(REPLY, 1.0, times=1)
    bot.deliver(group_mention("Wi-Fi password?"))
    assert [r.status for r in fake_api.calls(REPLY)] == [200, 400]  # the retry finds the token used
    assert [r.path for r in fake_api.delivered()] == [REPLY]
    assert fake_api.calls(PUSH) == []
    assert "already used by an earlier attempt" in caplog.text


def test_a_push_that_timed_out_is_retried_with_the_same_retry_key_and_delivered_once(
        bot: RunningApp, fake_api: FakeLineAPI) -> None:
    bot.line.client.timeout = 0.3
    fake_api.fail_reply_with_invalid_token()
    fake_api.hang(PUSH, 1.0, times=1)
    bot.deliver(group_mention("Wi-Fi password?"))
    pushes = fake_api.calls(PUSH)
    assert [r.status for r in pushes] == [200, 409]  # LINE refuses the resend: already accepted
    assert pushes[0].headers["x-line-retry-key"] == pushes[1].headers["x-line-retry-key"]
    assert [r.path for r in fake_api.delivered()] == [PUSH]


def test_an_empty_body_on_200_counts_as_delivered_and_the_next_send_still_goes(
        bot: RunningApp, fake_api: FakeLineAPI, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    fake_api.empty_body(REPLY)
    fake_api.empty_body(PUSH)
    bot.deliver(group_mention("Wi-Fi password??? (unanswerable)"))  # escalation push, then the reply
    assert [(r.path, r.status) for r in fake_api.delivered()] == [(PUSH, 200), (REPLY, 200)]
    assert len(fake_api.calls(REPLY)) == 1  # accepted: not retried
    assert "Traceback" not in caplog.text and not [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_a_push_of_more_than_five_messages_goes_out_in_batches_even_when_line_answers_an_empty_body(
        bot: RunningApp, fake_api: FakeLineAPI) -> None:
    fake_api.empty_body(PUSH)
    messages = [TextMessage(text=f"line {i}") for i in range(7)]
    assert bot.line.client.push(GROUP, messages, log_name="test") is Outcome.PUSHED
    assert [len(r.json["messages"]) for r in fake_api.delivered(PUSH)] == [5, 2]


def test_delivery_gives_up_after_the_bound_with_one_error_line_and_no_personal_data(
        bot: RunningApp, fake_api: FakeLineAPI, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    bot.line.workers.policy.give_up_after = 1.0
    fake_api.server_error(REPLY)
    event = group_mention("Wi-Fi password?")
    bot.deliver(event)
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1 and errors[0].startswith("gave up delivering a message/text event after")
    assert bot.line.queue.status(event["webhookEventId"]) == "failed"
    assert GROUP not in caplog.text and USER not in caplog.text and "Wi-Fi password" not in caplog.text


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
