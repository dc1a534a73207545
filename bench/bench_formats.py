"""The same guide dropped in as Markdown, Word and PDF: how well each answers (not a test).

Two guides, converted by tests/fakes/guide_formats.py (Word in Word's styles; PDF printed
by headless Chromium with its running header and footer):

- ``--guide boulder`` (default): the English host guide in
  ../shared/realdata/house-manuals/fox_den_boulder; each version becomes the house's only
  documents beside the same house.yaml (tests/realguide.py), and bench/realguide.jsonl's 38
  questions are asked of each.
- ``--guide eval``: the eval corpus (/work/shared/eval/corpus, read-only) copied to a
  temporary folder in which the Japanese house manuals (``--convert``) are replaced by
  their Word or PDF versions (``manual.ja.docx``, ``manual.ja.pdf``); the dev and loose
  questions of those houses that the documents answer (kinds manual, area, contact,
  season, staff_only, unanswerable) are asked, each set reported on its own.

A source ``houses/fox-den/kitchen.md#Coffee`` counts for the other formats as
``kitchen.<format>#Coffee``: the same file stem and heading. Format ``onefile`` (Boulder
only): the guide's Markdown files pasted into one ``guide.md``, in name order, as a host
who keeps one document would; its sources are ``guide.md#Coffee``.

Usage:  .venv/bin/python bench/bench_formats.py [--guide boulder|eval] [--formats md,docx,pdf]
        [--convert houses/doto-house/manual.ja.md,...] [--docx-styles en|ja|none] [--cache DIR] [-v]
(``--docx-styles none``: Word files whose headings are bold paragraphs, no heading style;
``sized``: bold and set larger, 18/14/12 pt.)
(--cache keeps the converted files between runs: printing nine PDFs takes most of a minute).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
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
from bot.evaluation import Row, load_questions, run_eval, summarize  # noqa: E402
from fakes.guide_formats import convert_folder, markdown_to_docx, markdown_to_pdf  # noqa: E402

EVAL = Path("/work/shared/eval")
EVAL_CONVERT = "houses/doto-house/manual.ja.md,houses/kitami-base/manual.ja.md"
#: The kinds of question documents answer (garbage and bus answers do not read them).
ONE_FILE = "onefile"
DOCUMENT_KINDS = {"manual", "area", "contact", "season", "staff_only", "unanswerable"}


def build(dst: Path, fmt: str, cache: Path, docx_styles: str = "en") -> Path:
    """A knowledge folder whose house holds the guide in ``fmt`` (converted into ``cache``)."""
    if fmt == ONE_FILE:
        converted, fmt = cache / ONE_FILE, "md"
        converted.mkdir(parents=True, exist_ok=True)
        pages = [p.read_text(encoding="utf-8") for p in sorted(realguide.GUIDE.glob("*.md"))]
        (converted / "guide.md").write_text("\n\n".join(pages), encoding="utf-8")
    else:
        converted = cache / (f"docx-{docx_styles}" if fmt == "docx" else fmt)
        if fmt == "md" or not converted.is_dir() or not any(converted.glob(f"*.{fmt}")):
            convert_folder(realguide.GUIDE, converted, fmt, **({"styles": docx_styles} if fmt == "docx" else {}))
    house = dst / "houses" / "fox-den"
    house.mkdir(parents=True, exist_ok=True)
    (dst / "areas" / "boulder").mkdir(parents=True, exist_ok=True)
    (dst / "site.yaml").write_text("timezone: America/Denver\ndefault_house: fox-den\n", encoding="utf-8")
    (house / "house.yaml").write_text(realguide.HOUSE_YAML, encoding="utf-8")
    for path in sorted(converted.glob(f"*.{fmt}")):
        (house / path.name).symlink_to(path.resolve())
    return dst


def build_eval(dst: Path, fmt: str, cache: Path, convert: list[str], docx_styles: str = "en") -> Path:
    """A copy of the eval corpus in ``dst`` whose ``convert`` files (relative Markdown
    paths) are replaced by their ``fmt`` versions (converted once into ``cache``; Word
    files with the style names of an English or a Japanese template)."""
    shutil.copytree(EVAL / "corpus", dst, dirs_exist_ok=True)
    if fmt == "md":
        return dst
    for rel in convert:
        src = EVAL / "corpus" / rel
        kind = f"docx-{docx_styles}" if fmt == "docx" else fmt
        target = cache / "eval" / kind / Path(rel).with_suffix(f".{fmt}")
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            if fmt == "docx":
                markdown_to_docx(src, target, styles=docx_styles)
            else:
                markdown_to_pdf(src, target)
        (dst / rel).unlink()
        shutil.copy(target, dst / Path(rel).with_suffix(f".{fmt}"))
    return dst


def questions_for(fmt: str, path: Path = realguide.QUESTIONS, renamed: set[str] | None = None,
                  houses: set[str] | None = None) -> list[dict[str, Any]]:
    """The questions (of ``houses``, document kinds only, when given) with each expected
    source in a ``renamed`` file (every Markdown file when None) renamed to the format's."""
    out = []
    for item in load_questions(path):
        if houses is not None and (item["house"] not in houses or item.get("kind") not in DOCUMENT_KINDS):
            continue
        expect = dict(item.get("expect", {}))
        if expect.get("sources"):
            expect["sources"] = [_rename(s, fmt, renamed) for s in expect["sources"]]
        out.append({**item, "expect": expect})
    return out


def _rename(source: str, fmt: str, renamed: set[str] | None = None) -> str:
    path, sep, heading = source.partition("#")
    if fmt == ONE_FILE:
        return path.rsplit("/", 1)[0] + "/guide.md" + sep + heading
    if path.endswith(".md") and (renamed is None or path in renamed):
        path = path[: -len(".md")] + f".{fmt}"
    return path + sep + heading


def report(label: str, rows: list[Row], verbose: bool) -> dict[str, Any]:
    overall: dict[str, Any] = summarize(rows)["overall"]
    print(f"{label:12s} correct {overall['correct']:.3f}  hit@1 {overall['hit@1']:.3f}  "
          f"hit@3 {overall['hit@3']:.3f}  facts {overall['fact_accuracy']:.3f}  (n={overall['n']})", flush=True)
    if verbose:
        for r in rows:
            if not r.correct or (r.expect.get("sources") and r.rank != 1):
                top = [f"{p.rsplit('/', 1)[-1]}#{h[:30]}" for p, h in r.ranked[:3]]
                print(f"   {r.id} correct={r.correct} rank={r.rank} Q: {r.q}\n      top {top}\n"
                      f"      A: {r.answer['answer'][:160]!r}")
    return overall


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--guide", choices=("boulder", "eval"), default="boulder")
    ap.add_argument("--formats", default="md,docx,pdf")
    ap.add_argument("--convert", default=EVAL_CONVERT, help="eval corpus files replaced by their conversions")
    ap.add_argument("--docx-styles", choices=("en", "ja", "none", "sized"), default="en",
                    help="Word files in the style names of an English or a Japanese template, or with no "
                         "heading style (headings in bold; 'sized': in bold and larger type)")
    ap.add_argument("--cache", type=Path, help="folder for converted files, kept between runs")
    ap.add_argument("--json", type=Path, help="write per-format summaries here")
    ap.add_argument("-v", "--verbose", action="store_true", help="list each wrong answer")
    args = ap.parse_args()
    cache = args.cache or Path(tempfile.mkdtemp(prefix="formats-"))
    results: dict[str, Any] = {}
    for fmt in args.formats.split(","):
        store = Path(tempfile.mkdtemp(prefix="s-"))
        if args.guide == "boulder":
            knowledge = build(Path(tempfile.mkdtemp(prefix=f"k-{fmt}-")), fmt, cache, args.docx_styles)
            engine = Engine.open(Settings(knowledge=knowledge, store=store).engine_config())
            results[fmt] = report(fmt, run_eval(engine, questions_for(fmt)), args.verbose)
            continue
        convert = [c.strip() for c in args.convert.split(",") if c.strip()]
        knowledge = build_eval(Path(tempfile.mkdtemp(prefix=f"k-{fmt}-")), fmt, cache, convert,
                               args.docx_styles)
        engine = Engine.open(Settings(knowledge=knowledge, store=store).engine_config())
        houses = {Path(c).parts[1] for c in convert}
        for name in ("dev", "loose"):
            asked = questions_for(fmt, EVAL / f"questions.{name}.jsonl", set(convert), houses)
            results[f"{fmt}/{name}"] = report(f"{fmt}/{name}", run_eval(engine, asked), args.verbose)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
