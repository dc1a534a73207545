"""Template residue and page markup: never served, reported by validate with path:line."""

from __future__ import annotations

from pathlib import Path

from ingest.retrieval.chunking import chunk_sections
from ingest.retrieval.documents import parse_markdown, read_document
from ingest.retrieval.residue import is_markup, placeholder_in, question_answer_pairs, serve_text


def test_placeholder_lines_are_left_out_and_their_labels_kept_as_gaps():
    served = serve_text("- **Network:** _____________\n- **Password:** _______\n- Wi-Fi reaches every room.\n")
    assert served.text == "- Wi-Fi reaches every room."
    assert served.gaps == ["Network", "Password"]


def test_a_missing_link_is_left_out_but_is_no_gap():
    # "Check the rules here: <no link>" is not a fact a stayer asks for; as a gap its words
    # drew "where do I park?" and got "the guide leaves it blank".
    served = serve_text("Check Boulder parking rules here: PARKING_RULES_URL\n"
                        "- See the calendar: [Schedule]({{ SCHEDULE_URL }}).\n- **Network:** ____\n")
    assert served.text == "" and served.gaps == ["Network"]


def test_every_kind_of_template_blank_is_recognised():
    for line in ["Checkout by: : AM", "Bins located: ________.", "Pods are stored [location].",
                 "Grinder: [counter / cabinet]", "[ QR CODE HERE ]", "Shovel: **[INSERT SHOVEL LOCATION HERE]**",
                 'URL: "PASTE_THE_LINK_HERE"', "See [Schedule]({{ SCHEDULE_URL }}).",
                 "views of the :contentReference[oaicite:0]{index=0} and", "Rules: PARKING_RULES_URL",
                 "パスワード：〇〇〇〇", "電話 0157-XX-XXXX"]:
        assert placeholder_in(line), line


def test_ordinary_text_is_not_taken_for_a_placeholder():
    for line in ["See [Parking](parking.md) for spots.", "Code arrives in Airbnb. [Provided in Airbnb message]",
                 "宛名は「DOTO HOUSE 気付 ○○様」です。", "- [x] done", "Wi-Fi: hokkaido-doto-8151", "10:00 AM"]:
        assert placeholder_in(line) is None, line


def test_page_markup_is_not_content():
    for line in ["---", "[Check-in](check-in.md){ .cta }", "{: .cta-grid }", "[← Back to Inside the Fox Den](index.md)",
                 "- [Parking tips](parking.md)", 'SCHEDULE_URL: "https://example.org"', "|---|---|"]:
        assert is_markup(line), line
    assert not is_markup("Park in the driveway (see [Parking](parking.md)).")


def test_served_text_keeps_link_text_and_drops_attribute_lists():
    served = serve_text("Park first (see [Parking](parking.md)).\n[Wi-Fi](wifi.md){ .cta }\n---\nDone.")
    assert served.text == "Park first (see Parking).\nDone."


def test_a_title_one_line_intro_is_marked_and_not_indexed():
    text = "# Check-in\n\nFast pointers for arrival.\n\n## Entry\n\nUse the smart lock.\n"
    sections, _ = parse_markdown(text, Path("check-in.en.md"), "h/check-in.en.md")
    assert [s.intro for s in sections] == [True, False]
    chunks = chunk_sections(sections, file_hash="x", scope="house", house="h", area="a", title="Check-in")
    assert [c.metadata["heading"] for c in chunks] == ["Entry"]


def test_a_title_intro_under_a_heading_other_than_the_front_matter_title_is_an_intro_too():
    # winter.en.md: front matter "title: Winter living", heading "# Winter living (November-April)";
    # its intro answered "it's freezing in here"
    text = ("---\ntitle: Winter living\n---\n# Winter living (November-April)\n\n"
            "Lows reach -20°C.\n\n## Snow\n\nShovel.\n")
    sections, _ = parse_markdown(text, Path("winter.en.md"), "h/winter.en.md")
    assert [s.intro for s in sections] == [True, False]
    # a file without a top-level heading has no title section: its first short section stays
    sections, _ = parse_markdown("## Wi-Fi\n\nPassword: abc\n\n## Bath\n\nx\n", Path("m.en.md"), "m.en.md")
    assert not sections[0].intro


def test_a_long_title_intro_is_kept():
    intro = "DOTO HOUSE is a 45-year-old detached house in Biho-cho, renovated for two-week stays. " * 3
    sections, _ = parse_markdown(f"# Guide\n\n{intro}\n\n## Wi-Fi\n\nx\n", Path("m.en.md"), "m.en.md")
    assert not sections[0].intro


def test_validate_warns_about_each_placeholder_line_with_its_number(tmp_path):
    path = tmp_path / "wifi.en.md"
    path.write_text("# Wi-Fi\n\n- Network: _____\n- Works everywhere.\n- Password: [INSERT PASSWORD]\n",
                    encoding="utf-8")
    got = read_document(path, tmp_path)
    assert got.problems == []
    assert [(w.path, w.line) for w in got.warnings] == [("wifi.en.md", 3), ("wifi.en.md", 5)]


def test_a_placeholder_only_file_is_a_warning_naming_the_file_not_a_failure(tmp_path):
    path = tmp_path / "todo.en.md"
    path.write_text("# Wi-Fi\n\nNetwork: ________\nPassword: ________\n", encoding="utf-8")
    got = read_document(path, tmp_path)
    assert got.problems == []
    assert any(w.path == "todo.en.md" and "nothing in this file can be used" in w.message for w in got.warnings)


def test_markdown_table_rows_are_served_as_sentences_naming_their_columns():
    text = "| Who | Phone |\n|---|---|\n| Taxi | 0157-11-2222 |\n| Clinic | 0157-33-4444 |"
    assert serve_text(text).text == "Who: Taxi; Phone: 0157-11-2222\nWho: Clinic; Phone: 0157-33-4444"


def test_a_japanese_table_row_reads_with_japanese_punctuation():
    text = "| 曜日 | 出せるもの |\n|:--|:--|\n| 水 | 缶・びん |"
    assert serve_text(text).text == "曜日：水、出せるもの：缶・びん"


def test_a_label_and_value_table_reads_as_labelled_facts():
    # "項目：チェックイン、内容：16:00〜20:00" named the columns and buried the label
    text = "| 項目 | 内容 |\n|---|---|\n| チェックイン | 16:00〜20:00 |\n| Item | x |"
    assert serve_text(text).text == "チェックイン：16:00〜20:00\nItem: x"


def test_a_blank_table_cell_is_a_gap_named_by_its_row():
    served = serve_text("| Item | Value |\n|---|---|\n| Wi-Fi password | ____ |\n| SSID | fox-den |")
    assert served.gaps == ["Wi-Fi password"]
    assert "____" not in served.text and "SSID" in served.text


def test_a_word_table_with_a_repeated_header_row_names_its_columns(tmp_path):
    import docx
    from docx.oxml import OxmlElement

    from ingest.retrieval.documents import load_document

    d = docx.Document()
    d.add_heading("Numbers", level=1)
    table = d.add_table(rows=2, cols=2)
    texts = ["Who", "Phone", "Taxi", "0157-11-2222"]
    for cell, text in zip(table.rows[0].cells + table.rows[1].cells, texts, strict=True):
        cell.text = text
    table.rows[0]._tr.get_or_add_trPr().append(OxmlElement("w:tblHeader"))
    path = tmp_path / "guide.en.docx"
    d.save(str(path))
    sections, _ = load_document(path, tmp_path)
    assert serve_text(sections[0].text).text == "Who: Taxi; Phone: 0157-11-2222"


def test_a_question_and_its_answer_are_served_as_one_line():
    # alone, "Q：…できますか？" is the closest line to a stayer's question and answers nothing
    lines = ["Q：早めにチェックインできますか？", "A：14時から可能です。", "", "**Q2.** Can we park?", "",
             "**A.** Yes, two cars.", "Q: an unanswered one?", "Next paragraph."]
    assert question_answer_pairs(lines) == [
        "Q：早めにチェックインできますか？ A：14時から可能です。", "", "**Q2.** Can we park? **A.** Yes, two cars.",
        "Q: an unanswered one?", "Next paragraph.",
    ]
