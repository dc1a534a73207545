"""Recognising garbage questions and the days they are about, the way stayers type them."""

from __future__ import annotations

from datetime import date

import pytest

from bot.garbage.intent import (
    DAY,
    GARBAGE_DAY,
    NONE,
    SORTING,
    WEEK,
    analyze,
    concepts_in,
    decide,
)

TODAY = date(2026, 12, 3)  # a Thursday


@pytest.mark.parametrize("text,days", [
    ("明日は何のごみ？", [date(2026, 12, 4)]),
    ("あしたのごみなに", [date(2026, 12, 4)]),
    ("あすのごみは", [date(2026, 12, 4)]),
    ("tomorow trash?", [date(2026, 12, 4)]),
    ("今日ゴミ出せる？", [date(2026, 12, 3)]),
    ("きょうごみだせる", [date(2026, 12, 3)]),
    ("明後日は？", [date(2026, 12, 5)]),
    ("What goes out on Friday?", [date(2026, 12, 4)]),
    ("next friday garbage?", [date(2026, 12, 4)]),
    ("木曜日は何ごみ", [date(2026, 12, 3)]),
    ("来週の月曜", [date(2026, 12, 7)]),
    ("1月2日は収集ある？", [date(2027, 1, 2)]),
    ("12/31 ごみ", [date(2026, 12, 31)]),
    ("大みそかは", [date(2026, 12, 31)]),
    ("元日はごみ出せる？", [date(2027, 1, 1)]),
    ("Is there collection on December 28?", [date(2026, 12, 28)]),
    ("28 Dec trash", [date(2026, 12, 28)]),
    ("15日は何ごみ", [date(2026, 12, 15)]),
    ("2日は何ごみ", [date(2027, 1, 2)]),
    ("3日後のごみ", [date(2026, 12, 6)]),
    ("明天扔什么垃圾？", [date(2026, 12, 4)]),
    ("星期五收什么垃圾", [date(2026, 12, 4)]),
    ("내일 무슨 쓰레기 버려요?", [date(2026, 12, 4)]),
    ("금요일 쓰레기", [date(2026, 12, 4)]),
])
def test_days_are_read_from_colloquial_text(text, days):
    when = analyze(text, TODAY).when
    assert when.kind == DAY and list(when.days) == days


def test_a_weekday_named_on_that_weekday_means_today_and_next_means_a_week_later():
    assert analyze("木曜は何ごみ", TODAY).when.days == (TODAY,)
    assert analyze("next thursday trash", TODAY).when.days == (date(2026, 12, 10),)


@pytest.mark.parametrize("text,first,last", [
    ("this week's garbage", date(2026, 12, 3), date(2026, 12, 9)),
    ("今週のごみ", date(2026, 12, 3), date(2026, 12, 9)),
    ("来週のごみは？", date(2026, 12, 7), date(2026, 12, 13)),
    ("週末はごみ出せる？", date(2026, 12, 5), date(2026, 12, 6)),
])
def test_week_phrases_give_a_range_of_days(text, first, last):
    when = analyze(text, TODAY).when
    assert when.kind == WEEK and (when.days[0], when.days[-1]) == (first, last)


def test_a_question_without_a_day_has_no_day():
    assert analyze("燃えないゴミっていつ？", TODAY).when.kind == NONE


@pytest.mark.parametrize("text,concepts", [
    ("燃えるごみ", {"burnable"}),
    ("もえないゴミ", {"nonburnable"}),
    ("non-burnable", {"nonburnable"}),
    ("ペットボトル", {"pet"}),
    ("cans", {"can"}),
    ("can I put it out?", set()),
    ("天ぷら油", set()),
    ("資源ごみ", {"resource"}),
    ("プラ", {"plastic"}),
])
def test_category_concepts_are_recognised_in_any_script(text, concepts):
    from text.normalize import fold

    assert concepts_in(fold(text)) == concepts


def test_english_typos_in_intent_words_are_corrected_but_real_words_are_not():
    assert analyze("wendesday garbge?", TODAY).when.days == (date(2026, 12, 9),)
    assert analyze("in the middle of the night", TODAY).when.kind == NONE


def test_the_item_phrase_keeps_the_item_and_drops_cues_and_particles():
    assert analyze("ピザの箱は何ごみ？", TODAY).item_phrase == "ぴざの箱"
    assert analyze("でんちはなにごみ", TODAY).item_phrase == "でんち"
    assert analyze("Which garbage do used diapers go in?", TODAY).item_phrase == "diapers"


@pytest.mark.parametrize("text,item,category,expected", [
    ("今日は何ごみの日？", False, False, GARBAGE_DAY),
    ("あしたのごみなに", False, False, GARBAGE_DAY),
    ("スプレー缶はどうやって捨てればいいですか？", True, True, SORTING),
    ("次のペットボトルの日はいつ？", True, True, GARBAGE_DAY),
    ("電子たばこは何ごみ？", False, False, SORTING),
    ("ゴミの分別について教えて", False, False, None),
    ("ゴミ箱はどこ？", False, False, None),
    ("明日の天気は？", False, False, None),
    ("I have a 7am flight tomorrow. How do I book a taxi?", True, False, None),
    ("What goes out on Friday?", False, False, GARBAGE_DAY),
    ("1月2日は収集ある？", False, False, GARBAGE_DAY),
    ("How do I put out the garbage?", False, False, None),
])
def test_the_intent_follows_cues_days_items_and_categories(text, item, category, expected):
    assert decide(analyze(text, TODAY), item, category) == expected


def test_a_one_word_item_message_is_sorting_only_when_the_item_is_the_whole_message():
    signals = analyze("電池", TODAY)
    assert decide(signals, True, False, item_is_message=True) == SORTING
    assert decide(analyze("オーナーさんの携帯番号を教えてください", TODAY), True, False) is None
