"""Japanese synonyms from SudachiDict's groups: the stayer's word for the guide's word."""

from __future__ import annotations

import pytest

from bot.engine.contract import Question
from bot.engine.engine import Engine
from tests.conftest import at, one_house_engine
from text.tokenize import synonym_groups

MANUAL = """# 森の家

## 駐輪場

自転車は建物の裏の駐輪場に置いてください。屋根があります。

## 家庭菜園

庭の家庭菜園の野菜は自由に収穫してかまいません。

## 暖房

居間のストーブは運転スイッチを押すと5分ほどで点火します。
"""


@pytest.fixture(scope="module")
def engine(tmp_path_factory, embeddings) -> Engine:
    return one_house_engine(tmp_path_factory.mktemp("syn") / "k", tmp_path_factory.mktemp("syn-store"), embeddings,
                            "mori", {"manual.ja.md": MANUAL}, languages=("ja",))


def test_a_slang_word_and_the_guide_s_word_share_a_synonym_group():
    (chari, groups), = synonym_groups("チャリ")
    assert chari == "ちゃり" and set(groups) & set(synonym_groups("自転車")[0][1])


def test_the_index_keeps_the_guide_s_words_by_synonym_group(engine):
    (group,) = synonym_groups("チャリ")[0][1]
    assert "自転車" in engine.retriever._synonym_table[group]


def test_a_word_the_guide_writes_as_a_synonym_is_no_missing_topic(engine):
    # 「チャリ」 is no word of the guide: it counted as a topic no page has (evidence for "I
    # don't know") and as a word the section lacks
    from bot.engine.engine import _scope
    from bot.retrieval.abstain import evidence

    question = Question("チャリ持ってきたんだけど、どこ置けばいい？", "mori", at("2026-12-02T10:00:00+09:00"))
    r = engine.retriever
    scope = _scope(question, engine.house("mori"), engine.knowledge)
    got = r.retrieve(question.text, scope, "ja")
    assert got.hits[0].meta["heading"] == "駐輪場"
    features = evidence(r, question.text, "ja", got.hits, got.staff, scope).as_dict()
    assert features["unseen"] == 0.0
    assert not engine.answer(question).abstained


def test_a_word_the_guide_uses_is_not_replaced_by_its_synonyms(engine):
    # 「家」 is the guide's own word: its synonym 家庭 (家庭菜園) must not draw that page
    assert "家" not in engine.retriever.synonyms_of("家の暖房のつけかたは？")
    assert engine.retriever.synonyms_of("チャリどこ")["ちゃり"] == frozenset({"自転車"})
