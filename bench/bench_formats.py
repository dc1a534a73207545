"""The same real guide dropped in as Markdown, Word and PDF: how well each answers (not a test).

The host guide in ../shared/realdata/house-manuals/fox_den_boulder is converted by
tests/fakes/guide_formats.py (Word in Word's styles; PDF printed by headless Chromium with
its running header and footer), each version becomes the house's only documents beside
the same house.yaml (tests/realguide.py), and bench/realguide.jsonl's 38 questions are
asked of each. A source ``houses/fox-den/kitchen.md#Coffee`` counts for the other formats
as ``kitchen.<format>#Coffee``: the same file stem and heading.

Usage:  .venv/bin/python bench/bench_formats.py [--formats md,docx,pdf] [--cache DIR] [-v]
(--cache keeps the converted files between runs: printing nine PDFs takes most of a minute).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

import realguide  # noqa: E402 - tests/ is put on the path above

from bot.config import Settings  # noqa: E402
from bot.engine.engine import Engine  # noqa: E402
from bot.evaluation import load_questions, run_eval, summarize  # noqa: E402
from fakes.guide_formats import convert_folder  # noqa: E402


def build(dst: Path, fmt: str, cache: Path) -> Path:
    """A knowledge folder whose house holds the guide in ``fmt`` (converted into ``cache``)."""
    converted = cache / fmt
    if fmt == "md" or not converted.is_dir() or not any(converted.glob(f"*.{fmt}")):
        convert_folder(realguide.GUIDE, converted, fmt)
    house = dst / "houses" / "fox-den"
    house.mkdir(parents=True, exist_ok=True)
    (dst / "areas" / "boulder").mkdir(parents=True, exist_ok=True)
    (dst / "site.yaml").write_text("timezone: America/Denver\ndefault_house: fox-den\n", encoding="utf-8")
    (house / "house.yaml").write_text(realguide.HOUSE_YAML, encoding="utf-8")
    for path in sorted(converted.glob(f"*.{fmt}")):
        (house / path.name).symlink_to(path.resolve())
    return dst


def questions_for(fmt: str) -> list[dict[str, Any]]:
    """The questions with each expected source renamed to the format's file."""
    out = []
    for item in load_questions(realguide.QUESTIONS):
        expect = dict(item.get("expect", {}))
        if expect.get("sources"):
            expect["sources"] = [_rename(s, fmt) for s in expect["sources"]]
        out.append({**item, "expect": expect})
    return out


def _rename(source: str, fmt: str) -> str:
    path, sep, heading = source.partition("#")
    if path.endswith(".md"):
        path = path[: -len(".md")] + f".{fmt}"
    return path + sep + heading


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--formats", default="md,docx,pdf")
    ap.add_argument("--cache", type=Path, help="folder for converted files, kept between runs")
    ap.add_argument("--json", type=Path, help="write per-format summaries here")
    ap.add_argument("-v", "--verbose", action="store_true", help="list each wrong answer")
    args = ap.parse_args()
    cache = args.cache or Path(tempfile.mkdtemp(prefix="formats-"))
    results: dict[str, Any] = {}
    for fmt in args.formats.split(","):
        knowledge = build(Path(tempfile.mkdtemp(prefix=f"k-{fmt}-")), fmt, cache)
        engine = Engine.open(Settings(knowledge=knowledge, store=Path(tempfile.mkdtemp(prefix="s-"))).engine_config())
        rows = run_eval(engine, questions_for(fmt))
        overall = summarize(rows)["overall"]
        results[fmt] = overall
        print(f"{fmt:5s} correct {overall['correct']:.3f}  hit@1 {overall['hit@1']:.3f}  "
              f"hit@3 {overall['hit@3']:.3f}  facts {overall['fact_accuracy']:.3f}  (n={overall['n']})", flush=True)
        if args.verbose:
            for r in rows:
                if not r.correct or r.rank != 1:
                    top = [f"{p.rsplit('/', 1)[-1]}#{h[:30]}" for p, h in r.ranked[:3]]
                    print(f"   {r.id} correct={r.correct} rank={r.rank} Q: {r.q}\n      top {top}\n"
                          f"      A: {r.answer['answer'][:160]!r}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
