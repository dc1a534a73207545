"""The same question gets the same answer in every process.

Python salts string hashes per process (PYTHONHASHSEED), so anything that depends on the
order of a set of words changes from one run to the next. The abstention evidence did:
"can we bring our dog? hes small and super quiet lol" was answered in one process and
declined in another (its two rarest topic words tied, and set order chose which).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import EVAL_CORPUS

ROOT = Path(__file__).resolve().parents[1]
LOOSE = EVAL_CORPUS.parent / "questions.loose.jsonl"


def answers(store: Path, seed: str) -> list[dict]:
    env = {**os.environ, "PYTHONHASHSEED": seed, "HF_HUB_OFFLINE": "1", "ANONYMIZED_TELEMETRY": "False"}
    out = subprocess.run(
        [sys.executable, "-m", "bot", "ask", "--batch", str(LOOSE), "--knowledge", str(EVAL_CORPUS),
         "--store", str(store), "--json"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=True)
    return [json.loads(line) for line in out.stdout.splitlines() if line.strip()]


def test_every_loose_question_gets_the_same_answer_whatever_the_hash_seed(tmp_path: Path) -> None:
    first, second = answers(tmp_path / "store", "1"), answers(tmp_path / "store", "2")
    assert len(first) == len(second) > 100
    differ = [(a["id"], a["confidence"], b["confidence"]) for a, b in zip(first, second, strict=True)
              if (a["answer"], a["abstained"], round(a["confidence"], 9)) !=
              (b["answer"], b["abstained"], round(b["confidence"], 9))]
    assert differ == []
