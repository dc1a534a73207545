"""Score the engine on an evaluation set (the schema of ../shared/eval/questions.*.jsonl).

Metrics: source hit@1, hit@3 and MRR; fact accuracy (every expected fact, `|` listing
alternatives, found in the answer after NFKC + case folding); abstain precision/recall;
forbidden-fact leaks; and ``correct``, the one figure a stayer would judge by: the facts
right (or a correct abstention), nothing forbidden shown. Reported overall, per kind and
per language.
"""

from __future__ import annotations

import json
import time
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.engine.contract import Answer, Question

if TYPE_CHECKING:
    from bot.engine.engine import Engine


def norm(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def source_matches(expected: str, path: str, heading: str) -> bool:
    if "#" in expected:
        exp_path, exp_heading = expected.split("#", 1)
        return path == exp_path and norm(heading) == norm(exp_heading)
    if expected.endswith("/"):
        return path.startswith(expected)
    return path == expected or path.startswith(expected.rstrip("/") + "/")


def facts_ok(facts: list[str], text: str) -> bool:
    t = norm(text)
    return all(any(norm(alt) in t for alt in fact.split("|")) for fact in facts)


@dataclass
class Row:
    id: str
    kind: str
    lang: str
    q: str
    expect: dict[str, Any]
    answer: dict[str, Any]
    ranked: list[tuple[str, str]]
    ms: float

    @property
    def rank(self) -> int | None:
        exp = self.expect.get("sources") or []
        for i, (p, h) in enumerate(self.ranked, start=1):
            if any(source_matches(e, p, h) for e in exp):
                return i
        return None

    @property
    def fact_ok(self) -> bool | None:
        facts = self.expect.get("facts") or []
        if not facts:
            return None
        return facts_ok(facts, self.answer["answer"])

    @property
    def leak(self) -> bool:
        t = norm(self.answer["answer"])
        return any(norm(f) in t for f in self.expect.get("forbidden") or [])

    @property
    def correct(self) -> bool:
        """Right as a stayer sees it: a correct abstention, or an answer (not an abstention)
        with every expected fact; in both cases nothing forbidden shown."""
        if self.leak:
            return False
        abstained = bool(self.answer["abstained"])
        if self.expect.get("abstain"):
            return abstained
        return not abstained and self.fact_ok is not False


@dataclass
class Scores:
    n: int = 0
    with_sources: int = 0
    hit1: int = 0
    hit3: int = 0
    rr: float = 0.0
    with_facts: int = 0
    facts: int = 0
    abstain_expected: int = 0
    abstained: int = 0
    abstain_correct: int = 0
    leaks: int = 0
    correct: int = 0
    failures: list[str] = field(default_factory=list)

    def add(self, r: Row) -> None:
        self.n += 1
        if r.expect.get("sources"):
            self.with_sources += 1
            rank = r.rank
            if rank == 1:
                self.hit1 += 1
            if rank is not None and rank <= 3:
                self.hit3 += 1
            if rank:
                self.rr += 1 / rank
        ok = r.fact_ok
        if ok is not None:
            self.with_facts += 1
            self.facts += ok
        exp_abs = bool(r.expect.get("abstain"))
        self.abstain_expected += exp_abs
        self.abstained += bool(r.answer["abstained"])
        self.abstain_correct += exp_abs and bool(r.answer["abstained"])
        self.leaks += r.leak
        self.correct += r.correct
        if not r.correct or (r.expect.get("sources") and r.rank != 1):
            self.failures.append(r.id)

    def as_dict(self) -> dict[str, Any]:
        def ratio(a: float, b: int) -> float | None:
            return round(a / b, 3) if b else None

        return {
            "n": self.n,
            "correct": ratio(self.correct, self.n),
            "hit@1": ratio(self.hit1, self.with_sources),
            "hit@3": ratio(self.hit3, self.with_sources),
            "mrr": ratio(self.rr, self.with_sources),
            "fact_accuracy": ratio(self.facts, self.with_facts),
            "abstain_precision": ratio(self.abstain_correct, self.abstained),
            "abstain_recall": ratio(self.abstain_correct, self.abstain_expected),
            "forbidden_leaks": self.leaks,
        }


def load_questions(path: Path) -> list[dict[str, Any]]:
    out = []
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh, start=1):
            if line.strip():
                try:
                    out.append(json.loads(line))
                except json.JSONDecodeError as exc:
                    raise ValueError(f"{path}:{n}: not JSON ({exc.msg})") from None
    return out


def ranked_sources(engine: Engine, q: Question, answer: Answer) -> list[tuple[str, str]]:
    ranked = [(s.path, s.heading) for s in answer.sources]
    if answer.intent in ("retrieval", "abstain"):
        for h in engine.search(q):
            key = (h.meta["path"], h.meta["heading"])
            if key not in ranked:
                ranked.append(key)
    return ranked


def run_eval(engine: Engine, questions: Iterable[dict[str, Any]]) -> list[Row]:
    rows = []
    for item in questions:
        q = Question(text=item["q"], house_id=item["house"], now=datetime.fromisoformat(item["now"]))
        t = time.perf_counter()
        ans = engine.answer(q)
        ms = (time.perf_counter() - t) * 1000
        rows.append(Row(item["id"], item.get("kind", ""), item.get("lang", ""), item["q"], item.get("expect", {}),
                        ans.to_json(), ranked_sources(engine, q, ans), ms))
    return rows


def summarize(rows: list[Row], kinds: set[str] | None = None) -> dict[str, Any]:
    overall = Scores()
    by_kind: defaultdict[str, Scores] = defaultdict(Scores)
    by_lang: defaultdict[str, Scores] = defaultdict(Scores)
    for r in rows:
        if kinds and r.kind not in kinds:
            continue
        overall.add(r)
        by_kind[r.kind].add(r)
        by_lang[r.lang].add(r)
    return {
        "overall": overall.as_dict(),
        "failures": overall.failures,
        "by_kind": {k: v.as_dict() for k, v in sorted(by_kind.items())},
        "by_lang": {k: v.as_dict() for k, v in sorted(by_lang.items())},
    }


def format_table(summary: dict[str, Any]) -> str:
    cols = ["n", "correct", "hit@1", "hit@3", "mrr", "fact_accuracy", "abstain_precision", "abstain_recall",
            "forbidden_leaks"]
    head = f"{'':16}" + "".join(f"{c[:10]:>11}" for c in cols)
    lines = [head]

    def row(name: str, d: dict[str, Any]) -> str:
        return f"{name:16}" + "".join(f"{'-' if d[c] is None else d[c]!s:>11}" for c in cols)

    lines.append(row("overall", summary["overall"]))
    for k, d in summary["by_kind"].items():
        lines.append(row(f"kind {k}", d))
    for k, d in summary["by_lang"].items():
        lines.append(row(f"lang {k}", d))
    return "\n".join(lines)
