"""One message, several questions: each answered under its own question, or the whole kept."""

from __future__ import annotations

import pytest

from bot.engine.contract import Question
from bot.engine.questions import leans_on_before, split_questions
from tests.conftest import at


@pytest.mark.parametrize("message,parts", [
    ("what's the wifi password? also what time is checkout", ["what's the wifi password?", "what time is checkout"]),
    ("チェックアウトは何時？あとゴミはどこに出せばいい？", ["チェックアウトは何時？", "ゴミはどこに出せばいい？"]),
    ("체크아웃 몇 시예요? 그리고 와이파이 비밀번호는요?", ["체크아웃 몇 시예요?", "와이파이 비밀번호는요?"]),
])
def test_a_message_is_split_where_the_stayer_ended_a_question(message, parts):
    assert split_questions(message) == parts


@pytest.mark.parametrize("message", [
    "how do i use the heater??",  # one question, marked twice
    "where do i drop the card key when i check out? leaving early tmrw before the office opens",  # context
    "really?? where is the key",  # a reaction, then the question
    "Is there parking? Where?",  # an ellipsis
])
def test_a_message_asking_one_thing_stays_whole(message):
    assert split_questions(message) == [message]


def test_a_message_of_many_questions_is_answered_whole_rather_than_cut_short():
    message = "wifi password? where do i park? when is trash day? is there a gym?"
    assert split_questions(message) == [message]


def test_a_question_that_points_back_leans_on_the_one_before():
    assert leans_on_before("How much would it cost?") and leans_on_before("いつごろがいい？")
    assert not leans_on_before("is there a coffee grinder?") and not leans_on_before("ゴミはどこに出せばいい？")


def ask(engine, text: str):
    return engine.answer(Question(text, "fox-den", at("2026-07-10T18:00:00-06:00")))


def test_two_questions_about_different_things_get_both_answers_in_order(real_guide):
    answer = ask(real_guide, "where do the trash bins go? also is there a coffee grinder?")
    first, second = answer.text.split("\n\n▶ ")
    assert first.startswith("▶ where do the trash bins go?") and "kitchen sink" in first
    assert second.startswith("is there a coffee grinder?") and "grinder" in second
    headings = [s.heading for s in answer.sources]
    assert headings[0] == "Trash, recycling & compost" and "Grind & pour-over coffee" in headings


def test_a_follow_up_that_leans_on_the_first_question_is_answered_with_it(real_guide):
    # alone, "how much would it cost?" finds some price; the message asks one thing
    whole = ask(real_guide, "can i bring my dog? how much would it cost?")
    assert "▶" not in whole.text


def test_a_message_the_guide_does_not_answer_is_not_answered_from_one_part(eval_engine):
    # the dev set's d071: extending the stay is not in the guide, whatever "how much" finds
    q = Question("Can I extend my stay for three more nights? How much would it cost?", "kitami-base",
                 at("2026-10-22T09:00:00+09:00"))
    assert eval_engine.answer(q).abstained
