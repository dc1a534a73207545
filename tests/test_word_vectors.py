"""A word no page uses is seen when a page uses the word the encoder puts right beside it."""

from __future__ import annotations

from bot.engine.contract import Question
from ingest.retrieval.wordvectors import build_word_vectors, english_vocabulary
from tests.conftest import at


def test_the_vocabulary_is_the_indexs_english_words_of_three_letters_or_more():
    assert english_vocabulary({"pet": 0, "tv": 1, "ぺっと": 2, "2f": 3, "occup": 4}) == ["occup", "pet"]


def test_a_re_ingest_embeds_only_the_words_that_are_new(embeddings):
    asked: list[list[str]] = []

    def embed(words: list[str]) -> list[list[float]]:
        asked.append(words)
        return embeddings.embed_documents(words)

    first = build_word_vectors(["dog", "pet"], embed)
    again = build_word_vectors(["dog", "pet", "person"], embed, first)
    assert asked == [["dog", "pet"], ["person"]]
    assert (again.vectors[:2] == first.vectors).all() and again.words == ["dog", "pet", "person"]


def ask(engine, text: str):
    return engine.answer(Question(text, "fox-den", at("2026-07-10T18:00:00-06:00")))


def test_a_word_beside_the_pages_word_counts_as_seen(real_guide):
    # the guide says "Maximum occupancy"; "max" (0.79 from "maximum") counted as a word no
    # page uses, and "max how many ppl can stay" was declined as if the guide lacked it
    answer = ask(real_guide, "max how many ppl can stay")
    assert not answer.abstained and "8" in answer.text


def test_a_word_only_near_the_pages_words_stays_unseen(real_guide):
    # "tub" is 0.72 from "bathroom": the guide has no hot tub
    assert ask(real_guide, "is there a hot tub").abstained
