"""English words meet a Japanese guide's katakana loanwords ("check out" -> チェックアウト)."""

from __future__ import annotations

from datetime import datetime

from bot.engine.contract import Question
from text.loanwords import katakana, loanword_tokens
from text.tokenize import tokenize

GUIDE = set(tokenize("チェックアウトの日はカードキーを返却ポストへ。チェックインは16時から。ランドリーは1階です。"))


def test_an_english_word_is_written_as_its_katakana_loanword() -> None:
    assert katakana("checkout") == "チェックアウト" and katakana("laundry") == "ランドリー"


def test_two_words_the_guide_writes_as_one_loanword_win_over_their_parts() -> None:
    # "check" alone would be チェック, which meets チェックイン as much as チェックアウト
    assert loanword_tokens("when i check out, where does the card key go", GUIDE) == ["ちぇっくあうと", "かーどきー"]


def test_only_loanwords_the_guide_has_are_kept() -> None:
    assert loanword_tokens("is there a gym or a sauna", GUIDE) == []


def test_an_english_question_ranks_the_japanese_only_page_its_loanwords_name(eval_engine) -> None:
    # KITAMI BASE's manual is Japanese only; the encoder ranked チェックイン over チェックアウト
    q = Question("where do i drop the card key when i check out? leaving early tomorrow before the office opens",
                 "kitami-base", datetime.fromisoformat("2026-12-03T19:00:00+09:00"))
    assert eval_engine.search(q)[0].meta["heading"] == "チェックアウト"
