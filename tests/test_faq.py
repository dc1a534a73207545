"""Curated answers: the format, its validation (path:line), the writer and the matching."""

from __future__ import annotations

import shutil

import pytest

from bot.config import Settings
from bot.engine.contract import Question
from bot.engine.engine import Engine
from ingest.faq import FaqEntry, append_entry, load_faq
from ingest.validate import scan_knowledge
from tests.conftest import SAMPLE_KNOWLEDGE, at

FAQ = """faq:
  - q: [部屋の暖房が弱い, the room heater is weak, 暖气不热]
    a:
      ja: 窓の下のパネルヒーターのつまみを5にしてください。
      en: Turn the knob of the panel heater under the window to 5.
  - q: 夏祭りはいつ？
    a: 8月の第1土曜日です。
    season: summer
"""


def test_entries_are_read_with_their_lines(tmp_path):
    (tmp_path / "faq.yaml").write_text(FAQ, encoding="utf-8")
    got = load_faq(tmp_path / "faq.yaml", tmp_path)
    assert got.problems == []
    assert [(e.line, e.questions[0], sorted(e.answers)) for e in got.entries] == [
        (2, "部屋の暖房が弱い", ["en", "ja"]), (6, "夏祭りはいつ？", ["ja"])]


def test_an_entry_without_any_answer_is_an_error_naming_file_and_line(tmp_path):
    (tmp_path / "faq.yaml").write_text("faq:\n  - q: Wi-Fi?\n  - q: 駐車場は？\n    a: {}\n", encoding="utf-8")
    problems = load_faq(tmp_path / "faq.yaml", tmp_path).problems
    assert [(p.path, p.line) for p in problems] == [("faq.yaml", 2), ("faq.yaml", 3)]
    assert all("needs an answer" in p.message for p in problems)


def test_validate_reports_faq_problems_and_does_not_treat_the_file_as_a_manual(knowledge_copy):
    (knowledge_copy / "houses/hakka-house/faq.yaml").write_text("faq:\n  - q: x\n    a: y\n    season: spring\n",
                                                                encoding="utf-8")
    scan = scan_knowledge(knowledge_copy)
    assert [str(p) for p in scan.problems] == [
        "houses/hakka-house/faq.yaml:2: season 'spring' must be winter or summer"]
    assert not any(d.rel.endswith("faq.yaml") for d in scan.docs)


def test_the_writer_appends_a_valid_entry_and_refuses_an_invalid_one(tmp_path):
    path = tmp_path / "faq.yaml"
    stored = append_entry(path, FaqEntry(["Where is the snow shovel?"], {"en": "In the shed, left side."}))
    assert stored.line == 2 and load_faq(path, tmp_path).problems == []
    append_entry(path, FaqEntry(["雪かきの道具は？"], {"ja": "物置の左側です。"}, season="winter"))
    firsts = [e.questions[0] for e in load_faq(path, tmp_path).entries]
    assert firsts == ["Where is the snow shovel?", "雪かきの道具は？"]
    before = path.read_text(encoding="utf-8")
    with pytest.raises(ValueError, match="needs an answer"):
        append_entry(path, FaqEntry(["no answer"], {}))
    assert path.read_text(encoding="utf-8") == before


@pytest.fixture(scope="module")
def faq_engine(tmp_path_factory, embeddings):
    root = tmp_path_factory.mktemp("k") / "knowledge"
    shutil.copytree(SAMPLE_KNOWLEDGE, root)
    (root / "houses/hakka-house/faq.yaml").write_text(FAQ, encoding="utf-8")
    return Engine.open(Settings(knowledge=root, store=tmp_path_factory.mktemp("s")).engine_config(),
                       embeddings=embeddings)


def ask(engine, text: str, when: str = "2026-12-10T10:00:00"):
    return engine.answer(Question(text, "hakka-house", at(when)))


def test_a_close_question_gets_the_curated_answer_cited_as_the_faq(faq_engine):
    answer = ask(faq_engine, "部屋の暖房が弱いです")
    assert answer.intent == "faq" and "つまみを5" in answer.text
    assert answer.sources[0].path == "houses/hakka-house/faq.yaml"


def test_a_question_in_another_language_gets_its_language_or_a_lead_line(faq_engine):
    assert "panel heater" in ask(faq_engine, "the heater in my room is weak").text
    zh = ask(faq_engine, "房间的暖气不热")
    if zh.intent == "faq":
        assert zh.text.splitlines()[0] == "这部分内容没有中文版，以下是英语原文："


def test_an_out_of_season_entry_is_not_used(faq_engine):
    assert ask(faq_engine, "夏祭りはいつ？", "2026-12-10T10:00:00").intent != "faq"
    assert ask(faq_engine, "夏祭りはいつ？", "2026-08-01T10:00:00").intent == "faq"


def test_an_unrelated_question_is_left_to_retrieval(faq_engine):
    assert ask(faq_engine, "Wi-Fiのパスワードは？").intent != "faq"

