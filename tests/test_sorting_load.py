"""Reading sorting dictionaries: the staff format and real municipal files, unchanged."""

from __future__ import annotations

import shutil
from itertools import pairwise

from ingest.garbage.dictionary import load_sorting
from tests.conftest import EVAL_CORPUS, REALDATA, SAMPLE_KNOWLEDGE
from text.normalize import fold

TSU = REALDATA / "garbage-sorting-dict-tsu-mie"


def test_the_staff_format_reads_all_columns():
    sorting, problems = load_sorting(EVAL_CORPUS / "areas/kitami/sorting.csv", "areas/kitami/sorting.csv")
    assert problems == [] and len(sorting.entries) == 85
    spray = next(e for e in sorting.entries if e.item == "スプレー缶")
    assert (spray.category, spray.category_en, spray.item_en) == ("燃やせないごみ", "Non-burnable", "Spray cans")
    assert spray.line == 25  # the CSV line, header = 1


def test_the_sample_dictionary_is_valid_with_english_columns():
    sorting, problems = load_sorting(SAMPLE_KNOWLEDGE / "areas/kitami/sorting.csv", "s.csv")
    assert problems == [] and len(sorting.entries) >= 40
    assert all(e.item_en and e.category_en for e in sorting.entries)


def test_the_tsu_open_data_file_maps_its_own_column_names():
    sorting, problems = load_sorting(TSU / "original_2024-04-19.csv", "tsu.csv")
    assert problems == [] and len(sorting.entries) == 3984
    first = sorting.entries[0]
    assert (first.item, first.category, first.note) == (
        "アートパネル（木製）", "燃やせるゴミ", "金具は出来る限り取り除く。")


def test_quoted_notes_with_newlines_keep_the_line_where_their_row_starts():
    sorting, _ = load_sorting(TSU / "original_2024-04-19.csv", "tsu.csv")
    multi = [e for e in sorting.entries if "\n" in e.note]
    assert len(multi) == 11
    assert all(later.line > earlier.line for earlier, later in pairwise(sorting.entries))


def test_the_headerless_tsu_2015_file_is_joined_with_its_english_sibling():
    sorting, problems = load_sorting(TSU / "tsu_gomi_2015.ja.utf8.csv", "tsu_gomi_2015.ja.utf8.csv")
    assert problems == [] and sorting.layout == "tsu-2015-ja" and len(sorting.entries) == 644
    first = sorting.entries[0]
    assert first.reading.startswith("あいすくりーむ")
    assert first.item_en.startswith("Outer box containers") and first.category_en == "burnable trash"


def test_the_tsu_2015_pair_dropped_in_as_sorting_csv_and_sorting_en_csv_is_joined(tmp_path):
    shutil.copy(TSU / "tsu_gomi_2015.ja.utf8.csv", tmp_path / "sorting.csv")
    shutil.copy(TSU / "tsu_gomi_2015.en.utf8.csv", tmp_path / "sorting.en.csv")
    sorting, problems = load_sorting(tmp_path / "sorting.csv", "areas/a/sorting.csv")
    assert problems == [] and sorting.entries[0].item_en.startswith("Outer box containers")


def test_the_english_tsu_file_alone_reads_as_english_names():
    sorting, problems = load_sorting(TSU / "tsu_gomi_2015.en.utf8.csv", "en.csv")
    assert problems == [] and sorting.layout == "tsu-2015-en" and sorting.entries[0].item_en == sorting.entries[0].item


def test_a_5374_target_csv_reads_as_a_dictionary_without_index_letters_as_readings():
    sorting, problems = load_sorting(REALDATA / "5374-kanazawa/target.csv", "target.csv")
    assert problems == [] and sorting.layout == "5374-target"
    assert sorting.entries[0].category == "燃やさないごみ" and sorting.entries[0].reading == ""


def test_a_wrong_header_is_reported_on_line_one(tmp_path):
    path = tmp_path / "sorting.csv"
    path.write_text("item name,where\n電池,燃やせないごみ\n", encoding="utf-8")
    sorting, problems = load_sorting(path, "sorting.csv")
    assert sorting is None and problems[0].line == 1 and "品目,分別区分,備考" in problems[0].message


def test_rows_missing_an_item_or_a_category_are_reported_and_the_rest_kept(tmp_path):
    path = tmp_path / "sorting.csv"
    path.write_text("品目,分別区分,備考\n電池,燃やせないごみ,\n,燃やせるごみ,\n傘,,\n", encoding="utf-8")
    sorting, problems = load_sorting(path, "sorting.csv")
    assert [e.item for e in sorting.entries] == ["電池"]
    assert [str(p) for p in problems] == ["sorting.csv:3: empty item name (品目)",
                                          "sorting.csv:4: empty category (分別区分) for '傘'"]


def test_an_unquoted_comma_in_a_note_is_reported(tmp_path):
    path = tmp_path / "sorting.csv"
    path.write_text("品目,分別区分,備考\n電池,燃やせないごみ,袋に入れる,透明な袋\n", encoding="utf-8")
    _, problems = load_sorting(path, "sorting.csv")
    assert problems[0].line == 2 and "needs quotes" in problems[0].message


def test_a_shift_jis_file_is_reported_as_not_utf8(tmp_path):
    path = tmp_path / "sorting.csv"
    path.write_bytes("品目,分別区分,備考\n電池,燃やせないごみ,\n".encode("cp932"))
    sorting, problems = load_sorting(path, "sorting.csv")
    assert sorting is None and "not UTF-8" in problems[0].message


def test_folding_makes_scripts_and_widths_compare_equal():
    assert fold("ゴミ") == fold("ごみ") == fold("ｺﾞﾐ") and fold("ＰＥＴ") == "pet"
