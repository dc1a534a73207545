"""What transliterating an English guide's vocabulary costs at ingest (text.loanwords).

    .venv/bin/python bench/bench_transliteration.py [--words 20000]

The loanword bridge transliterates every word of the English pages (and its stem) once,
at ingest, with e2k; a re-ingest reuses the previous snapshot's. The budget bench's
synthetic corpus is Japanese, so this measures the English side: the real guide's words,
then a large vocabulary (the most frequent words of pyspellchecker's English list, the
size of a big English corpus), first ingest and re-ingest with one new file's words.
"""

from __future__ import annotations

import argparse
import json
import time
from importlib import resources
from pathlib import Path

from text.loanwords import english_words, transliterate

GUIDE = Path(__file__).resolve().parents[2] / "shared" / "realdata" / "house-manuals" / "fox_den_boulder"


def frequent_words(n: int) -> list[str]:
    """The ``n`` most frequent words of pyspellchecker's bundled English list."""
    import gzip

    raw = resources.files("spellchecker").joinpath("resources/en.json.gz").read_bytes()
    counts: dict[str, int] = json.loads(gzip.decompress(raw))
    return [w for w, _ in sorted(counts.items(), key=lambda kv: -kv[1]) if w.isalpha() and len(w) >= 3][:n]


def timed(words: list[str], known: dict[str, str] | None = None) -> tuple[dict[str, str], float]:
    t = time.process_time()
    out = transliterate(words, known)
    return out, time.process_time() - t


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--words", type=int, default=20000)
    args = ap.parse_args()
    guide = [w for p in sorted(GUIDE.rglob("*.md")) for w in english_words(p.read_text(encoding="utf-8"))]
    known, guide_s = timed(guide)
    print(f"real guide: {len(set(guide))} words (with stems), first ingest {guide_s:.2f} s CPU")
    big = english_words(" ".join(frequent_words(args.words)))
    known, first = timed(big)
    new_file = frequent_words(args.words + 300)[args.words:]  # a changed file: 300 words not seen yet
    _, again = timed(big + english_words(" ".join(new_file)), known)
    print(f"{len(big)} words (with stems): first ingest {first:.1f} s CPU "
          f"({1000 * first / len(big):.2f} ms a word); re-ingest with 300 new words {again:.2f} s CPU")


if __name__ == "__main__":
    main()
