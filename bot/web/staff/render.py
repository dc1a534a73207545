"""Showing a knowledge file in the browser: Markdown rendered (raw HTML disabled, so a
file cannot inject script), CSV as a table, PDF and Word as the sections the bot reads."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from markdown_it import MarkdownIt

from ingest.retrieval.documents import read_document

_MD = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")
MAX_ROWS = 500


@dataclass
class Rendered:
    kind: str  # markdown | table | text | sections
    html: str = ""
    front_matter: str = ""
    rows: list[list[str]] | None = None
    text: str = ""
    sections: list[tuple[str, str]] | None = None


def split_front_matter(text: str) -> tuple[str, str]:
    if text.startswith("---\n") or text.startswith("---\r\n"):
        end = text.find("\n---", 4)
        if end != -1:
            close = text.find("\n", end + 4)
            close = len(text) if close == -1 else close + 1
            return text[4:end].strip(), text[close:]
    return "", text


def render_file(path: Path, root: Path) -> Rendered:
    suffix = path.suffix.lower()
    if suffix in (".md", ".markdown"):
        fm, body = split_front_matter(path.read_text(encoding="utf-8-sig", errors="replace"))
        return Rendered("markdown", html=_MD.render(body), front_matter=fm)
    if suffix == ".csv":
        reader = csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig", errors="replace")))
        rows = [row for _, row in zip(range(MAX_ROWS), reader, strict=False)]
        return Rendered("table", rows=rows)
    if suffix in (".pdf", ".docx"):
        loaded = read_document(path, root)
        return Rendered("sections", sections=[(s.heading, s.text) for s in loaded.sections],
                        text="\n".join(str(p) for p in loaded.problems))
    return Rendered("text", text=path.read_text(encoding="utf-8-sig", errors="replace"))
