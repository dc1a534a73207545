"""Optional generation through a langchain chat model (tested with langchain's fake model)."""

from __future__ import annotations

from langchain_core.language_models.fake_chat_models import FakeListChatModel

from bot.engine.contract import Question
from tests.conftest import at


def ask_with(engine, model, text, house="doto-house"):
    engine.generator = model
    try:
        return engine.answer(Question(text, house, at("2026-12-03T19:00")))
    finally:
        engine.generator = None


def test_the_model_answer_is_returned_with_the_sections_it_cited(eval_engine):
    model = FakeListChatModel(responses=["The password is hokkaido-doto-8151. [2]"])
    answer = ask_with(eval_engine, model, "What's the Wi-Fi password?")
    assert answer.text == "The password is hokkaido-doto-8151."
    assert answer.sources and "Wi-Fi" in answer.sources[0].heading and not answer.abstained


def test_unknown_from_the_model_becomes_an_abstention_with_the_contact(eval_engine):
    model = FakeListChatModel(responses=["UNKNOWN"])
    answer = ask_with(eval_engine, model, "What's the Wi-Fi password?")
    assert answer.abstained and "0157-33-4821" in answer.text


def test_the_model_is_not_asked_when_retrieval_is_not_confident(eval_engine):
    model = FakeListChatModel(responses=["There is a gym next door."])
    answer = ask_with(eval_engine, model, "近くにスポーツジムはありますか？")
    assert answer.abstained and "gym" not in answer.text


def test_the_prompt_is_grounded_in_numbered_sections():
    from bot.retrieval.generate import build_messages

    class Rec:
        text = "- Password: abc"
        meta = {"path": "p.md", "heading": "Wi-Fi", "title": "Guide"}

    class H:
        record, meta, score, text = Rec, Rec.meta, 0.5, Rec.text

    system, human = build_messages("wifi?", "en", [H()])
    assert "ONLY from the numbered sections" in system.content and "UNKNOWN" in system.content
    assert "[1] Guide › Wi-Fi\n・Password: abc" in human.content
