"""The same guide dropped in as Word or as a printed PDF reads like its Markdown.

The real host guide (tests/realguide.py) is converted once per module the way hosts make
these files (tests/fakes/guide_formats.py: Word styles; Chromium's "Save as PDF" with its
date/title header and file/page footer on every page); so is a Japanese house manual (the
eval corpus's, printed in a CJK font and saved under a Japanese Word template's style names)."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import pytest
import realguide

from fakes.guide_formats import chromium, markdown_to_docx, markdown_to_pdf
from ingest.retrieval.documents import Section, load_document
from ingest.retrieval.pdftext import PdfLine, outline
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


# --- Japanese guides ------------------------------------------------------------------------
# A Japanese house manual (the eval corpus's KITAMI BASE, beside the project) printed by
# Chromium in a CJK font and saved by Word under a Japanese template's style names.

EVAL_CORPUS = realguide.GUIDE.parents[2] / "eval" / "corpus"
JA_MANUAL = Path("houses/kitami-base/manual.ja.md")


@pytest.fixture(scope="module")
def japanese(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The manual as .md (linked), as .docx with Japanese style names and, with Chromium, .pdf."""
    src = EVAL_CORPUS / JA_MANUAL
    if not src.is_file():
        pytest.skip("the eval corpus is not checked out beside the project")
    out = tmp_path_factory.mktemp("japanese")
    (out / "manual.ja.md").symlink_to(src)
    markdown_to_docx(src, out / "manual.ja.docx", styles="ja")
    if chromium():
        markdown_to_pdf(src, out / "manual.ja.pdf")
    return out


def _ja_sections(folder: Path, name: str) -> list[Section]:
    sections, problems = load_document(folder / name, folder, ("ja",))
    assert problems == []
    return sections


@needs_chromium
def test_a_japanese_pdfs_wrapped_lines_are_joined_without_spaces(japanese):
    pdf = _lines(_ja_sections(japanese, "manual.ja.pdf"))
    markdown = _lines(_ja_sections(japanese, "manual.ja.md"))
    assert len([ln for ln in markdown if ln in set(pdf)]) >= 0.9 * len(markdown)
    locker = next(ln for ln in markdown if ln.startswith("1階入口のキーロッカー"))
    assert locker in pdf  # printed on two lines, one sentence again, no space where it wrapped
    assert not [ln for ln in pdf if re.search(r"\d [時分階]|[北見駅から徒歩] \d", ln)]  # "徒歩4分", not "徒歩 4 分"


@needs_chromium
def test_a_japanese_pdf_reads_its_characters_as_typed_and_its_headings_as_sections(japanese):
    pdf = _ja_sections(japanese, "manual.ja.pdf")
    served = "\n".join(s.heading + "\n" + s.text for s in pdf)
    assert not re.search(r"[\u2e80-\u2fdf\u2027\u2215]", served)  # 見 not ⾒ (a radical), ・ not ‧
    markdown = _ja_sections(japanese, "manual.ja.md")
    assert [s.heading for s in pdf][1:] == [s.heading for s in markdown][1:]


def test_a_word_guide_with_japanese_heading_style_names_gives_sections(japanese):
    markdown = [s.heading_path for s in _ja_sections(japanese, "manual.ja.md")]
    assert [s.heading_path for s in _ja_sections(japanese, "manual.ja.docx")] == markdown


def test_a_word_heading_style_of_the_hosts_own_counts_by_what_it_is_based_on(tmp_path):
    import docx
    from docx.enum.style import WD_STYLE_TYPE

    d = docx.Document()
    chapter = d.styles.add_style("章タイトル", WD_STYLE_TYPE.PARAGRAPH)
    chapter.base_style = d.styles["Heading 2"]
    d.add_paragraph("ゴミ出し", style=chapter)
    d.add_paragraph("燃やせるごみは月曜日と木曜日です。")
    d.add_paragraph("駐車場", style=chapter)
    d.add_paragraph("家の前に2台まで停められます。")
    d.save(str(tmp_path / "guide.ja.docx"))
    sections = {s.heading: s.text for s in load_document(tmp_path / "guide.ja.docx", tmp_path)[0]}
    assert sections["駐車場"] == "家の前に2台まで停められます。"


def _line(page: int, text: str, y: float, size: float = 11.0, x: float = 70.0, end: float | None = None) -> PdfLine:
    return PdfLine(page, text, x, y, size, False, x + len(text) * size if end is None else end)


def test_full_width_bullets_and_numbers_start_list_items_and_japanese_page_numbers_go():
    full = "この行は右の余白まで文字で埋まっていて次の行に続きま"  # 26 CJK characters reach the margin
    parking = "専用の駐車場はないので、となりのコインパーキングを使ってくだ"
    pages = [[_line(1, "館内ルール", 800, size=16), _line(1, full, 770), _line(1, "す。", 755),
              _line(1, "・全館禁煙です", 740), _line(1, "・静かに過ごしてください", 725),
              _line(1, "①鍵を返す", 710), _line(1, "１．窓を閉める", 695), _line(1, "－ １ －", 40)],
             [_line(2, "駐車場", 800, size=16), _line(2, parking[:26], 770), _line(2, parking[26:] + "さい。", 755),
              _line(2, "2 / 2 ページ", 40)]]
    blocks = [(b.level, b.text) for b in outline(pages)]
    assert blocks == [(1, "館内ルール"), (0, full + "す。"), (0, "・全館禁煙です"), (0, "・静かに過ごしてください"),
                      (0, "①鍵を返す"), (0, "１．窓を閉める"), (1, "駐車場"), (0, parking + "さい。")]


@needs_chromium
def test_a_japanese_pdf_answers_like_its_markdown(japanese, tmp_path):
    import shutil

    from bot.config import Settings
    from bot.engine.contract import Question
    from bot.engine.engine import Engine

    knowledge = tmp_path / "knowledge"
    shutil.copytree(EVAL_CORPUS, knowledge)
    (knowledge / JA_MANUAL).unlink()
    shutil.copy(japanese / "manual.ja.pdf", knowledge / JA_MANUAL.with_suffix(".pdf"))
    engine = Engine.open(Settings(knowledge=knowledge, store=tmp_path / "store").engine_config())
    asked = {"Wi-Fiのパスワードは？": "okhotsk-base-3388", "チェックアウトの時間は？": "11:00",
             "カードキーはどこに返せばいい？": "返却ポスト", "会議室は予約が必要？": "1時間500円"}
    for q, fact in asked.items():
        answer = engine.answer(Question(text=q, house_id="kitami-base", now=datetime(2026, 7, 10, 18)))
        assert fact in answer.text and not re.search(r"[\u2e80-\u2fdf]", answer.text), (q, answer.text)
