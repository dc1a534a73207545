"""Abstention across languages: a Chinese or Korean question's nouns against a Japanese page's.

A question in a language no page is written in shares no word with the pages, so the
lexical evidence is blank; its nouns are compared with the quoted section's by word
vectors (``cross_words``). A gym nobody mentions is declined in Chinese and Korean as it is
in Japanese; a barbecue the garden page allows is answered.
"""

from __future__ import annotations

import pytest

from bot.engine.contract import Question
from bot.engine.engine import _scope
from bot.retrieval.abstain import evidence
from bot.retrieval.evidence import names_answer_type
from tests.conftest import at
from text.segment import nouns, word_weights
from text.tokenize import tokenize

SUMMER = "2026-07-15T10:00:00+09:00"


def test_chinese_is_split_into_words_and_its_grammar_left_out():
    found = nouns("我朋友想知道附近有没有中餐馆", "zh")
    assert "中餐馆" in found and "朋友" in found
    assert not {"有", "我", "想"} & set(found)
    # a longer verb stays (jieba calls some nouns verbs) but weighs less than the noun
    w = word_weights(found, "zh")
    assert w["知道"] < w["中餐馆"]


def test_a_chinese_set_phrase_is_grammar_not_a_topic():
    # 怎么办 ("what to do") pulled 「煤油用完了怎么办？」 below the kerosene page it matches
    assert nouns("煤油用完了怎么办？", "zh") == ["煤油"]


def test_a_korean_noun_loses_its_particle():
    found = nouns("역 근처에 환전소가 있어요?", "ko")
    assert "환전소" in found and "근처" in found and "역" in found
    assert not any(w.endswith("가") or w.startswith("있") for w in found)


def test_a_latin_word_in_japanese_stays_whole():
    assert "Wi-Fi" in nouns("Wi-Fiのパスワードは冷蔵庫に貼ってあります", "ja")


def test_a_rare_chinese_word_weighs_more_than_a_common_one():
    w = word_weights(["热水器", "问题"], "zh")
    assert w["热水器"] > w["问题"]
    assert word_weights(["역", "근처"], "ko") == {"역": 1.0, "근처": 1.0}


@pytest.mark.parametrize("word", ["전화번호", "密码", "营业", "料金"])
def test_a_word_naming_the_kind_of_answer_is_left_to_the_type_evidence(word: str):
    assert names_answer_type(word)


@pytest.mark.parametrize("word", ["钥匙", "여우", "自転車"])
def test_a_topic_word_names_no_kind_of_answer(word: str):
    assert not names_answer_type(word)


def test_a_pronoun_is_no_topic():
    # 「どっかある？」: 「どっ」 was a topic word no page has
    assert tokenize("予備ってどっかある？") == ["予備"]


def test_a_word_is_matched_by_its_translation(eval_engine):
    r = eval_engine.retriever
    assert r.word_match({"钥匙": 1.0}, ["鍵", "玄関"]) > r.word_match({"钥匙": 1.0}, ["ごみ", "曜日"]) + 0.3
    assert r.word_match({}, ["鍵"]) == 0.0 and r.word_match({"钥匙": 1.0}, []) == 0.0


def _cross_words(engine, house: str, text: str, lang: str) -> float:
    q = Question(text, house, at(SUMMER))
    scope = _scope(q, engine.house(house), engine.knowledge)
    got = engine.retriever.retrieve(text, scope, lang)
    return evidence(engine.retriever, text, lang, got.hits, got.staff, scope).as_dict()["cross_words"]


@pytest.mark.parametrize("text, lang", [("院子里可以烤肉吗？", "zh"), ("정원에서 바베큐 해도 돼요?", "ko")])
def test_a_question_the_japanese_page_covers_is_answered(eval_engine, text: str, lang: str):
    assert _cross_words(eval_engine, "doto-house", text, lang) > 0
    answer = eval_engine.answer(Question(text, "doto-house", at(SUMMER)))
    assert not answer.abstained and answer.sources[0].heading == "庭でのバーベキュー"


@pytest.mark.parametrize("text, lang", [("附近有健身房吗？", "zh"), ("근처에 헬스장 있어요?", "ko")])
def test_a_gym_no_page_mentions_is_declined_in_chinese_and_korean(eval_engine, text: str, lang: str):
    assert _cross_words(eval_engine, "kitami-base", text, lang) < 0
    assert eval_engine.answer(Question(text, "kitami-base", at(SUMMER))).abstained


@pytest.mark.parametrize("text, heading", [("煤油用完了怎么办？", "暖房（FF式灯油ストーブ）"),
                                           ("등유가 떨어졌어요", "灯油の補給"), ("洗衣机在哪里？", "洗濯")])
def test_sample_house_questions_in_chinese_and_korean_are_answered(sample_engine, text: str, heading: str):
    answer = sample_engine.answer(Question(text, "hakka-house", at("2026-12-10T10:00:00+09:00")))
    assert not answer.abstained and answer.sources[0].heading == heading


@pytest.mark.parametrize("text", ["附近有健身房吗？", "근처에 수영장 있어요?"])
def test_a_gym_or_a_pool_the_sample_house_lacks_is_declined(sample_engine, text: str):
    # before this evidence both were answered (a supermarket list, the onsen page)
    assert sample_engine.answer(Question(text, "hakka-house", at("2026-12-10T10:00:00+09:00"))).abstained


def test_a_question_in_the_page_s_language_has_no_cross_language_evidence(eval_engine):
    assert _cross_words(eval_engine, "doto-house", "庭でバーベキューしてもいい？", "ja") == 0.0
