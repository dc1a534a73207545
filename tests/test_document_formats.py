"""The same guide dropped in as Word or as a printed PDF reads like its Markdown.

The real host guide (tests/realguide.py) is converted once per module the way hosts make
these files (tests/fakes/guide_formats.py: Word styles; Chromium's "Save as PDF" with its
date/title header and file/page footer on every page)."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import pytest
import realguide

from fakes.guide_formats import chromium, markdown_to_docx, markdown_to_pdf
from ingest.retrieval.documents import Section, load_document
from ingest.retrieval.residue import serve_text

GUIDE_FILES = ("safety.md", "house-rules.md")
needs_chromium = pytest.mark.skipif(chromium() is None, reason="PDFs are printed by headless chromium (not installed)")


@pytest.fixture(scope="module")
def converted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The guide files as .md (linked), .docx and, with Chromium, .pdf in one folder."""
    if not realguide.GUIDE.is_dir():
        pytest.skip("the real guide is not checked out beside the project")
    out = tmp_path_factory.mktemp("formats")
    for name in GUIDE_FILES:
        src = realguide.GUIDE / name
        (out / name).symlink_to(src)
        markdown_to_docx(src, out / f"{src.stem}.docx")
        if chromium():
            markdown_to_pdf(src, out / f"{src.stem}.pdf")
    return out


def _knowledge(dst: Path, files: list[Path]) -> Path:
    """A knowledge folder whose one house holds ``files`` (beside the real guide's house.yaml)."""
    house = dst / "houses" / "fox-den"
    house.mkdir(parents=True)
    (dst / "areas" / "boulder").mkdir(parents=True)
    (dst / "site.yaml").write_text("timezone: America/Denver\ndefault_house: fox-den\n", encoding="utf-8")
    (house / "house.yaml").write_text(realguide.HOUSE_YAML, encoding="utf-8")
    for path in files:
        (house / path.name).symlink_to(path.resolve())
    return dst


def _sections(folder: Path, name: str) -> list[Section]:
    sections, problems = load_document(folder / name, folder, ("en",))
    assert problems == []
    return sections


def _lines(sections: list[Section]) -> list[str]:
    """Served lines without Markdown's bullets and emphasis (the other formats have none)."""
    return [re.sub(r"^\s*[-*+] |\*\*", "", ln).strip() for s in sections
            for ln in serve_text(s.text).text.splitlines() if ln.strip()]


@needs_chromium
def test_a_printed_pdfs_headings_become_the_markdowns_sections(converted):
    for stem in ("safety", "house-rules"):
        markdown = [s.heading_path for s in _sections(converted, f"{stem}.md")]
        assert [s.heading_path for s in _sections(converted, f"{stem}.pdf")] == markdown


@needs_chromium
def test_a_printed_pdfs_headers_footers_and_page_numbers_are_not_served(converted):
    served = "\n".join(_lines(_sections(converted, "safety.pdf")))
    assert "file://" not in served and ".html" not in served
    assert not re.search(r"^\s*\d+\s*/\s*\d+\s*$|\b\d{1,2}/\d{1,2}/\d{2,4}, \d{1,2}:\d{2}", served, re.MULTILINE)


@needs_chromium
def test_lines_a_pdf_wrapped_are_joined_back_into_their_sentences(converted):
    pdf = set(_lines(_sections(converted, "safety.pdf")))
    markdown = _lines(_sections(converted, "safety.md"))
    same = [ln for ln in markdown if ln in pdf]
    assert len(same) >= 0.9 * len(markdown)
    hospital = next(ln for ln in markdown if ln.startswith("Nearest Hospital"))
    assert hospital in pdf  # three printed lines, one line again


def test_a_word_guides_headings_become_the_markdowns_sections(converted):
    for stem in ("safety", "house-rules"):
        markdown = [s.heading_path for s in _sections(converted, f"{stem}.md")]
        assert [s.heading_path for s in _sections(converted, f"{stem}.docx")] == markdown


def test_word_list_paragraphs_keep_a_bullet_like_markdown(converted):
    rules = next(s for s in _sections(converted, "house-rules.docx") if s.heading == "Core rules")
    assert rules.text.splitlines()[0].startswith("- ")


def test_a_word_table_stays_in_the_section_it_stands_in(tmp_path):
    import docx

    d = docx.Document()
    d.add_heading("Guide", level=1)
    d.add_heading("Rates", level=2)
    table = d.add_table(rows=2, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "Extra towel", "$5"
    table.cell(1, 0).text, table.cell(1, 1).text = "Late checkout", "$30"
    d.add_heading("Wi-Fi", level=2)
    d.add_paragraph("The password is on the router.")
    d.save(str(tmp_path / "guide.en.docx"))
    sections = {s.heading: s.text for s in load_document(tmp_path / "guide.en.docx", tmp_path)[0]}
    assert "Late checkout | $30" in sections["Rates"] and "$30" not in sections["Wi-Fi"]


@needs_chromium
def test_a_pdf_whose_headings_are_only_bold_lines_gets_them_as_sections(tmp_path):
    src = tmp_path / "plain.md"
    src.write_text("**Heating**\n\nPress the red button on the panel to start the heater.\n\n"
                   "**Parking**\n\nPark in the two spaces in front of the house, never on the street.\n",
                   encoding="utf-8")
    pdf = markdown_to_pdf(src, tmp_path / "plain.en.pdf")
    sections = {s.heading: s.text for s in load_document(pdf, tmp_path)[0]}
    assert "red button" in sections["Heating"] and "two spaces" in sections["Parking"]


@needs_chromium
def test_a_pdf_and_a_word_guide_answer_like_the_markdown(converted, tmp_path):
    from bot.config import Settings
    from bot.engine.contract import Question
    from bot.engine.engine import Engine

    asked = {"where is the fire extinguisher": "slatted", "closest ER": "Foothills",
             "police non emergency number?": "303-441-3333"}
    for suffix in ("md", "docx", "pdf"):
        knowledge = _knowledge(tmp_path / suffix, [converted / f"{Path(n).stem}.{suffix}" for n in GUIDE_FILES])
        engine = Engine.open(Settings(knowledge=knowledge, store=tmp_path / f"store-{suffix}").engine_config())
        for q, fact in asked.items():
            answer = engine.answer(Question(text=q, house_id="fox-den", now=datetime(2026, 7, 10, 18)))
            assert fact in answer.text, (suffix, q, answer.text)
