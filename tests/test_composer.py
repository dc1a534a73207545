"""The composer: the stayer's language, blanks the host left, lines that carry the answer."""

from __future__ import annotations

import pytest

from bot.config import Settings
from bot.engine.contract import Question
from bot.engine.engine import Engine
from tests.conftest import at
from tests.realguide import build


@pytest.fixture(scope="module")
def real_guide(tmp_path_factory, embeddings):
    root = build(tmp_path_factory.mktemp("realguide"))
    store = tmp_path_factory.mktemp("realguide-store")
    return Engine.open(Settings(knowledge=root, store=store).engine_config(), embeddings=embeddings)


def ask(engine, text: str, house: str = "fox-den"):
    return engine.answer(Question(text, house, at("2026-07-10T18:00:00-06:00")))


def test_a_japanese_question_on_an_english_only_page_says_so_in_japanese_first(real_guide):
    answer = ask(real_guide, "ゴミの日は何曜日？")
    assert answer.text.splitlines()[0] == "この内容は英語のページにしかありません："
    assert "Friday" in answer.text


def test_a_question_about_a_blank_the_host_left_says_so_and_gives_the_contact(real_guide):
    answer = ask(real_guide, "whats the wifi password")
    assert answer.abstained and "left blank" in answer.text and "303-555-0142" in answer.text
    assert "____" not in answer.text


def test_answers_carry_no_markup_or_template_residue(real_guide):
    for q in ("where can we park", "when is trash day", "where do the bins go on pickup day", "can i bring my dog??"):
        text = ask(real_guide, q).text
        for residue in ("](", "{ .cta", "---", "← Back", "PASTE_", "{{", "_URL"):
            assert residue not in text, (q, residue)


def test_an_english_question_on_a_japanese_only_page_gets_an_english_line_first(eval_engine):
    answer = eval_engine.answer(Question("is there a Buddhist altar room? can we offer flowers", "doto-house",
                                         at("2026-07-10T10:00:00")))
    if not answer.abstained and answer.sources[0].path.endswith(".ja.md"):
        assert answer.text.splitlines()[0] == "This is only written in Japanese:"



def test_a_where_question_is_answered_by_the_section_that_says_where(eval_engine):
    # "備品の破損・紛失" is as close to the question as the room layout, but only the layout
    # says where something is: the answer-type bonus breaks the tie (FusionConfig).
    question = Question("ふとん足りない、予備ってどっかある？", "doto-house", at("2026-10-17T22:15:00+09:00"))
    hits = eval_engine.search(question)
    assert hits[0].meta["heading"] == "間取りと定員"
