"""The bot in chats, end to end: signed webhooks into the whole app (create_app) with the
real Engine on the bundled knowledge folder, replies recorded by the fake LINE API."""

# Fixtures are imported from fakes.line_harness (shared without a conftest), so pytest
# parameters redefine the imported names on purpose.
# ruff: noqa: F811

from __future__ import annotations

import json
from typing import Any

from bot.line import texts
from fakes.line_api import LOADING, PUSH, REPLY, FakeLineAPI
from fakes.line_harness import (  # noqa: F401 (fixtures)
    BOT_NAME,
    GROUP,
    PAYLOADS,
    USER,
    RunningApp,
    adapt,
    chat_bot,
    direct_text,
    fake_api,
    group_mention,
    group_text,
    in_group,
    java_fixture,
    line_api_server,
    python_fixture,
    real_engine,
)

CHIPS_JA = {
    "items": [
        {"type": "action", "action": {"type": "postback", "label": "ごみの日", "data": "topic=garbage&lang=ja",
                                      "displayText": "今週のごみの日は？"}},
        {"type": "action", "action": {"type": "postback", "label": "バス", "data": "topic=bus&lang=ja",
                                      "displayText": "次のバスは？"}},
        {"type": "action", "action": {"type": "postback", "label": "Wi-Fi", "data": "topic=wifi&lang=ja",
                                      "displayText": "Wi-Fiのパスワードは？"}},
        {"type": "action", "action": {"type": "postback", "label": "連絡先", "data": "topic=contacts&lang=ja",
                                      "displayText": "困ったときの連絡先は？"}},
    ]
}


def messages_sent(api: FakeLineAPI) -> list[Any]:
    """Replies and pushes (the bot may also have asked LINE for its own display name)."""
    return [r for r in api.requests if r.path in (REPLY, PUSH)]


def only_reply(api: FakeLineAPI) -> dict[str, Any]:
    [body] = api.bodies(REPLY)
    return body


def test_a_group_message_mentioning_the_bot_is_answered_from_the_house_manual(
        chat_bot: RunningApp, fake_api: FakeLineAPI) -> None:
    event = group_mention("Wi-Fiのパスワードは？")
    assert chat_bot.deliver(event) == (200, "OK")
    reply = only_reply(fake_api)
    assert reply["replyToken"] == event["replyToken"]
    [message] = reply["messages"]
    up, down, *chips = message["quickReply"]["items"]  # an answer from the manual can be rated
    assert message["type"] == "text" and chips == CHIPS_JA["items"]
    assert (up["action"]["label"], down["action"]["label"]) == ("👍", "👎")
    assert "mint-kitami-2026" in message["text"]
    assert message["text"].endswith("\n\n出典: HAKKA HOUSE 滞在ガイド › Wi-Fi")
    assert fake_api.calls(PUSH) == [] and fake_api.calls(LOADING) == []


def test_an_english_question_gets_english_source_and_chips(chat_bot: RunningApp, fake_api: FakeLineAPI) -> None:
    chat_bot.deliver(group_mention("What is the wifi password?"))
    [message] = only_reply(fake_api)["messages"]
    assert "mint-kitami-2026" in message["text"]
    assert message["text"].endswith("\n\nSource: HAKKA HOUSE guest guide › Wi-Fi")
    labels = [i["action"]["label"] for i in message["quickReply"]["items"]]
    assert labels == ["👍", "👎", "Garbage", "Bus", "Wi-Fi", "Contacts"]  # rating first, then English topics


def test_people_talking_among_themselves_in_a_group_are_not_interrupted(
        chat_bot: RunningApp, fake_api: FakeLineAPI) -> None:
    chat_bot.deliver(group_text("Wi-Fiのパスワードって何だっけ？"), group_text("明日は何時に出る？"))
    assert messages_sent(fake_api) == []


def test_a_mention_of_someone_else_does_not_trigger_the_bot(chat_bot: RunningApp, fake_api: FakeLineAPI) -> None:
    event = java_fixture("text-mention")  # LINE's sample: @Brown and @all, neither is the bot
    event["source"] = {"type": "group", "groupId": GROUP, "userId": USER}
    chat_bot.deliver(adapt(event))
    assert messages_sent(fake_api) == []


def test_a_question_starting_with_a_question_mark_is_answered_in_a_group(
        chat_bot: RunningApp, fake_api: FakeLineAPI) -> None:
    chat_bot.deliver(group_text("？Wi-Fiのパスワードは？"), group_text("? wifi password"))
    texts_sent = [b["messages"][0]["text"] for b in fake_api.bodies(REPLY)]
    assert len(texts_sent) == 2 and all("mint-kitami-2026" in t for t in texts_sent)


def test_a_question_starting_with_the_bots_name_is_answered_in_a_group(
        chat_bot: RunningApp, fake_api: FakeLineAPI) -> None:
    chat_bot.deliver(group_text(f"{BOT_NAME}、Wi-Fiのパスワードは？"))
    assert "mint-kitami-2026" in only_reply(fake_api)["messages"][0]["text"]


def test_every_text_in_a_one_to_one_chat_is_answered(chat_bot: RunningApp, fake_api: FakeLineAPI) -> None:
    chat_bot.deliver(direct_text("Wi-Fiのパスワードは？"))
    assert "mint-kitami-2026" in only_reply(fake_api)["messages"][0]["text"]
    assert fake_api.bodies(LOADING) == [{"chatId": USER, "loadingSeconds": 20}]


def test_a_bare_mention_gets_the_how_to_ask_help_in_both_languages(chat_bot: RunningApp, fake_api: FakeLineAPI) -> None:
    chat_bot.deliver(group_mention(""))
    assert only_reply(fake_api)["messages"] == [
        {"type": "text", "text": texts.say_both("help"), "quickReply": CHIPS_JA}
    ]


def test_a_sticker_in_a_one_to_one_chat_gets_a_polite_reply(chat_bot: RunningApp, fake_api: FakeLineAPI) -> None:
    event = adapt(java_fixture("sticker"))
    chat_bot.deliver(event)
    assert only_reply(fake_api) == {
        "replyToken": event["replyToken"],
        "messages": [{"type": "text", "quickReply": CHIPS_JA,
                      "text": "すみません、文字のメッセージにだけお答えできます。質問を文字で送ってください。\n\n"
                              "Sorry, I can only read text messages. Please type your question."}],
        "notificationDisabled": False,
    }


def test_images_locations_and_files_in_a_one_to_one_chat_get_the_same_polite_reply(
        chat_bot: RunningApp, fake_api: FakeLineAPI) -> None:
    events = [adapt(java_fixture(name)) for name in ("image", "location", "file")]
    chat_bot.deliver(*events)
    assert len(fake_api.calls(REPLY)) == 3
    assert {b["messages"][0]["text"] for b in fake_api.bodies(REPLY)} == {texts.say_both("non_text")}


def test_stickers_and_images_in_a_group_are_ignored(chat_bot: RunningApp, fake_api: FakeLineAPI) -> None:
    chat_bot.deliver(adapt(in_group(java_fixture("sticker"))), adapt(in_group(java_fixture("image"))))
    assert messages_sent(fake_api) == []


def test_joining_a_group_posts_a_welcome_in_japanese_and_english(chat_bot: RunningApp, fake_api: FakeLineAPI) -> None:
    event = adapt(java_fixture("join"))
    chat_bot.deliver(event)
    reply = only_reply(fake_api)
    assert reply == {
        "replyToken": event["replyToken"],
        "messages": [{"type": "text", "text": texts.say_both("welcome"), "quickReply": CHIPS_JA}],
        "notificationDisabled": False,
    }
    text = reply["messages"][0]["text"]
    assert "メンション" in text and "mention me" in text and "？" in text


def test_a_new_member_gets_a_short_greeting(chat_bot: RunningApp, fake_api: FakeLineAPI) -> None:
    event = adapt(java_fixture("member_joined"))
    chat_bot.deliver(event)
    assert only_reply(fake_api) == {
        "replyToken": event["replyToken"],
        "messages": [{"type": "text", "text": "ようこそ！質問は私をメンションするか「？」で始めてください。\n\n"
                                              "Welcome! To ask me something, mention me or start with \"?\"."}],
        "notificationDisabled": False,
    }


def test_a_tapped_chip_posts_back_and_is_answered_in_the_chips_language(
        chat_bot: RunningApp, fake_api: FakeLineAPI) -> None:
    event = java_fixture("postback")
    event["source"] = {"type": "group", "groupId": GROUP, "userId": USER}
    event["postback"] = {"data": "topic=wifi&lang=en", "params": {}}
    chat_bot.deliver(adapt(event))
    [message] = only_reply(fake_api)["messages"]
    assert "mint-kitami-2026" in message["text"] and "Source:" in message["text"]


def test_a_postback_that_is_not_ours_is_ignored(chat_bot: RunningApp, fake_api: FakeLineAPI) -> None:
    chat_bot.deliver(adapt(java_fixture("postback")))  # data=action=buyItem&itemId=123123&color=red
    assert messages_sent(fake_api) == []


def test_a_5000_character_message_gets_a_polite_reply_not_an_error(
        chat_bot: RunningApp, fake_api: FakeLineAPI) -> None:
    status, _ = chat_bot.deliver(group_mention("あ" * 4980), direct_text("x" * 5000))
    assert status == 200
    bodies = fake_api.bodies(REPLY)
    assert len(bodies) == 2
    for body in bodies:
        [message] = body["messages"]
        assert "長すぎます" in message["text"] or "too long" in message["text"]


def test_an_unanswerable_question_is_answered_with_the_contact_and_no_source_line(
        chat_bot: RunningApp, fake_api: FakeLineAPI) -> None:
    chat_bot.deliver(group_mention("What is the meaning of life?"))
    [message] = only_reply(fake_api)["messages"]
    assert "0157-00-1234" in message["text"]
    assert "Source:" not in message["text"]


def test_the_whole_python_sdk_sample_payload_is_acknowledged_and_answered_where_due(
        chat_bot: RunningApp, fake_api: FakeLineAPI) -> None:
    data = json.loads((PAYLOADS / "python-sdk" / "webhook_v3.json").read_text())
    events = [adapt(e) for e in data["events"]]  # unique ids, so none is deduped
    status, _ = chat_bot.deliver(*events)
    assert status == 200
    assert fake_api.calls(REPLY), "the 1:1 texts and follow should have been answered"
    assert all(r.path != PUSH for r in fake_api.requests)


def test_the_garbage_chip_answers_with_the_weeks_calendar_as_a_flex_message(
        chat_bot: RunningApp, fake_api: FakeLineAPI) -> None:
    event = java_fixture("postback")
    event["source"] = {"type": "group", "groupId": GROUP, "userId": USER}
    event["postback"] = {"data": "topic=garbage&lang=ja", "params": {}}
    chat_bot.deliver(adapt(event))
    text, flex = only_reply(fake_api)["messages"]
    assert text["type"] == "text" and "quickReply" not in text
    assert "燃やせるごみ" in text["text"] and "\n\n出典: ごみ収集カレンダー" in text["text"]
    assert flex["type"] == "flex" and flex["quickReply"] == CHIPS_JA
    assert flex["contents"]["header"]["contents"][0]["text"] == "今週のごみ出し"
    rows = [c for c in flex["contents"]["body"]["contents"] if c["type"] == "box"]
    assert len(rows) == 7
    assert flex["altText"].startswith("今週のごみ出し\n") and len(flex["altText"]) <= 400
