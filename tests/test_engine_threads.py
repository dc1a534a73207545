"""The engine answers correctly when LINE's worker, the webhook and Alexa ask at once.

Under gunicorn's threaded workers every request thread calls the same engine. Nothing on
the answer path may be shared unsafely (tokenizers, matchers, SQLite connections,
caches): every answer given from eight threads at once must equal the answer the same
question gets alone.
"""

from __future__ import annotations

import json
import threading
from datetime import datetime

from bot.engine.contract import Question
from tests.conftest import SHARED

THREADS = 8
KINDS = ("manual", "garbage_day", "sorting", "transit")


def _questions() -> list[Question]:
    rows = [json.loads(line) for line in (SHARED / "eval" / "questions.dev.jsonl").read_text().splitlines()
            if line.strip()]
    return [Question(text=r["q"], house_id=r["house"], now=datetime.fromisoformat(r["now"]))
            for r in rows if r["kind"] in KINDS]


def test_answers_from_eight_threads_equal_single_threaded_answers(eval_engine) -> None:
    questions = _questions()
    assert {q.text for q in questions}, "the evaluation questions are missing"
    expected = [eval_engine.answer(q).to_json() for q in questions]
    errors: list[str] = []
    mismatches: list[str] = []
    start = threading.Barrier(THREADS)

    def work(offset: int) -> None:
        start.wait()
        for i in range(len(questions) // 2):  # half each, the threads together cover all
            n = (i * 7 + offset * 5) % len(questions)  # each thread its own order
            try:
                got = eval_engine.answer(questions[n]).to_json()
            except Exception as exc:  # noqa: BLE001 - every failure is counted, not raised
                errors.append(f"{questions[n].text!r}: {type(exc).__name__}: {exc}")
                continue
            if got != expected[n]:
                mismatches.append(f"{questions[n].text!r}: {got['answer'][:60]!r} != {expected[n]['answer'][:60]!r}")

    threads = [threading.Thread(target=work, args=(k,)) for k in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [], f"{len(errors)} of {THREADS * len(questions)} answers failed, e.g. {errors[:3]}"
    assert mismatches == [], mismatches[:3]
    assert not any(a["intent"] == "unavailable" for a in expected)


def test_bus_queries_use_a_connection_per_thread(eval_engine) -> None:
    """Bus questions run in parallel instead of queueing on one shared connection."""
    from bot.transit.query import IndexCache

    transit = next(a for a in eval_engine.answerers if a.name == "transit")
    cache: IndexCache = transit.cache
    area = next(iter(eval_engine.knowledge.areas))
    index = cache.get(area)
    assert index is not None
    conns: list[object] = []

    def work() -> None:
        index.service_range()
        conns.append(index._thread_conn())

    threads = [threading.Thread(target=work) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len({id(c) for c in conns}) == 3 and None not in conns
