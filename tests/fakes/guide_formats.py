"""The same guide as a host would drop it in as Word or PDF (for tests and benchmarks only).

Hosts keep their guide in Word or print it to PDF from a browser; to measure what each
format loses, a Markdown guide is turned into both the way those tools would write it:

- ``.docx`` with python-docx: ``Heading 1/2/3`` styles, ``List Bullet``/``List Number``
  paragraphs (``… 2`` when nested), bold runs, link text without the link, tables; with
  ``styles="ja"`` the styles carry the names and ids a Japanese Word template gives them
  (``見出し 1`` with id ``1``, ``箇条書き``, ``段落番号``, ``標準``).
- ``.pdf`` by rendering the Markdown to HTML (markdown-it-py) and printing it with
  headless Chromium, as "Print → Save as PDF" does: real fonts, wrapped lines, and, with
  ``headers=True``, the browser's running header (date, title) and footer (file URL,
  page n/N) on every page.

Nothing here is project runtime code; conversions go to the folder the caller names.
"""

from __future__ import annotations

import html
import shutil
import subprocess
from pathlib import Path
from typing import Any

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "chrome")

_CSS = """
body { font-family: "DejaVu Sans", "Liberation Sans", Arial, "Noto Sans CJK JP", sans-serif;
       font-size: 11pt; line-height: 1.35; margin: 0 1.5cm; }
h1 { font-size: 22pt; } h2 { font-size: 16pt; } h3 { font-size: 13pt; }
table { border-collapse: collapse; } td, th { border: 1px solid #999; padding: 2px 6px; }
"""


def chromium() -> str | None:
    """The headless browser's path, or None when none is installed."""
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def markdown_html(text: str, title: str) -> str:
    """A whole HTML page for the Markdown ``text`` (front matter is not shown)."""
    from markdown_it import MarkdownIt

    body = MarkdownIt("commonmark").enable("table").render(_without_front_matter(text))
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
            f"<style>{_CSS}</style></head><body>{body}</body></html>")


def markdown_to_pdf(src: Path, dst: Path, *, headers: bool = True, timeout: float = 60) -> Path:
    """Print the Markdown file ``src`` to the PDF ``dst`` with headless Chromium; with
    ``headers`` the browser adds its running header and footer (page numbers)."""
    browser = chromium()
    if browser is None:
        raise RuntimeError("no chromium on PATH")
    dst.parent.mkdir(parents=True, exist_ok=True)
    page = dst.with_suffix(".html")
    page.write_text(markdown_html(src.read_text(encoding="utf-8"), src.stem), encoding="utf-8")
    args = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
            f"--user-data-dir={dst.parent / '.chromium-profile'}", f"--print-to-pdf={dst}"]
    if not headers:
        args.append("--no-pdf-header-footer")
    subprocess.run([*args, page.resolve().as_uri()], check=True, timeout=timeout,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    page.unlink()
    return dst


#: Word's built-in styles as a Japanese template names them (name, style id).
JA_STYLES = {"Normal": ("標準", "a"), "Title": ("表題", "a3"), "List Bullet": ("箇条書き", "a4"),
             "List Number": ("段落番号", "a5"),
             **{f"Heading {n}": (f"見出し {n}", str(n)) for n in (1, 2, 3)},
             **{f"List Bullet {n}": (f"箇条書き {n}", f"{n}0") for n in (2, 3)},
             **{f"List Number {n}": (f"段落番号 {n}", f"{n}1") for n in (2, 3)}}


def markdown_to_docx(src: Path, dst: Path, *, styles: str = "en") -> Path:
    """Write the Markdown file ``src`` as a Word document ``dst`` in Word's own styles
    (``styles="ja"``: under the names of a Japanese template; ``styles="none"``: headings as
    paragraphs in bold, as a host who never picks a heading style writes them; ``"sized"``:
    in bold and larger type, 18/14/12 pt by level)."""
    import docx
    from docx.shared import Pt
    from markdown_it import MarkdownIt

    tokens = MarkdownIt("commonmark").enable("table").parse(_without_front_matter(src.read_text(encoding="utf-8")))
    document = docx.Document()
    style_of = {name: document.styles[name] for name in JA_STYLES}
    if styles == "ja":
        for name, (local, style_id) in JA_STYLES.items():
            style_of[name].name, style_of[name].style_id = local, style_id
    lists: list[str] = []  # "bullet" / "number", innermost last
    row: list[str] | None = None
    rows: list[list[str]] = []
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if tok.type == "heading_open" and styles in ("none", "sized"):
            run = document.add_paragraph().add_run(_plain(tokens[i + 1]))
            run.bold = True
            if styles == "sized":
                run.font.size = Pt({1: 18, 2: 14}.get(int(tok.tag[1]), 12))
            i += 3
            continue
        if tok.type == "heading_open":
            document.add_paragraph(_plain(tokens[i + 1]), style=style_of[f"Heading {min(3, int(tok.tag[1]))}"])
            i += 3
            continue
        if tok.type in ("bullet_list_open", "ordered_list_open"):
            lists.append("bullet" if tok.type == "bullet_list_open" else "number")
        elif tok.type in ("bullet_list_close", "ordered_list_close"):
            lists.pop()
        elif tok.type == "table_open":
            rows = []
        elif tok.type == "tr_open":
            row = []
        elif tok.type == "tr_close" and row is not None:
            rows.append(row)
            row = None
        elif tok.type == "inline" and row is not None:
            row.append(_plain(tok))
        elif tok.type == "table_close" and rows:
            table = document.add_table(rows=len(rows), cols=max(len(r) for r in rows))
            for r, cells in enumerate(rows):
                for c, cell in enumerate(cells):
                    table.cell(r, c).text = cell
        elif tok.type == "inline":
            style = None
            if lists:
                style = "List Bullet" if lists[-1] == "bullet" else "List Number"
                if len(lists) > 1:
                    style += f" {min(3, len(lists))}"
            _add_runs(document.add_paragraph(style=style_of[style] if style else None), tok)
        elif tok.type in ("fence", "code_block"):
            for line in tok.content.splitlines():
                document.add_paragraph(line)
        i += 1
    dst.parent.mkdir(parents=True, exist_ok=True)
    document.save(str(dst))
    return dst


def convert_folder(src: Path, dst: Path, fmt: str, **options: Any) -> list[Path]:
    """Every ``*.md`` in ``src`` as ``fmt`` ("md" links the original) in ``dst``."""
    out = []
    for path in sorted(src.glob("*.md")):
        target = dst / f"{path.stem}.{fmt}"
        if fmt == "md":
            target.parent.mkdir(parents=True, exist_ok=True)
            if not target.exists():
                target.symlink_to(path.resolve())
        elif fmt == "docx":
            markdown_to_docx(path, target, **options)
        elif fmt == "pdf":
            markdown_to_pdf(path, target, **options)
        else:
            raise ValueError(f"unknown format {fmt!r}")
        out.append(target)
    return out


def _without_front_matter(text: str) -> str:
    lines = text.splitlines()
    if lines and lines[0].strip() == "---":
        for end in range(1, len(lines)):
            if lines[end].strip() in ("---", "..."):
                return "\n".join(lines[end + 1:])
    return text


def _plain(inline: Any) -> str:
    """An inline token's text without markup (links keep their text, images go)."""
    return "".join(child.content for child in inline.children or [] if child.type in ("text", "code_inline")) or \
        "".join("\n" if child.type in ("softbreak", "hardbreak") else "" for child in inline.children or [])


def _add_runs(paragraph: Any, inline: Any) -> None:
    """Append the inline token's text to ``paragraph``, bold and italic where it was."""
    bold = italic = False
    for child in inline.children or []:
        if child.type == "strong_open":
            bold = True
        elif child.type == "strong_close":
            bold = False
        elif child.type == "em_open":
            italic = True
        elif child.type == "em_close":
            italic = False
        elif child.type in ("text", "code_inline"):
            run = paragraph.add_run(child.content)
            run.bold, run.italic = bold or None, italic or None
        elif child.type in ("softbreak", "hardbreak"):
            paragraph.add_run(" " if child.type == "softbreak" else "\n")
