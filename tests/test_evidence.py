"""Abstention evidence: what a question asks for, and whether the chosen section holds it."""

from __future__ import annotations

import pytest

from bot.engine.contract import Question
from bot.engine.engine import _scope
from bot.retrieval.abstain import evidence
from bot.retrieval.evidence import asked_types, asks_value, held_types
from bot.retrieval.search import quoted_hit
from tests.conftest import at
from text.detect import detect_lang


@pytest.mark.parametrize("question", ["タバコ吸っていい？", "ペット連れてきても大丈夫？", "can i bring my dog",
                                      "可以抽烟吗？"])
def test_asking_may_i_asks_for_a_rule(question: str) -> None:
    assert "permission" in asked_types(question)


def test_asking_what_to_do_is_not_asking_permission() -> None:
    assert "permission" not in asked_types("灯油が少なくなってきたらどうすればいいですか？")


@pytest.mark.parametrize("question", ["checkout time?", "チェックアウトの時間は？", "退房时间", "체크아웃 시간"])
def test_naming_a_time_asks_for_one(question: str) -> None:
    assert "time" in asked_types(question)


@pytest.mark.parametrize("question,value", [("what's the wifi name?", True), ("Wi-Fiのパスワードは？", True),
                                            ("Wi-Fiがつながらない", False), ("can I smoke?", False)])
def test_a_value_is_asked_for_by_any_answer_type_but_a_rule(question: str, value: bool) -> None:
    assert asks_value(question) is value


@pytest.mark.parametrize("passage", ["ペットは連れて来られません。", "ミニトマトは自由に収穫して食べてかまいません。",
                                     "家の中は全面禁煙です。", "No pets."])
def test_a_rule_in_japanese_or_english_holds_the_answer_to_may_i(passage: str) -> None:
    assert "permission" in held_types(passage)


def test_a_long_section_is_judged_whole_not_by_its_best_chunk(real_guide):
    # kitchen.md's "Pickup schedule" is long; its chunk nearest "when is trash day" is the
    # missed-pickup part, without "7:00 AM every Friday" that the section does give.
    text = "when is trash day"
    q = Question(text, "fox-den", at("2026-07-10T18:00:00-06:00"))
    scope = _scope(q, real_guide.house("fox-den"), real_guide.knowledge)
    r = real_guide.retriever
    got = r.retrieve(text, scope, detect_lang(text))
    best = got.hits[0]
    assert best.meta["heading"] == "Pickup schedule" and "7:00 AM" not in best.record.text
    ev = evidence(r, text, "en", got.hits, got.staff, scope).as_dict()
    assert ev["type_missing"] == 0.0 and ev["type_share"] == 1.0
    # and its words are the whole section's (coverage, key words, the staff rule)
    assert "friday" in best.tokens and "friday" not in best.record.tokens


def test_words_are_judged_on_the_section_the_answer_quotes(eval_engine):
    # The Japanese レンタカー section is closest, but the answer quotes its English
    # translation: coverage and key words are those of the English text ("car seat" is
    # not in it), not "another language, no evidence either way".
    text = "traveling with my 2yo - can i borrow a child car seat for the rental car?"
    q = Question(text, "kitami-base", at("2026-05-06T10:00:00+09:00"))
    scope = _scope(q, eval_engine.house("kitami-base"), eval_engine.knowledge)
    r = eval_engine.retriever
    got = r.retrieve(text, scope, "en")
    quoted = quoted_hit(got.hits, "en")
    assert got.hits[0].meta["lang"] == "ja" and quoted.meta["heading"] == "Rental cars"
    ev = evidence(r, text, "en", got.hits, got.staff, scope).as_dict()
    assert ev["cross_lang"] == 0.0 and ev["lexical"] == quoted.lexical > 0
    assert 0 < ev["coverage"] < 1 and ev["entity"] == 0.0
    assert eval_engine.answer(q).abstained


def test_an_english_question_is_covered_by_a_japanese_page_s_katakana_loanwords(eval_engine):
    # KITAMI BASE's manual is Japanese only; "key locker" is its キーロッカー. Coverage was
    # 0 for every question in another language than the page, and this one was declined.
    q = Question("where is the key locker", "kitami-base", at("2026-07-15T19:00:00+09:00"))
    scope = _scope(q, eval_engine.house("kitami-base"), eval_engine.knowledge)
    r = eval_engine.retriever
    got = r.retrieve(q.text, scope, "en")
    assert got.hits[0].meta["heading"] == "チェックイン"
    ev = evidence(r, q.text, "en", got.hits, got.staff, scope).as_dict()
    assert ev["cross_lang"] == 1.0 and ev["coverage"] > 0.5
    answer = eval_engine.answer(q)
    assert not answer.abstained and "キーロッカー" in answer.text


def test_a_how_to_question_prefers_the_section_that_says_how(eval_engine):
    # 喫煙・火気's "do not use stoves you bring" was closer to 「ストーブの使い方」 than the
    # heating section's "使い方：「運転」ボタンを押して…"
    from bot.retrieval.evidence import asks_how, holds_how

    assert asks_how("ストーブの使い方") and asks_how("how do I drain the pipes") and not asks_how("wifi?")
    assert holds_how("- 使い方：本体の「運転」ボタンを押します。") and holds_how("1. Close all taps.")
    assert not holds_how("持ち込んだ石油ストーブは使わないでください。")
    hits = eval_engine.search(Question("ストーブの使い方", "doto-house", at("2027-01-15T07:30:00+09:00")))
    assert hits[0].meta["heading"] == "暖房（FF式灯油ストーブ）"
