"""What the speaker says: short, SSML-safe, natural times, phone numbers digit by digit,
within Alexa's limits; and the question text each intent becomes."""

from __future__ import annotations

import json
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.engine.contract import Answer, Source
from skills.alexa import questions, speech
from skills.alexa.houses import HouseResolver

JST = ZoneInfo("Asia/Tokyo")
NOW = datetime(2026, 12, 3, 7, 0, tzinfo=JST)  # a Thursday


def answer(
    text: str,
    lang: str = "ja",
    *,
    intent: str = "retrieval",
    speech: str = "",
    sources: list[Source] | None = None,
) -> Answer:
    return Answer(
        text=text, lang=lang, intent=intent, confidence=0.9, speech=speech, sources=sources or []
    )


def test_the_engines_spoken_form_is_used_when_it_wrote_one() -> None:
    out = speech.render(answer("長い本文。二文目。三文目。", speech="短く言います。"), "ja")
    assert out.ssml == "短く言います。"


def test_a_long_written_answer_is_cut_to_two_sentences() -> None:
    out = speech.render(answer("一文目です。二文目です。三文目です。"), "ja")
    assert out.ssml == "一文目です。二文目です。"


def test_an_english_answer_is_cut_to_two_sentences() -> None:
    out = speech.render(answer("First one. Second one. Third one.", "en"), "en")
    assert out.ssml == "First one. Second one."


def test_bullets_and_links_are_not_read_aloud() -> None:
    text = "・指定袋を使います\n- 詳しくは https://example.jp/gomi を見てください"
    assert speech.shorten(text, "ja") == "指定袋を使います。詳しくは を見てください。"


def test_a_very_long_first_sentence_is_said_alone() -> None:
    first = "あ" * 300 + "。"
    assert speech.shorten(first + "次の文。", "ja") == first


def test_special_characters_are_escaped_for_ssml() -> None:
    out = speech.to_ssml('Tom & Jerry\'s <b> "x"', "en")
    assert out == "Tom &amp; Jerry&apos;s &lt;b&gt; &quot;x&quot;"


def test_times_are_read_naturally_in_japanese() -> None:
    assert (
        speech.to_ssml("朝8:30までに。夜は18:00から。深夜24:10発。", "ja")
        == "朝8時30分までに。夜は18時から。深夜24時10分発。"
    )


def test_full_width_times_are_read_too() -> None:
    assert speech.to_ssml("８：３０までに出してください。", "ja") == "8時30分までに出してください。"


def test_times_are_read_with_am_and_pm_in_english() -> None:
    assert speech.to_ssml("Put it out by 8:30. Buses at 12:00, 17:05 and 24:10.", "en") == (
        "Put it out by 8:30 AM. Buses at 12 PM, 5:05 PM and 12:10 AM."
    )


def test_a_time_that_already_says_am_or_pm_is_read_once() -> None:
    # a real guide's "Check-in: 4:00–8:00 PM" was read "4 AM–8 AM PM"
    assert speech.to_ssml("Check-in: 4:00–8:00 PM. Check-out: by 10:00 AM, or 9:30 a.m.", "en") == (
        "Check-in: 4–8 PM. Check-out: by 10 AM, or 9:30 AM."
    )


def test_phone_numbers_are_read_digit_by_digit() -> None:
    out = speech.to_ssml("管理人（0157-33-4821）か 0120-123-456 へ。", "ja")
    assert '<say-as interpret-as="telephone">0157-33-4821</say-as>' in out
    assert '<say-as interpret-as="telephone">0120-123-456</say-as>' in out


def test_dates_and_prices_are_not_mistaken_for_phone_numbers() -> None:
    out = speech.to_ssml("2026-12-04 は 1,100円です。", "ja")
    assert "say-as" not in out


def test_japanese_asides_are_dropped_from_english_speech_but_kept_on_the_card() -> None:
    a = answer("The bus leaves Kitami Station (北見駅前) at 9:10.", "en")
    out = speech.render(a, "en")
    assert out.ssml == "The bus leaves Kitami Station at 9:10 AM."
    assert "北見駅前" in out.card_text


def test_the_card_carries_the_full_answer_and_its_source() -> None:
    a = answer(
        "一文目。二文目。三文目。",
        sources=[Source("houses/x/manual.ja.md", "暖房", 0.9, "X 滞在ガイド › 暖房")],
    )
    out = speech.render(a, "ja")
    assert out.card_text == "一文目。二文目。三文目。\n\n出典: X 滞在ガイド › 暖房"


def test_a_source_without_label_is_cited_by_path_and_heading() -> None:
    a = answer("Text.", "en", sources=[Source("houses/x/manual.en.md", "Heating")])
    assert speech.render(a, "en").card_text.endswith("Source: houses/x/manual.en.md › Heating")


def test_card_titles_follow_the_answers_intent() -> None:
    assert speech.render(answer("x", intent="briefing"), "ja").card_title == "おはようございます"
    assert (
        speech.render(answer("x", "en", intent="something-new"), "en").card_title
        == "Stay Concierge"
    )


def test_speech_never_exceeds_eight_thousand_characters() -> None:
    huge = "とても長い文です" * 2000 + "。"
    out = speech.render(answer("x", speech=huge), "ja")
    assert len("<speak>" + out.ssml + "</speak>") <= speech.MAX_SPEECH_CHARS
    assert out.ssml.endswith("…")


def test_a_huge_answer_still_fits_the_24_kb_response_limit() -> None:
    text = "\n".join(f"・項目{i}の説明です。電話は0157-00-{i:04d}です。" for i in range(3000))
    out = speech.render(answer(text), "ja")
    size = len(json.dumps({"ssml": out.ssml, "title": out.card_title, "content": out.card_text}))
    assert size <= speech.MAX_RESPONSE_BYTES - speech.ENVELOPE_BYTES + 100
    assert len(out.card_title) + len(out.card_text) <= speech.MAX_CARD_CHARS


def test_a_garbage_date_becomes_the_question_a_stayer_would_type() -> None:
    assert questions.garbage_question("2026-12-25", NOW, "ja") == "12月25日のごみは？"
    assert (
        questions.garbage_question("2026-12-25", NOW, "en")
        == "What garbage goes out on December 25?"
    )


def test_today_and_tomorrow_are_asked_as_such() -> None:
    assert questions.garbage_question("2026-12-04", NOW, "ja") == "明日のごみは？"
    assert questions.garbage_question("2026-12-03", NOW, "en") == "What garbage goes out today?"


def test_a_date_without_year_is_the_next_such_day() -> None:
    assert questions.garbage_question("XXXX-01-05", NOW, "ja") == "1月5日のごみは？"


def test_weeks_and_weekends_are_asked_relative_to_now() -> None:
    assert questions.garbage_question("2026-W49", NOW, "ja") == "今週のごみは？"
    assert (
        questions.garbage_question("2026-W50-WE", NOW, "en")
        == "What garbage goes out next weekend?"
    )


def test_no_date_asks_for_the_garbage_days() -> None:
    assert questions.garbage_question(None, NOW, "ja") == "ごみの日はいつ？"


def test_an_unresolved_date_is_passed_through_as_said() -> None:
    assert questions.garbage_question("金曜日", NOW, "ja") == "金曜日のごみは？"
    assert questions.garbage_question("friday", NOW, "en") == "What garbage goes out on friday?"


def test_sorting_and_bus_intents_become_plain_questions() -> None:
    assert questions.sorting_question("ペットボトル", "ja") == "ペットボトルは何ごみ？"
    assert questions.bus_question("空港", "ja") == "次の空港行きのバスは？"
    assert questions.bus_question(None, "en") == "When is the next bus?"


class _Houses:
    """The engine's house directory over the eval corpus, with a configured default."""

    def __init__(self, default: str | None) -> None:
        from bot.engine.houses import HouseDirectory
        from ingest.knowledge import load_knowledge
        from tests.conftest import EVAL_CORPUS

        self.houses = HouseDirectory(load_knowledge(EVAL_CORPUS)[0], default)


def test_a_mapped_device_gets_its_house_and_others_the_default() -> None:
    resolver = HouseResolver({"dev-1": "doto-house"}, _Houses("kitami-base"))  # type: ignore[arg-type]
    assert resolver.house_for("dev-1") == "doto-house"
    assert resolver.house_for("dev-2") == "kitami-base"
    assert resolver.house_for(None) == "kitami-base"


def test_without_a_configured_default_the_sites_default_house_is_used() -> None:
    assert HouseResolver({}, _Houses(None)).house_for("dev-9") == "doto-house"  # type: ignore[arg-type]


def test_noon_and_midnight_say_which_twelve_it_is():
    # "Until 12:00 noon" was read "12 PM noon"
    assert speech.to_ssml("Late check-out until 12:00 noon; quiet after 0:00 midnight.", "en") == (
        "Late check-out until 12 noon; quiet after 12 midnight.")


def test_japanese_speech_quoting_an_english_page_reads_its_times_on_the_24_hour_clock():
    # 「チェックアウトは何時？」 on an English guide was read "from 3時 PM", "by 10時 AM"
    assert speech.to_ssml("Check-in: from 3:00 PM. Check-out: by 10:00 AM, late until 12:00 noon.", "ja") == (
        "Check-in: from 15時. Check-out: by 10時, late until 12時.")
    assert speech.to_ssml("Check-in: 4:00–8:00 PM", "ja") == "Check-in: 16時–20時"
    assert speech.to_ssml("Check-in: 4:00–8:00 p.m.", "ja") == "Check-in: 16時–20時."  # was 4時–20時
