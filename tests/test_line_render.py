"""Answer -> LINE messages: LINE's limits, the source line, chips and the week's Flex."""

from __future__ import annotations

from typing import Any

from bot.engine.contract import Answer, Source
from bot.line.render import (
    MAX_MESSAGES,
    MAX_TEXT,
    answer_messages,
    garbage_week_flex,
    quick_reply,
    split_text,
    utf16_len,
)
from text.detect import LANGS


def dump(messages: list[Any]) -> list[dict[str, Any]]:
    return [m.to_dict() for m in messages]


def answer(text: str, **kw: Any) -> Answer:
    kw.setdefault("lang", "ja")
    return Answer(text=text, intent="test", confidence=1.0, **kw)


def test_a_long_answer_is_split_into_texts_of_at_most_5000_characters_at_line_breaks() -> None:
    paragraph = "ごみは朝8時30分までに出してください。" * 20
    text = "\n\n".join([paragraph] * 40)  # about 16,000 characters
    messages = dump(answer_messages(answer(text), chips=False))
    assert 1 < len(messages) <= MAX_MESSAGES
    assert all(utf16_len(m["text"]) <= MAX_TEXT for m in messages)
    assert all(m["text"].endswith("。") for m in messages)
    assert "".join(m["text"] for m in messages).replace("\n", "") == text.replace("\n", "")


def test_emoji_count_twice_towards_the_limit_as_line_counts_utf16() -> None:
    parts = split_text("🍎" * 3000)
    assert [utf16_len(p) for p in parts] == [5000, 1000]
    assert "".join(parts) == "🍎" * 3000


def test_an_answer_longer_than_five_messages_is_cut_and_says_so() -> None:
    messages = dump(answer_messages(answer("x" * 30_000), chips=False))
    assert len(messages) == MAX_MESSAGES
    assert messages[-1]["text"].endswith("…")
    assert all(utf16_len(m["text"]) <= MAX_TEXT for m in messages)


def test_the_source_line_names_at_most_two_distinct_labels() -> None:
    sources = [Source("a.md", label="HAKKA HOUSE guest guide › Wi-Fi"),
               Source("a.md", label="HAKKA HOUSE guest guide › Wi-Fi"),
               Source("b.md", heading="Heating"),
               Source("c.md", label="Third")]
    [message] = dump(answer_messages(answer("Password: x", lang="en", sources=sources), chips=False))
    assert message["text"] == "Password: x\n\nSource: HAKKA HOUSE guest guide › Wi-Fi / Heating"


def test_an_abstention_has_no_source_line() -> None:
    [message] = dump(answer_messages(answer("わかりません", abstained=True, sources=[Source("a.md", label="A")])))
    assert message["text"] == "わかりません"


def test_chips_go_on_the_last_message_only() -> None:
    messages = dump(answer_messages(answer("あ" * 6000)))
    assert "quickReply" not in messages[0] and "quickReply" in messages[-1]


def test_chip_labels_fit_lines_20_character_limit_in_every_language() -> None:
    for lang in LANGS:
        items = quick_reply(lang).to_dict()["items"]
        assert len(items) == 4
        for item in items:
            action = item["action"]
            assert len(action["label"]) <= 20 and len(action["data"]) <= 300
            assert action["type"] == "postback" and action["data"].startswith("topic=")


WEEK = [
    {"date": "2026-11-23", "categories": [{"name": "燃やせるごみ", "en": "Burnable"}]},
    {"date": "2026-11-24", "categories": []},
    {"date": "2026-11-25", "categories": [{"name": "缶・びん", "en": "Cans, bottles"},
                                          {"name": "ペットボトル", "en": "PET bottles"}]},
]


def test_the_weeks_garbage_calendar_becomes_a_flex_message_after_the_text() -> None:
    messages = dump(answer_messages(answer("今週のごみ出しです。", data={"week": WEEK}), chips=False))
    assert [m["type"] for m in messages] == ["text", "flex"]
    flex = messages[1]
    assert flex["altText"] == (
        "今週のごみ出し\n11/23 (月) 燃やせるごみ\n11/24 (火) 収集なし\n11/25 (水) 缶・びん、ペットボトル")
    assert flex["contents"]["header"]["contents"][0]["text"] == "今週のごみ出し"
    rows = [c for c in flex["contents"]["body"]["contents"] if c["type"] == "box"]
    assert [[t["text"] for t in row["contents"]] for row in rows] == [
        ["11/23 (月)", "燃やせるごみ"], ["11/24 (火)", "収集なし"], ["11/25 (水)", "缶・びん、ペットボトル"]]


def test_the_flex_calendar_uses_english_category_names_for_english_answers() -> None:
    flex = garbage_week_flex(WEEK, "en")
    assert flex is not None
    assert flex.alt_text.splitlines() == ["Garbage this week", "11/23 (Mon) Burnable", "11/24 (Tue) No collection",
                                          "11/25 (Wed) Cans, bottles, PET bottles"]


def test_malformed_week_data_is_skipped_rather_than_failing_the_reply() -> None:
    bad = [{"date": "not a date"}, {"categories": []}, "junk", {"date": "2026-11-23", "categories": None}]
    messages = dump(answer_messages(answer("本文", data={"week": bad}), chips=False))
    assert [m["type"] for m in messages] == ["text", "flex"]
    assert messages[1]["altText"] == "今週のごみ出し\n11/23 (月) 収集なし"
    assert garbage_week_flex("nonsense", "ja") is None


def test_a_flex_plus_long_text_still_fits_in_five_messages() -> None:
    messages = dump(answer_messages(answer("y" * 40_000, data={"week": WEEK})))
    assert len(messages) == MAX_MESSAGES and messages[-1]["type"] == "flex"
    assert "quickReply" in messages[-1]
