"""English words meet a Japanese guide's katakana loanwords ("check out" -> チェックアウト)."""

from __future__ import annotations

from datetime import datetime

from bot.engine.contract import Question
from text.loanwords import LoanwordBridge, english_words, katakana, loanword_tokens, transliterate
from text.tokenize import index_tokens, katakana_words, tokenize

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


# --------------------------------------------------------------------------- the other way


def test_an_english_guide_word_is_found_from_a_japanese_questions_katakana() -> None:
    bridge = LoanwordBridge(transliterate(english_words("Checkout time is 11 AM. Hot water takes a minute.")))
    assert bridge.english_tokens(index_tokens("チェックアウトの時間は？")) == ["checkout"]


def test_a_katakana_compound_is_split_into_the_guide_words_it_joins() -> None:
    # スモークディテクター is one token in the question; the guide writes "smoke detectors"
    bridge = LoanwordBridge(transliterate(english_words("Smoke detectors are in each bedroom.")))
    assert bridge.english_tokens(index_tokens("スモークディテクターが鳴った")) == ["smoke", "detector"]


def test_katakana_the_guide_never_writes_finds_nothing() -> None:
    bridge = LoanwordBridge(transliterate(english_words("Smoke detectors are in each bedroom.")))
    assert bridge.english_tokens(index_tokens("ジムはありますか")) == []


def test_ingest_keeps_each_english_words_katakana_as_index_tokens_and_reuses_them() -> None:
    known = {"checkout": "ちぇっくあうと"}  # the previous snapshot's: not transliterated again
    assert transliterate(["checkout", "laundry"], known) == {"checkout": "ちぇっくあうと", "laundry": "らんどりー"}


def test_a_japanese_question_ranks_the_english_page_its_katakana_names(real_guide) -> None:
    # the encoder ranked the check-in page over the checkout page for チェックアウト
    q = Question("チェックアウトのとき何をすればいい？", "fox-den", datetime.fromisoformat("2026-07-10T18:00:00-06:00"))
    assert real_guide.search(q)[0].meta["path"].endswith("checkout.md")


def test_a_japanese_page_holding_the_questions_katakana_word_gains(eval_engine) -> None:
    # 「スーパ」 typed short is the page's スーパー; the encoder ranked the page fourth
    q = Question("駅ちかくのスーパ何時までやってる？", "kitami-base",
                 datetime.fromisoformat("2026-06-12T19:30:00+09:00"))
    top = eval_engine.search(q)[0]
    assert (top.meta["path"], top.meta["heading"]) == ("areas/kitami/guide.ja.md", "スーパー・コンビニ")


def test_a_questions_katakana_words_are_its_index_tokens() -> None:
    assert katakana_words("駅ちかくのスーパ何時まで") == ["すーぱー"]  # Sudachi's normal form
    assert katakana_words("Wi-Fiのパスワードとルーター") == ["ぱすわーど", "るーたー"]
    assert katakana_words("ごみの日") == []
