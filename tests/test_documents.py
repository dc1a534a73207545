"""Loading manuals: Markdown sections, Word headings, PDF pages."""

from __future__ import annotations

from pathlib import Path

from ingest.retrieval.documents import load_document, parse_markdown


def test_each_heading_starts_a_section_with_its_heading_path():
    text = "# Guide\n\nintro\n\n## Heating\n\nPress run.\n\n### Errors\n\nCall us.\n"
    sections, problems = parse_markdown(text, Path("manual.en.md"), "houses/h/manual.en.md")
    assert problems == []
    assert [(s.heading, s.heading_path) for s in sections] == [
        ("Guide", ["Guide"]),
        ("Heating", ["Guide", "Heating"]),
        ("Errors", ["Guide", "Heating", "Errors"]),
    ]


def test_setext_headings_start_sections_as_hash_headings_do():
    # Japanese hosts underline their headings ("【基本情報】" over "-----"): the whole guide
    # was read as one section with no heading
    text = ("森のいえ　ご利用案内\n===========\n\nようこそ\n\n"
            "【基本情報】\n---------\n定員6名\n\n【ルール】\n------\n禁煙です\n")
    sections, _ = parse_markdown(text, Path("guide.md"), "guide.md")
    assert [(s.heading, s.heading_path) for s in sections] == [
        ("森のいえ　ご利用案内", ["森のいえ　ご利用案内"]),
        ("【基本情報】", ["森のいえ　ご利用案内", "【基本情報】"]),
        ("【ルール】", ["森のいえ　ご利用案内", "【ルール】"]),
    ]
    assert sections[1].text.strip() == "定員6名"


def test_a_rule_under_a_paragraph_list_or_blank_line_is_no_heading():
    text = "# Guide\n\nFirst line of a paragraph\nits last line\n---\n\n- an item\n---\n\n---\nEnd.\n"
    sections, _ = parse_markdown(text, Path("g.en.md"), "g.en.md")
    assert [s.heading for s in sections] == ["Guide"]


def test_language_comes_from_the_file_name_then_front_matter_then_japanese():
    assert parse_markdown("# a\nb", Path("m.en.md"), "m.en.md")[0][0].lang == "en"
    assert parse_markdown("---\nlang: ko\n---\n# a\nb", Path("m.md"), "m.md")[0][0].lang == "ko"
    assert parse_markdown("# a\nb", Path("m.md"), "m.md")[0][0].lang == "ja"


def test_headings_inside_code_fences_are_text():
    sections, _ = parse_markdown("# T\n\n```\n# not a heading\n```\n", Path("m.md"), "m.md")
    assert len(sections) == 1 and "# not a heading" in sections[0].text


def test_word_manuals_are_split_by_heading_styles(tmp_path):
    import docx

    d = docx.Document()
    d.add_heading("ゲストガイド", level=1)
    d.add_paragraph("ようこそ。")
    d.add_heading("Wi-Fi", level=2)
    d.add_paragraph("パスワードは abc-123 です。")
    path = tmp_path / "manual.docx"
    d.save(str(path))
    sections, problems = load_document(path, tmp_path)
    assert problems == []
    wifi = [s for s in sections if s.heading == "Wi-Fi"][0]
    assert "abc-123" in wifi.text and wifi.heading_path == ["ゲストガイド", "Wi-Fi"]


def test_a_word_manual_without_heading_styles_is_split_at_its_bold_lines(tmp_path):
    import docx

    d = docx.Document()
    d.add_paragraph().add_run("森のいえ ご利用案内").bold = True
    d.add_paragraph("ようこそ。")
    d.add_paragraph().add_run("Wi-Fi").bold = True
    d.add_paragraph("パスワードは abc-123 です。")
    d.add_paragraph().add_run("チェックイン：15:00").bold = True  # a fact in bold, not a heading
    d.add_paragraph("【ごみの出し方】")
    d.add_paragraph("燃やすごみは月曜です。")
    path = tmp_path / "guide.ja.docx"
    d.save(str(path))
    sections, _ = load_document(path, tmp_path)
    assert [(s.heading, s.heading_path) for s in sections] == [
        ("森のいえ ご利用案内", ["森のいえ ご利用案内"]),
        ("Wi-Fi", ["森のいえ ご利用案内", "Wi-Fi"]),
        ("【ごみの出し方】", ["森のいえ ご利用案内", "【ごみの出し方】"]),
    ]
    assert "チェックイン：15:00" in sections[1].text


def test_without_heading_styles_larger_type_marks_the_headings_and_bold_lines_stay_text(tmp_path):
    import docx
    from docx.shared import Pt

    d = docx.Document()

    def line(text: str, *, size: int | None = None, bold: bool = False) -> None:
        run = d.add_paragraph().add_run(text)
        run.bold = bold or None
        if size:
            run.font.size = Pt(size)

    line("Quick start: the house", size=18, bold=True)
    line("Trash", size=14, bold=True)
    line("Bins go out on Friday.")
    line("Holiday weeks", bold=True)  # bold inside a section: not a heading
    line("Pickup runs a day late.")
    line("Parking", size=14, bold=True)
    line("Two cars fit in the driveway.")
    path = tmp_path / "guide.en.docx"
    d.save(str(path))
    sections, _ = load_document(path, tmp_path)
    assert [(s.heading, s.heading_path) for s in sections] == [
        ("Trash", ["Quick start: the house", "Trash"]), ("Parking", ["Quick start: the house", "Parking"])]
    assert "Holiday weeks" in sections[0].text and "a day late" in sections[0].text


def test_a_larger_title_alone_leaves_the_bold_lines_as_headings(tmp_path):
    import docx
    from docx.shared import Pt

    d = docx.Document()
    title = d.add_paragraph().add_run("Guest guide")
    title.bold, title.font.size = True, Pt(20)
    for heading, body in (("Wi-Fi", "The password is on the router."), ("Trash", "Bins go out on Friday.")):
        d.add_paragraph().add_run(heading).bold = True
        d.add_paragraph(body)
    path = tmp_path / "guide.en.docx"
    d.save(str(path))
    sections, _ = load_document(path, tmp_path)
    assert [(s.heading, s.heading_path) for s in sections] == [
        ("Wi-Fi", ["Guest guide", "Wi-Fi"]), ("Trash", ["Guest guide", "Trash"])]


def test_a_markdown_file_without_headings_is_split_at_its_label_lines():
    text = "森のいえの案内\n\n【Wi-Fi】\nSSID: mori\n\n**Rules**\nNo smoking.\n**Check-in: 15:00**\n"
    sections, _ = parse_markdown(text, Path("guide.md"), "guide.md")
    assert [(s.heading, s.text.strip()) for s in sections] == [
        ("guide", "森のいえの案内"), ("【Wi-Fi】", "SSID: mori"), ("Rules", "No smoking.\n**Check-in: 15:00**"),
    ]


def test_a_plain_text_manual_is_read_and_split_at_its_label_lines(tmp_path):
    # hosts write guides in Notepad as often as in Word
    path = tmp_path / "guide.ja.txt"
    path.write_text("森のいえ ご利用案内\n\n【Wi-Fi】\nパスワード：shiretoko2024\n\n【ごみ】\n燃やすごみは月曜です。\n",
                    encoding="utf-8")
    sections, problems = load_document(path, tmp_path)
    assert problems == [] and [s.heading for s in sections] == ["guide", "【Wi-Fi】", "【ごみ】"]
    assert sections[1].meta.lang == "ja" and "shiretoko2024" in sections[1].text


def test_a_plain_text_manual_saved_as_shift_jis_is_read_with_a_warning(tmp_path):
    from ingest.retrieval.documents import read_document

    path = tmp_path / "memo.txt"
    path.write_bytes("【ごみ】\n燃やすごみは月曜です。\n".encode("cp932"))
    loaded = read_document(path, tmp_path, ("ja",))
    assert loaded.problems == [] and "燃やすごみは月曜です。" in loaded.sections[-1].text
    assert any("Shift_JIS" in w.message for w in loaded.warnings)


NUMBERED = ("ふれあいハウス 滞在のしおり\n\n1．到着したら\n玄関の鍵はキーボックスにあります。\n\n"
            "2．インターネット\nパスワードはルーターの側面にあります。\n\n3．冬の注意\n"
            "■ 水道の凍結\n寝る前に水抜きをしてください。\n■ 屋根の雪\n北側の窓の下に近づかないでください。\n")


def test_a_file_without_headings_is_split_at_its_numbered_and_marked_topic_lines():
    # a municipal 「滞在のしおり」 numbers its topics: it was one section, quoted whole
    sections, _ = parse_markdown(NUMBERED, Path("manual.ja.md"), "manual.ja.md")
    assert [(s.heading, s.heading_path[-2:]) for s in sections] == [
        ("manual", ["manual"]), ("到着したら", ["到着したら"]), ("インターネット", ["インターネット"]),
        ("水道の凍結", ["冬の注意", "水道の凍結"]), ("屋根の雪", ["冬の注意", "屋根の雪"])]
    assert sections[1].text.strip() == "玄関の鍵はキーボックスにあります。"


def test_a_title_heading_alone_does_not_keep_the_topic_lines_from_being_headings():
    # "# 滞在のしおり" over numbered topics: the one marked heading is the file's title
    sections, _ = parse_markdown("# " + NUMBERED, Path("manual.ja.md"), "manual.ja.md")
    assert [s.heading for s in sections] == ["到着したら", "インターネット", "水道の凍結", "屋根の雪"]
    assert sections[0].heading_path == ["ふれあいハウス 滞在のしおり", "到着したら"]


def test_a_numbered_procedure_is_steps_not_headings():
    text = "Router\n\n1. Unplug the router\n2. Wait 30 seconds\n3. Plug it back in\n"
    sections, _ = parse_markdown(text, Path("wifi.en.md"), "wifi.en.md")
    assert len(sections) == 1 and "2. Wait 30 seconds" in sections[0].text


def test_numbers_that_do_not_count_up_or_lines_holding_a_value_are_not_headings():
    for text in ("1. Heating\nPress run.\n\n3. Parking\nIn front.\n",
                 "2026 winter guide\nSee below.\n\n2027 summer\nLater.\n",
                 "1. Check-in: 15:00\nAt the door.\n\n2. Check-out: 10:00\nLeave keys.\n"):
        sections, _ = parse_markdown(text, Path("g.en.md"), "g.en.md")
        assert len(sections) == 1, text


def test_a_run_of_marked_lines_is_a_list_not_headings():
    text = "ごみ\n■ 燃やすごみ 月曜\n■ 資源ごみ 水曜\n■ 燃やさないごみ 第2金曜\n"
    sections, _ = parse_markdown(text, Path("gomi.ja.md"), "gomi.ja.md")
    assert len(sections) == 1 and "■ 資源ごみ 水曜" in sections[0].text


def test_a_word_manual_typed_with_numbered_topic_lines_is_split_at_them(tmp_path):
    import docx

    d = docx.Document()
    for line in NUMBERED.splitlines():
        if line:
            d.add_paragraph(line)
    d.save(str(tmp_path / "manual.ja.docx"))
    sections, _ = load_document(tmp_path / "manual.ja.docx", tmp_path)
    assert [s.heading for s in sections][1:] == ["到着したら", "インターネット", "水道の凍結", "屋根の雪"]


def test_a_word_manual_with_only_a_title_style_is_split_at_its_numbered_topic_lines(tmp_path):
    import docx

    d = docx.Document()
    lines = [ln for ln in NUMBERED.splitlines() if ln]
    d.add_heading(lines[0], level=0)  # the Title style
    for line in lines[1:]:
        d.add_paragraph(line)
    d.save(str(tmp_path / "manual.ja.docx"))
    sections, _ = load_document(tmp_path / "manual.ja.docx", tmp_path)
    assert [s.heading for s in sections] == ["到着したら", "インターネット", "水道の凍結", "屋根の雪"]


CAPTIONED = ("北の家 滞在ガイド\n\nようこそ。困ったことがあればLINEで連絡してください。\n\n"
             "ごみの出し方\n- 燃やせるごみは月曜と木曜です。\n- 缶・びんは水曜日です。\n\n"
             "よくある質問\n\nQ：タオルはありますか？\nA：人数分あります。\n\n"
             "連絡先\n| 名前 | 電話 |\n|---|---|\n| 北見ハイヤー | 0157-23-1111 |\n")


def test_a_file_without_headings_is_split_at_the_lines_introducing_its_lists_tables_and_faq():
    # 「タクシーの電話番号」 met one section (the whole guide) and was declined
    sections, _ = parse_markdown(CAPTIONED, Path("guide.ja.md"), "guide.ja.md")
    assert [s.heading for s in sections] == ["guide", "ごみの出し方", "よくある質問", "連絡先"]
    assert sections[1].text.strip() == "- 燃やせるごみは月曜と木曜です。\n- 缶・びんは水曜日です。"


def test_one_line_before_a_list_is_its_lead_in_not_a_heading():
    text = "Before you leave\n- Turn off the heater\n- Lock the door\n\nThanks for staying with us.\n"
    sections, _ = parse_markdown(text, Path("g.en.md"), "g.en.md")
    assert len(sections) == 1 and "Before you leave" in sections[0].text


def test_a_short_line_before_prose_or_holding_a_value_introduces_no_list():
    text = ("Heating\nPress the run button.\n\nParking\nIn front of the house.\n\n"
            "Check-in: 15:00\n- Code by LINE\n\nWi-Fi: DOTO\n- Password on the router\n")
    sections, _ = parse_markdown(text, Path("g.en.md"), "g.en.md")
    assert len(sections) == 1


def test_a_word_manual_typed_with_captions_is_split_at_them_and_cited_by_its_name(tmp_path):
    import docx

    d = docx.Document()
    for line in CAPTIONED.splitlines():
        if line.strip() and not line.startswith("|"):
            d.add_paragraph(line)
    table = d.add_table(rows=2, cols=2)
    for r, row in enumerate([("名前", "電話"), ("北見ハイヤー", "0157-23-1111")]):
        for c, text in enumerate(row):
            table.cell(r, c).text = text
    d.save(str(tmp_path / "guide.ja.docx"))
    sections, _ = load_document(tmp_path / "guide.ja.docx", tmp_path)
    assert [s.heading for s in sections] == ["guide", "ごみの出し方", "よくある質問", "連絡先"]
    assert "北見ハイヤー | 0157-23-1111" in sections[-1].text


def test_a_pdf_all_in_one_type_is_split_at_its_numbered_topic_lines(tmp_path):
    path = tmp_path / "manual.en.pdf"
    path.write_bytes(_minimal_pdf(["House guide", "1. Heating", "Press the run button to start the heater.",
                                   "2. Parking", "Park in front of the house."]))
    sections, _ = load_document(path, tmp_path)
    assert [(s.heading, s.text.strip()) for s in sections][1:] == [
        ("Heating", "Press the run button to start the heater."), ("Parking", "Park in front of the house.")]
    assert (sections[0].heading, sections[0].text.strip()) == ("manual", "House guide")  # was cited as ""


def test_label_lines_are_text_in_a_file_that_marks_its_headings():
    sections, _ = parse_markdown("# Guide\n\n## Trash\n\n**Pickup day checklist**\n- Night before: tie bags.\n",
                                 Path("g.en.md"), "g.en.md")
    assert [s.heading for s in sections] == ["Trash"] and "Pickup day checklist" in sections[0].text


def _minimal_pdf(lines: list[str]) -> bytes:
    """A one-page PDF with text lines (Helvetica, ASCII), written by hand."""
    content = "BT /F1 12 Tf 72 720 Td " + " ".join(f"({ln}) Tj 0 -16 Td" for ln in lines) + " ET"
    objs = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        "/Resources << /Font << /F1 5 0 R >> >> >>",
        f"<< /Length {len(content)} >>\nstream\n{content}\nendstream",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = b"%PDF-1.4\n", []
    for i, body in enumerate(objs, start=1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n{body}\nendobj\n".encode()
    xref = len(out)
    out += f"xref\n0 {len(objs) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer\n<< /Size {len(objs) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return out


def test_pdf_pages_become_sections_titled_by_their_first_line(tmp_path):
    path = tmp_path / "manual.en.pdf"
    path.write_bytes(_minimal_pdf(["Heating", "Press the run button to start the heater."]))
    sections, problems = load_document(path, tmp_path)
    assert problems == []
    assert sections[0].heading == "Heating" and "run button" in sections[0].text
    assert sections[0].lang == "en"


def test_language_comes_from_other_name_forms_too():
    from ingest.retrieval.documents import lang_from_name

    assert [lang_from_name(Path(n)) for n in ("manual.en.pdf", "guide_ja.docx", "guide-ko.md", "check-in.md",
                                              "house-rules.md", "manual.md")] == ["en", "ja", "ko", None, None, None]


def test_an_unnamed_file_takes_the_language_of_its_text():
    english = "# Check-in\n\nUse the smart lock code we send on arrival day and close the door fully.\n"
    sections, _ = parse_markdown(english, Path("check-in.md"), "check-in.md", ("ja", "en"))
    assert (sections[0].lang, sections[0].meta.lang_source) == ("en", "content")
    korean = "# 체크인\n\n도착하는 날에 보내 드리는 스마트 잠금 코드를 사용하고 문을 완전히 닫아 주세요.\n"
    assert parse_markdown(korean, Path("a.md"), "a.md", ("ja",))[0][0].lang == "ko"


def test_a_file_too_short_to_tell_takes_the_house_language_with_a_warning(tmp_path):
    from ingest.retrieval.documents import read_document

    path = tmp_path / "wifi.md"
    path.write_text("# Wi-Fi\n\nSSID: fox-5G\n", encoding="utf-8")
    got = read_document(path, tmp_path, ("en",))
    assert got.sections[0].lang == "en" and got.sections[0].meta.lang_source == "house languages"
    assert any(w.line == 1 and "cannot tell the language" in w.message for w in got.warnings)


def test_the_real_guide_dropped_in_unchanged_is_read_as_english(tmp_path):
    from ingest.validate import scan_knowledge
    from tests.realguide import build

    scan = scan_knowledge(build(tmp_path / "k"))
    assert scan.ok, scan.problems
    assert {s.lang for d in scan.docs for s in d.sections} == {"en"}
    assert "houses/fox-den/check-in.md: en (content)" in scan.decisions
    assert any(w.path == "houses/fox-den/wifi-tv.md" and w.line == 6 for w in scan.warnings)


def test_each_line_is_embedded_under_its_heading_and_under_its_heading_path():
    from ingest.retrieval.units import unit_labels, unit_texts

    labels = unit_labels("Details", "Parking > Details")
    assert unit_texts(labels, "- Use the left space.\n**Ask** us if full.") == [
        "Details: Use the left space.", "Parking > Details: Use the left space.",
        "Details: Ask us if full.", "Parking > Details: Ask us if full.",
    ]
    assert unit_labels("Parking", "Parking") == ["Parking"]
