"""The development questions of kind ``transit`` (../shared/eval): fact accuracy >= 0.95,
scored as the evaluation does (substring after NFKC + case folding, ``|`` = alternatives)."""

from __future__ import annotations

import json
import unicodedata
from datetime import datetime
from typing import Any

import pytest

from bot.engine.contract import Answer, HouseContext, Question
from bot.transit.answerer import BusAnswerer
from ingest.knowledge import load_knowledge
from ingest.transit.timetables import build_index
from tests.conftest import EVAL_CORPUS

QUESTIONS = EVAL_CORPUS.parent / "questions.dev.jsonl"


def norm(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def has_fact(answer: str, fact: str) -> bool:
    return any(norm(alt) in norm(answer) for alt in fact.split("|"))


def abstain(q: Question) -> Answer:
    return Answer(text="分かりません。", lang=q.lang or "ja", intent="retrieval", confidence=0.0, abstained=True)


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[dict[str, Any], Answer | None]]:
    knowledge, _ = load_knowledge(EVAL_CORPUS)
    index_dir = tmp_path_factory.mktemp("eval-index")
    for area in knowledge.areas.values():
        if area.gtfs is not None:
            build_index(area.gtfs, index_dir / f"{area.id}.sqlite")
    bus = BusAnswerer(knowledge, index_dir)
    results = []
    for line in QUESTIONS.read_text(encoding="utf-8").splitlines():
        item = json.loads(line)
        house = knowledge.houses[item["house"]]
        ctx = HouseContext(house=house, area=knowledge.area_of(house), knowledge_root=str(knowledge.root),
                           lang=item["lang"], retrieve=abstain)
        q = Question(text=item["q"], house_id=house.id, now=datetime.fromisoformat(item["now"]),
                     lang=item["lang"])
        results.append((item, bus.answer(q, ctx)))
    return results


def test_transit_fact_accuracy_on_the_dev_set_is_at_least_95_percent(run: list) -> None:
    transit = [(item, a) for item, a in run if item["kind"] == "transit"]
    assert transit
    facts = [(item["id"], f, a) for item, a in transit for f in item["expect"]["facts"]]
    right = [fid for fid, f, a in facts if a is not None and has_fact(a.text, f)]
    accuracy = len(right) / len(facts)
    wrong = sorted({fid for fid, f, a in facts} - set(right))
    assert accuracy >= 0.95, f"accuracy {accuracy:.2f}; wrong: {wrong}"


def test_every_transit_answer_cites_the_feed(run: list) -> None:
    for item, a in run:
        if item["kind"] == "transit":
            assert a is not None and any(s.path in item["expect"]["sources"] for s in a.sources), item["id"]


def test_no_question_of_another_kind_is_taken_by_the_bus_answerer(run: list) -> None:
    taken = [item["id"] for item, a in run if item["kind"] != "transit" and a is not None]
    assert taken == []
