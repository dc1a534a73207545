"""Timing of the garbage answers (a script, not a test): python bench/bench_garbage.py

Prints the warm latency of garbage-day and sorting answers over the evaluation corpus
(target: a garbage-day answer <= 5 ms warm), the time to load the full Kanazawa 5374 data
set (target <= 1 s), and the dev-set fact accuracy for garbage_day and sorting.
"""

from __future__ import annotations

import json
import statistics
import time
import unicodedata
from datetime import datetime
from pathlib import Path

from bot.engine.contract import Answer, HouseContext, Question
from bot.garbage.answerer import GarbageAnswerer
from bot.garbage.dates import AreaSchedule
from bot.garbage.matcher import SortingMatcher
from ingest.garbage.calendars import load_5374_folder
from ingest.knowledge import load_knowledge

ROOT = Path(__file__).resolve().parents[1]

SHARED = ROOT.parent / "shared"
EVAL_CORPUS = SHARED / "eval" / "corpus"
DEV = SHARED / "eval" / "questions.dev.jsonl"
KANAZAWA = SHARED / "realdata" / "5374-kanazawa"

GARBAGE_DAY = ["明日は何のごみの日ですか？", "次のペットボトルの日はいつ？", "this week's garbage",
               "When is the next burnable garbage day?", "1月2日は収集ある？", "あしたのごみなに"]
SORTING = ["スプレー缶はどうやって捨てればいいですか？", "ピザの箱は何ごみ？", "How do I throw away PET bottles?",
           "でんちはなにごみ"]


def _abstain(question: Question) -> Answer:
    return Answer(text="", lang=question.lang or "ja", intent="retrieval", confidence=0.0, abstained=True)


def _ms(samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[int(len(ordered) * 0.95) - 1]
    return f"median {statistics.median(ordered) * 1000:.2f} ms, p95 {p95 * 1000:.2f} ms"


def warm_latency(questions: list[str], rounds: int = 200) -> list[float]:
    knowledge, _ = load_knowledge(EVAL_CORPUS)
    answerer = GarbageAnswerer(knowledge)
    house = knowledge.house("doto-house")
    now = datetime.fromisoformat("2026-12-03T20:00:00+09:00")
    samples: list[float] = []
    for text in questions:
        lang = "en" if text.isascii() else "ja"
        ctx = HouseContext(house=house, area=knowledge.area_of(house), knowledge_root=str(EVAL_CORPUS),
                           lang=lang, retrieve=_abstain)
        question = Question(text=text, house_id=house.id, now=now, lang=lang)
        answerer.answer(question, ctx)  # warm: files loaded, months cached
        for _ in range(rounds):
            t = time.perf_counter()
            answerer.answer(question, ctx)
            samples.append(time.perf_counter() - t)
    return samples


def kanazawa_load(rounds: int = 5) -> list[float]:
    samples: list[float] = []
    for _ in range(rounds):
        t = time.perf_counter()
        calendar, problems = load_5374_folder(KANAZAWA, "5374-kanazawa")
        assert calendar is not None and not problems
        for area in calendar.areas:
            AreaSchedule(calendar, area)
        assert calendar.targets is not None
        SortingMatcher(calendar.targets)
        samples.append(time.perf_counter() - t)
    return samples


def dev_accuracy() -> dict[str, tuple[int, int]]:
    knowledge, _ = load_knowledge(EVAL_CORPUS)
    answerer = GarbageAnswerer(knowledge)
    result: dict[str, tuple[int, int]] = {}

    def norm(text: str) -> str:
        return unicodedata.normalize("NFKC", text).casefold()

    for line in DEV.read_text(encoding="utf-8").splitlines():
        q = json.loads(line)
        if q["kind"] not in ("garbage_day", "sorting"):
            continue
        house = knowledge.house(q["house"])
        ctx = HouseContext(house=house, area=knowledge.area_of(house), knowledge_root=str(EVAL_CORPUS),
                           lang=q["lang"], retrieve=_abstain)
        answer = answerer.answer(Question(q["q"], q["house"], datetime.fromisoformat(q["now"]), q["lang"]), ctx)
        text = norm(answer.text) if answer else ""
        hits, total = result.get(q["kind"], (0, 0))
        for fact in q["expect"]["facts"]:
            total += 1
            hits += any(norm(alt) in text for alt in fact.split("|"))
        result[q["kind"]] = (hits, total)
    return result


def main() -> None:
    day = warm_latency(GARBAGE_DAY)
    sort = warm_latency(SORTING)
    load = kanazawa_load()
    print(f"garbage-day answer, warm ({len(GARBAGE_DAY)} questions x 200): {_ms(day)}  (target <= 5 ms)")
    print(f"sorting answer, warm ({len(SORTING)} questions x 200): {_ms(sort)}")
    print(f"Kanazawa load (71 areas + 1,251-item dictionary): best {min(load) * 1000:.1f} ms, "
          f"median {statistics.median(load) * 1000:.1f} ms  (target <= 1 s)")
    for kind, (hits, total) in dev_accuracy().items():
        print(f"dev fact accuracy {kind}: {hits}/{total} = {hits / total:.3f}  (target >= 0.95)")


if __name__ == "__main__":
    main()
