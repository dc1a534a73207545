"""Finding the dictionary row a stayer means, however they spell the item."""

from __future__ import annotations

from datetime import date
from functools import cache

import pytest

from bot.garbage.intent import analyze
from bot.garbage.matcher import MatchScores, SortingMatcher, head_noun, stem
from ingest.garbage.dictionary import load_sorting
from tests.conftest import EVAL_CORPUS, REALDATA, SAMPLE_KNOWLEDGE
from text.normalize import spelled

TODAY = date(2026, 12, 3)


@cache
def matcher(path: str) -> SortingMatcher:
    sorting, _ = load_sorting(EVAL_CORPUS.parent.parent / path if path.startswith("eval") else
                                     REALDATA / path if not path.startswith("knowledge") else
                                     SAMPLE_KNOWLEDGE.parent / path, path)
    assert sorting is not None
    return SortingMatcher(sorting)


SAMPLE = "knowledge/areas/kitami/sorting.csv"
EVAL = "eval/corpus/areas/kitami/sorting.csv"
KANAZAWA = "5374-kanazawa/target.csv"
TSU = "garbage-sorting-dict-tsu-mie/original_2024-04-19.csv"


def items(path: str, question: str) -> list[str]:
    signals = analyze(question, TODAY)
    return [m.entry.item for m in matcher(path).match(signals.item_text, signals.item_phrase, signals.words,
                                                      signals.spelling)]


@pytest.mark.parametrize("question,item", [
    ("スプレー缶は何ごみ？", "スプレー缶"),
    ("すぷれーかんの捨て方", "スプレー缶"),
    ("ｽﾌﾟﾚｰ缶どうする", "スプレー缶"),
    ("かんでんちどうすてる", "乾電池"),
    ("割り箸は何ゴミ？", "割りばし・つまようじ"),
    ("ペットボトルのふた", "ペットボトルのキャップ"),
    ("ぺっとぼとる", "ペットボトル"),
    ("ペットボルトの捨て方", "ペットボトル"),
    ("スマホ捨てたい", "スマートフォン・携帯電話"),
    ("ダンボールは？", "段ボール"),
    ("傘はどう捨てる？", "傘"),
    ("使い終わったてんぷら油", "食用油（使い終わったもの）"),
])
def test_japanese_spellings_find_the_item(question, item):
    assert items(SAMPLE, question)[0] == item


@pytest.mark.parametrize("question,item", [
    ("How do I throw away a spray can?", "スプレー缶"),
    ("where do old futons go?", "布団"),
    ("can I throw away a kettle?", "鍋・フライパン・やかん"),
    ("how to dispose of used cooking oil", "食用油（使い終わったもの）"),
    ("styrofom", "発泡スチロール"),
    ("Which bin for egg cartons?", "卵パック"),
])
def test_english_names_and_typos_find_the_item(question, item):
    assert items(SAMPLE, question)[0] == item


@pytest.mark.parametrize("question,item", [
    ("페트병 뚜껑은 어떻게 버려요?", "ペットボトルのキャップ"),
    ("건전지 어떻게 버려요?", "乾電池"),
    ("塑料瓶怎么扔？", "ペットボトル"),
    ("电池怎么扔？", "乾電池"),
])
def test_korean_and_chinese_item_words_find_the_item(question, item):
    assert item in items(SAMPLE, question)


def test_a_partial_name_returns_every_variant():
    assert set(items(SAMPLE, "電池は何ごみ？")) == {"乾電池", "充電式電池・モバイルバッテリー", "ボタン電池"}


def test_rows_sharing_a_name_are_all_returned():
    assert items(EVAL, "ピザの箱は何ごみ？") == ["ピザの箱（汚れたもの）", "ピザの箱（汚れていないもの）"]


def test_the_qualifier_picks_the_right_variant():
    assert items(EVAL, "汚れたピザの箱") == ["ピザの箱（汚れたもの）"]


def test_the_longest_explanation_wins_over_a_short_exact_name():
    assert items(EVAL, "空になった灯油のポリタンクは捨てられますか？") == ["灯油ポリタンク（空のもの）"]


def test_a_short_kana_name_inside_a_longer_word_is_not_a_match():
    assert "いす（木製）" not in items(TSU, "アイスの棒")


def test_an_unknown_item_matches_nothing():
    assert items(SAMPLE, "ソファはどうやって捨てる？") == []


def test_japanese_only_dictionaries_answer_english_through_the_lexicon():
    assert items(KANAZAWA, "How do I throw away batteries?")[0] == "乾電池(水銀)"


def test_kana_readings_bridge_kanji_names_in_real_dictionaries():
    assert items(KANAZAWA, "かさ") == ["傘"]
    assert items(TSU, "ふとん捨てたい") == ["布団"]


def test_the_tsu_2015_english_column_is_searchable():
    assert items("garbage-sorting-dict-tsu-mie/tsu_gomi_2015.ja.utf8.csv", "ice cream spoon")[0].startswith(
        "アイスクリームのスプーン")


def test_an_item_named_only_as_the_modifier_of_another_noun_is_flagged_as_a_modifier():
    """"テレビの台" is the TV stand and "冷蔵庫の中の食べ物" the food: neither is the TV or the fridge."""
    for question in ("テレビの台は何ごみ？", "冷蔵庫の中の食べ物、捨てられちゃう？"):
        signals = analyze(question, TODAY)
        found = matcher(EVAL).match(signals.item_text, signals.item_phrase, signals.words)
        assert found and all(m.modifier for m in found), question


def test_an_attribute_of_the_item_keeps_the_item():
    assert items(EVAL, "スプレー缶の中身が残ってるけどどう捨てる？") == ["スプレー缶"]
    assert items(EVAL, "ペットボトルのラベルは？") == ["ペットボトルのラベル"]


def test_a_predicate_glued_to_the_item_does_not_hide_the_item():
    assert items(EVAL, "電池切れちゃったんだけど、どうやって捨てる？")[0] == "乾電池"


def test_the_everyday_word_for_a_fluorescent_tube_finds_it():
    assert items(EVAL, "蛍光灯は何ごみ？") == ["蛍光管"]


def test_coverage_tells_an_item_message_from_a_mention():
    m = matcher(SAMPLE)
    for question, expected in [("でんち", True), ("ペットボトルのふた", True), ("オーナーさんの携帯番号", False)]:
        signals = analyze(question, TODAY)
        found = m.match(signals.item_text, signals.item_phrase, signals.words)
        assert m.covers(found[0], signals.item_phrase, signals.words) is expected, question


@pytest.mark.parametrize("word,expected", [("batteries", "battery"), ("boxes", "box"), ("cans", "can"),
                                           ("glass", "glass")])
def test_english_words_are_compared_without_plurals(word, expected):
    assert stem(word) == expected


def test_the_matchers_scores_are_injectable() -> None:
    """A town can tune the matcher without code: e.g. list at most one variant."""
    sorting, _ = load_sorting(SAMPLE_KNOWLEDGE.parent / SAMPLE, SAMPLE)
    assert sorting is not None
    signals = analyze("電池は何ごみ？", TODAY)
    one = SortingMatcher(sorting, MatchScores(max_rows=1))
    assert len(one.match(signals.item_text, signals.item_phrase, signals.words)) == 1


def test_the_head_noun_is_looked_up_when_the_rest_only_modifies_it():
    """"リモコンの電池": the remote says whose batteries; the batteries are thrown away."""
    assert "乾電池" in items(EVAL, "リモコンの電池は何ごみ？")
    assert "乾電池" in items(SAMPLE, "リモコンの電池は何ごみ？")


def test_a_possessor_in_english_does_not_hide_the_head_noun():
    assert "乾電池" in items(EVAL, "what bin do the remote's batteries go in?")
    assert "乾電池" in items(EVAL, "how do I throw away batteries of the remote?")


def test_the_head_of_a_japanese_noun_phrase_is_its_last_noun():
    assert head_noun("りもこんの電池", spelled("リモコンの電池")) == "電池"
    assert head_noun("冷蔵庫の中の食べ物") == "食べ物"
    assert head_noun("電池") == ""  # the phrase is its own head
    assert head_noun("てれびの台", spelled("テレビの台")) == ""  # one character is too little to look up


def test_a_katakana_noun_after_no_is_read_as_the_stayer_wrote_it():
    """"テレビのリモコン" is the remote: read from folded "りもこん", SudachiPy saw no noun there."""
    signals = analyze("テレビのリモコンは何ごみ？", TODAY)
    found = matcher(EVAL).match(signals.item_text, signals.item_phrase, signals.words, signals.spelling)
    assert found and all(m.modifier for m in found)


def test_a_chinese_item_word_is_found_by_its_japanese_kanji_without_a_lexicon_entry():
    # 铁锅 (iron pot) is in no word list: as Japanese characters it is 鉄鍋, and 鍋 is a row
    assert items(TSU, "铁锅怎么扔？")[0].startswith("鍋")


def test_a_loanword_cut_short_finds_the_name_written_out():
    # "アイス" is how people say アイスクリーム; the Tsu dictionary writes it out
    assert items("garbage-sorting-dict-tsu-mie/tsu_gomi_2015.ja.utf8.csv", "アイスの棒って何ごみ？") == [
        "アイスクリームの棒（木製）"]


def test_a_cut_word_is_completed_only_to_two_more_kana_and_never_from_a_particle():
    from bot.garbage.matcher import completed_abbreviation
    assert completed_abbreviation("あいすの棒", "あいすくりーむの棒") == "あいすくりーむの棒"
    assert completed_abbreviation("すぷれー", "すぷれー缶") == ""  # not a cut word: a different name
    assert completed_abbreviation("かみの袋", "かみのふくろ") == ""
