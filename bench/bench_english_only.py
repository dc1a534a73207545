"""Japanese questions about a guide that exists only in English.

    .venv/bin/python bench/bench_english_only.py

The eval corpus's houses have Japanese and English manuals; a host's guide is often English
only. This copies the corpus to a temporary folder without its ``*.ja.md`` files and asks the
dev and loose Japanese questions about DOTO HOUSE whose expected sources include an English
section: what a Japanese stayer meets when only the English page exists (katakana loanwords,
romanised Japanese words such as "futon", and the encoder across languages).
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

from bench.run import CORPUS, SHARED  # noqa: E402
from bot.cli import open_engine  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.evaluation import load_questions, run_eval  # noqa: E402


def main() -> None:
    tmp = Path(tempfile.mkdtemp())
    corpus = tmp / "corpus"
    shutil.copytree(CORPUS, corpus)
    for path in corpus.rglob("*.ja.md"):
        path.unlink()
    engine = open_engine(Settings(knowledge=corpus, store=tmp / "store"))
    total = top = right = 0
    for name in ("dev", "loose"):
        items = [q for q in load_questions(SHARED / "eval" / f"questions.{name}.jsonl")
                 if q["lang"] == "ja" and q["house"] == "doto-house"
                 and any(".en.md" in s for s in q["expect"]["sources"])]
        for row in run_eval(engine, items):
            total += 1
            top += row.rank == 1
            right += row.correct
            if "-v" in sys.argv and row.rank != 1:
                print(f"   {row.id} rank={row.rank} {row.q}")
    print(f"Japanese questions, English-only pages: n={total}  hit@1 {top / total:.3f}  correct {right / total:.3f}")
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
