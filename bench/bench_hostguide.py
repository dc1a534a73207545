"""A guide written the way Japanese hosts write them, in three forms (not a test).

    .venv/bin/python bench/bench_hostguide.py [-v]

``bench/hostguide/knowledge`` is a fictional house, 森のいえ, whose Japanese guide
(``guide.md``) marks its headings by underlining them (``-----``), sets its topics in 【】,
keeps its basics in a 項目/内容 table, bullets with ■ and ends with a Q：/A： list; an English
version covers most of it. ``bench/hostguide/questions.jsonl`` asks it 36 questions in
Japanese, English, Chinese and Korean. Each question is asked of three forms of the guide:

- ``written``: as above;
- ``labels``: the underlines removed, so only the 【】 labels set the topics apart;
- ``word``: the labels-only text as a Word file with no heading style, its labels in bold
  (``guide.ja.docx``), as a host who never picks a style writes it.

Before underlined headings, label lines and unstyled Word were read (issue 11, stop 19), each
form was one section with no heading: hit@1 about 0.22-0.25.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.config import Settings  # noqa: E402
from bot.engine.engine import Engine  # noqa: E402
from bot.evaluation import run_eval, summarize  # noqa: E402

HERE = ROOT / "bench" / "hostguide"
GUIDE = "houses/mori/guide.md"
_UNDERLINE = re.compile(r"[=-]{3,}")
_LABEL = re.compile(r"【.+】|森のいえ.*")


def labels_only(text: str) -> str:
    """The guide with its heading underlines removed."""
    return "\n".join(line for line in text.splitlines() if not _UNDERLINE.fullmatch(line.strip()))


def as_word(text: str, dst: Path) -> None:
    """The labels-only guide as a Word file without heading styles: labels in bold."""
    import docx

    document = docx.Document()
    for line in labels_only(text).splitlines():
        if not line.strip():
            continue
        if _LABEL.fullmatch(line.strip()):
            document.add_paragraph().add_run(line.strip()).bold = True
        else:
            document.add_paragraph(line)
    document.save(str(dst))


def build(form: str, dst: Path) -> Path:
    shutil.copytree(HERE / "knowledge", dst)
    guide = dst / GUIDE
    text = guide.read_text(encoding="utf-8")
    if form == "labels":
        guide.write_text(labels_only(text), encoding="utf-8")
    elif form == "word":
        guide.unlink()
        as_word(text, guide.with_name("guide.ja.docx"))
    return dst


def questions(form: str) -> list[dict]:
    items = [json.loads(line) for line in (HERE / "questions.jsonl").read_text(encoding="utf-8").splitlines()]
    if form == "word":  # the same sections, in the Word file
        for it in items:
            it["expect"]["sources"] = [s.replace("guide.md#", "guide.ja.docx#") for s in it["expect"]["sources"]]
    return items


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-v", "--verbose", action="store_true", help="list each wrong answer")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="hostguide-"))
    for form in ("written", "labels", "word"):
        knowledge = build(form, tmp / form / "knowledge")
        engine = Engine.open(Settings(knowledge=knowledge, store=tmp / form / "store").engine_config())
        rows = run_eval(engine, questions(form))
        o = summarize(rows)["overall"]
        langs = {k: v["correct"] for k, v in summarize(rows)["by_lang"].items()}
        print(f"{form:8} correct {o['correct']:.3f}  hit@1 {o['hit@1']:.3f}  facts {o['fact_accuracy']:.3f}"
              f"  (n={len(rows)}) by language {langs}", flush=True)
        if args.verbose:
            for r in rows:
                if not r.correct or r.rank != 1:
                    print(f"   {r.id} correct={r.correct} rank={r.rank} {r.q}\n      {r.answer['answer'][:160]!r}")


if __name__ == "__main__":
    main()
