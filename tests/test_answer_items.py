"""A section that is a list of separate answers (question-answer pairs, table rows) is
answered with the item asked about."""

from __future__ import annotations

import pytest

from bot.engine.contract import Question
from bot.engine.engine import Engine
from bot.retrieval.compose import extract
from bot.retrieval.items import qa_pairs, table_rows
from tests.conftest import at, one_house_engine

FAQ_EN = """# Tanno House FAQ

Answers to the questions guests ask most.

## Daily life

Q. Can I air the futons outside?
A. On fine days you can hang them on the balcony. Please bring them in by 4 p.m.

Q. Can we have a barbecue in the garden?
A. Barbecues are not allowed in the garden. Tanno Park nearby has a barbecue area.

Q. Is there a coin laundry nearby?
A. "Laundry Tanno" is on the national road, 5 minutes by car, open 6 a.m. to 10 p.m.

Q. Where can I post letters?
A. At Tanno Post Office (weekdays 9:00-17:00) or the postbox in front of Seicomart Tanno.
"""

FAQ_JA = """# よくある質問

## 暮らしについて

Ｑ１．布団を干してもいいですか？
Ａ１．天気の良い日はベランダに干せます。夕方4時までに取り込んでください。

Ｑ２．庭でバーベキューはできますか？
Ａ２．庭でのバーベキューはできません。近くの端野公園でできます。

Ｑ３．郵便はどこから出せますか？
Ａ３．端野郵便局（平日9時〜17時）か、セイコーマートの前のポストから出せます。
"""


@pytest.fixture(scope="module")
def faq_engine(tmp_path_factory, embeddings) -> Engine:
    return one_house_engine(tmp_path_factory.mktemp("faq") / "k", tmp_path_factory.mktemp("faq-store"), embeddings,
                            "tanno", {"faq.en.md": FAQ_EN, "faq.ja.md": FAQ_JA}, languages=("ja", "en"))


def ask(engine: Engine, text: str):
    return engine.answer(Question(text, "tanno", at("2026-12-02T09:00:00+09:00")))


def test_the_pair_asked_about_is_quoted_without_the_other_pairs(faq_engine):
    answer = ask(faq_engine, "where do i mail a letter")
    assert "Post Office" in answer.text
    assert "futons" not in answer.text and "barbecue" not in answer.text.lower()


def test_the_pair_keeps_its_question_in_writing_and_voice_speaks_only_the_answer(faq_engine):
    answer = ask(faq_engine, "can we bbq in the garden")
    assert answer.text.startswith("Q. Can we have a barbecue in the garden?")
    assert answer.speech.startswith("Barbecues are not allowed")


def test_numbered_full_width_japanese_pairs_are_pairs_too(faq_engine):
    answer = ask(faq_engine, "手紙を出したい")
    assert "郵便局" in answer.text and "布団" not in answer.text
    assert answer.speech.startswith("端野郵便局")


def test_pairs_are_found_in_a_joined_paragraph_and_on_separate_lines():
    joined = ["Q. Is there an iron? A. In the closet.", "Q. A hair dryer? A. In the drawer."]
    separate = ["**Is there an iron?**", "In the closet.", "**A hair dryer?**", "In the drawer."]
    for lines in (joined, separate):
        found = qa_pairs(lines)
        assert found is not None
        assert [p.answer for p in found] == ["In the closet.", "In the drawer."]


def test_a_section_with_one_question_line_or_words_starting_with_q_is_prose():
    assert qa_pairs(["Need help?", "Call the host at 303-555-0142."]) is None
    assert qa_pairs(["Quiet hours: 22:00-7:00.", "Quick tip: close the gate.", "Keys are in the box."]) is None


def test_a_list_of_questions_without_answers_is_not_a_list_of_pairs():
    assert qa_pairs(["Q. Where is the iron?", "Q. Where is the dryer?"]) is None


def test_pairs_about_as_close_are_quoted_together_in_the_section_s_order():
    text = "Q. Iron? A. In the closet.\n\nQ. Dryer? A. In the drawer.\n\nQ. TV? A. In the living room."
    scores = [("Q. Iron? A. In the closet.", 0.30), ("Q. Dryer? A. In the drawer.", 0.50),
              ("Q. TV? A. In the living room.", 0.49)]
    assert extract(text, "dryer and tv", 600, scores) == "Q. Dryer? A. In the drawer.\nQ. TV? A. In the living room."


def test_list_items_that_open_with_their_question_are_pairs():
    lines = ["・Can I arrive early? We'll try to help once cleaning is complete.",
             "・Can friends visit? Daytime visitors are fine within the occupancy."]
    found = qa_pairs(lines)
    assert found is not None
    assert [p.answer for p in found] == ["We'll try to help once cleaning is complete.",
                                         "Daytime visitors are fine within the occupancy."]


def test_the_lines_before_the_first_question_stay_a_candidate_answer():
    text = "Check-in is from 4 p.m.\n\nQ. Early arrival? A. Ask us.\n\nQ. Late arrival? A. Use the key box."
    scores = [("Check-in is from 4 p.m.", 0.6), ("Q. Early arrival? A. Ask us.", 0.3),
              ("Q. Late arrival? A. Use the key box.", 0.2)]
    assert extract(text, "what time is check-in", 600, scores) == "Check-in is from 4 p.m."


def test_the_real_guide_s_faq_list_answers_with_the_one_item_asked_about(real_guide):
    # kitchen.md › FAQs: "- **Does the house have a plunger?** Yes—under the bathroom sink." among
    # four such items; the whole list was the answer, the plunger last
    answer = real_guide.answer(Question("is there a plunger", "fox-den", at("2026-07-10T18:00:00-06:00")))
    assert answer.text == "・Does the house have a plunger? Yes—under the bathroom sink."
    assert answer.speech == "Yes—under the bathroom sink."


ROWS = ["Who: Caretaker; Phone: 0157-11-2233; Hours: 8:00-20:00",
        "Who: Taxi (Kitami Hire); Phone: 0157-22-3333; Hours: 24 hours",
        "Who: Kitami Red Cross Hospital; Phone: 0157-24-3115; Hours: 24 hours"]


def test_a_table_s_rows_are_items_and_a_cell_s_own_semicolon_stays_in_it():
    rows = ["Appliance: Dishwasher; How to use: Tablets under the sink; press Start.",
            "Appliance: Heater; How to use: Press the red button.",
            "Appliance: Rice cooker; How to use: Fill to the line; press 炊飯."]
    found = table_rows(["Appliances in the kitchen:", *rows])
    assert found is not None
    assert [it.lines for it in found] == [("Appliances in the kitchen:",), *[(r,) for r in rows]]
    assert [it.asked for it in found] == [False, True, True, True]


def test_two_rows_or_label_value_lines_are_not_a_table():
    assert table_rows(ROWS[:2]) is None
    assert table_rows(["Check-in: 16:00", "Check-out: 10:00", "Wi-Fi: kitami-guest"]) is None


def test_a_question_naming_one_row_gets_that_row():
    scores = [(ROWS[0], 0.20), (ROWS[1], 0.40), (ROWS[2], 0.21)]
    assert extract("\n".join(ROWS), "how do i call a taxi", 600, scores) == ROWS[1]


def test_a_question_about_the_whole_table_gets_every_row():
    # "phone" is a column: every row has it, so it names no row, and no row stands out
    scores = [(ROWS[0], 0.45), (ROWS[1], 0.36), (ROWS[2], 0.33)]
    assert extract("\n".join(ROWS), "useful phone numbers", 600, scores) == "\n".join(ROWS)


def test_the_rows_of_a_table_without_a_header_are_items_too():
    # a Word table whose first row is not marked as its header: its rows are joined cells
    rows = ["Caretaker | 0157-11-2233", "Taxi (Kitami Hire) | 0157-22-3333", "Hospital | 0157-24-3115"]
    found = table_rows(rows)
    assert found is not None and [it.lines for it in found] == [(r,) for r in rows]
    scores = [(rows[0], 0.2), (rows[1], 0.45), (rows[2], 0.25)]
    assert extract("\n".join(rows), "how do i call a taxi", 600, scores) == rows[1]


def test_an_faq_list_followed_by_a_table_ends_each_answer_where_the_table_starts():
    from bot.retrieval.items import answer_items

    # a Word guide: Q：/A： pairs, then a contacts table without a header
    first = ("Q：チェックアウトは何時ですか？", "A：10時です。")
    second = ("Q：ゴミはどこに出しますか？", "A：家の前の集積所です。", "連絡先")
    items = answer_items([*first, *second, *ROWS])
    assert items is not None
    assert [it.lines for it in items] == [first, second, *[(r,) for r in ROWS]]
