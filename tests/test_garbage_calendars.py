"""Reading garbage calendars: the 5374 folder, the day-by-area CSV and garbage.yaml.

Real files are read in place from ../shared/realdata, unchanged.
"""

from __future__ import annotations

import shutil
from datetime import date, time
from pathlib import Path

import pytest

from ingest.garbage.calendars import (
    CodeName,
    load_5374_folder,
    load_area_calendar,
    load_day_by_area_csv,
    load_garbage_dir,
    load_garbage_yaml,
    parse_days,
    parse_time,
)
from ingest.knowledge import Area
from tests.conftest import EVAL_CORPUS, REALDATA, SAMPLE_KNOWLEDGE

SAPPORO = REALDATA / "sapporo-garbage-calendar"
SAPPORO_CODES = {
    "1": CodeName("燃やせるごみ・スプレー缶類・電池", "Burnable, spray cans and batteries"),
    "2": CodeName("燃やせないごみ", "Non-burnable"),
    "8": CodeName("びん・缶・ペットボトル", "Bottles, cans and PET bottles"),
    "9": CodeName("容器包装プラスチック", "Plastic packaging"),
    "10": CodeName("雑がみ", "Mixed paper"),
    "11": CodeName("枝・葉・草", "Branches, leaves and grass"),
}


def messages(problems) -> list[str]:
    return [str(p) for p in problems]


# --------------------------------------------------------------------------- day syntax


def test_weekday_tokens_mean_every_such_weekday():
    spec, errors = parse_days("月 木")
    assert (spec.weekly, spec.nth, errors) == ((0, 3), (), [])


def test_nth_weekday_tokens_include_the_fifth_week():
    spec, _ = parse_days("火1 火3 火5")
    assert spec.nth == ((1, 1), (1, 3), (1, 5))


def test_months_after_a_colon_limit_the_rules():
    spec, errors = parse_days("火2 金4:4 6 8 10 12 2")
    assert spec.months == frozenset({2, 4, 6, 8, 10, 12}) and errors == []


def test_dates_after_the_colon_are_explicit_dates_not_months():
    spec, errors = parse_days("火 金:4 5 20191203 20200106")
    assert spec.months == frozenset({4, 5})
    assert spec.dates == (date(2019, 12, 3), date(2020, 1, 6)) and errors == []


def test_explicit_yyyymmdd_dates_are_sorted():
    spec, _ = parse_days("20261205 20261121")
    assert spec.dates == (date(2026, 11, 21), date(2026, 12, 5)) and not spec.has_rules


def test_every_other_week_token_keeps_its_first_date():
    spec, errors = parse_days("隔火20140401")
    assert spec.biweekly == (date(2014, 4, 1),) and errors == []


def test_every_other_week_token_on_the_wrong_weekday_is_reported():
    _, errors = parse_days("隔水20140401")
    assert errors and "火曜日" in errors[0]


def test_remark_markers_are_kept_and_a_remark_only_cell_has_no_dates():
    spec, errors = parse_days("*1")
    assert spec.remark_ids == ("1",) and spec.is_empty and errors == []


def test_a_token_that_cannot_be_understood_is_reported():
    spec, errors = parse_days("月 2020024")
    assert spec.weekly == (0,)
    assert errors == ["cannot understand '2020024' (expected 月, 水2, 20261205, 隔火20261205 or *1)"]


def test_an_impossible_date_is_reported():
    _, errors = parse_days("20230230")
    assert errors == ["'20230230' is not a valid date"]


def test_full_width_text_and_japanese_separators_are_accepted():
    spec, errors = parse_days("月曜日、木　水２")
    assert (spec.weekly, spec.nth, errors) == ((0, 3), ((2, 2),), [])


def test_an_empty_cell_or_nashi_means_no_scheduled_collection():
    assert parse_days("")[0].is_empty and parse_days("なし")[0].is_empty


@pytest.mark.parametrize("value,expected", [("08:30", time(8, 30)), ("8時", time(8, 0)),
                                            ("8時半", time(8, 30)), (510, time(8, 30)), ("25:00", None)])
def test_put_out_by_times_are_read_in_the_forms_staff_write(value, expected):
    assert parse_time(value) == expected


# --------------------------------------------------------------------------- 5374 real data


def test_kanazawa_loads_unchanged_with_no_problems():
    calendar, problems = load_5374_folder(REALDATA / "5374-kanazawa", "5374-kanazawa")
    assert problems == []
    assert len(calendar.areas) == 71
    assert calendar.category_names() == ["燃やすごみ", "燃やさないごみ", "資源", "あきびん"]


def test_kanazawa_centres_give_each_area_its_year_end_suspension():
    calendar, _ = load_5374_folder(REALDATA / "5374-kanazawa", "5374-kanazawa")
    area = calendar.area("浅野川")
    assert area.center == "東部管理センター"
    assert [(p.start, p.end) for p in area.suspensions] == [(date(2022, 12, 30), date(2023, 1, 3))]


def test_kanazawa_target_csv_with_a_type_header_becomes_the_sorting_list():
    calendar, _ = load_5374_folder(REALDATA / "5374-kanazawa", "5374-kanazawa")
    assert len(calendar.targets.entries) == 1251
    assert "市で収集しない" in calendar.targets.categories()


def test_kanazawa_descriptions_are_attached_to_categories():
    calendar, _ = load_5374_folder(REALDATA / "5374-kanazawa", "5374-kanazawa")
    assert "週2回" in calendar.areas[0].category("燃やすごみ").description


@pytest.mark.parametrize("folder", ["5374-bibai-hokkaido", "5374-kamisunagawa-hokkaido", "5374-upstream-sample"])
def test_every_other_real_5374_set_loads_without_problems(folder):
    calendar, problems = load_5374_folder(REALDATA / folder, folder)
    assert problems == [] and calendar.areas


def test_bibai_area_names_with_japanese_commas_are_kept_whole():
    calendar, _ = load_5374_folder(REALDATA / "5374-bibai-hokkaido", "bibai")
    assert calendar.area_names()[0] == "JR函館本線から西側条丁目で、北1丁目から北4丁目まで（昭和通り沿いを除く）"


def test_hakodate_typo_is_reported_with_file_and_row_and_the_rest_loads():
    calendar, problems = load_5374_folder(REALDATA / "5374-hakodate-hokkaido", "hakodate")
    assert messages(problems) == [
        ("hakodate/area_days.csv:15: 缶・びん・ペットボトル: cannot understand '2020024' "
         "(expected 月, 水2, 20261205, 隔火20261205 or *1)")
    ]
    assert len(calendar.areas) == 16
    assert len(calendar.area("カレンダー(1)").category("燃やせるごみ").days.dates) == 104


def test_a_bom_crlf_and_a_header_only_center_file_are_read():
    hakodate, _ = load_5374_folder(REALDATA / "5374-hakodate-hokkaido", "h")  # BOM description, no final newline
    kamisunagawa, _ = load_5374_folder(REALDATA / "5374-kamisunagawa-hokkaido", "k")  # CRLF description
    assert hakodate.areas[0].category("燃やせるごみ") is not None
    assert kamisunagawa.areas[0].category("燃やせるごみ").days.weekly == (0, 3)
    assert kamisunagawa.areas[0].suspensions == ()


def test_a_remark_stating_a_time_becomes_the_put_out_by_time():
    calendar, _ = load_5374_folder(REALDATA / "5374-kamisunagawa-hokkaido", "k")
    assert {a.put_out_by for a in calendar.areas} == {time(8, 0)}


def test_a_remark_marker_pointing_nowhere_is_reported(tmp_path):
    (tmp_path / "area_days.csv").write_text("地名,センター,燃やすごみ\n片町,,月 木 *2\n", encoding="utf-8")
    (tmp_path / "remarks.csv").write_text("ID,注意事項\n1,一部地域で異なります\n", encoding="utf-8")
    _, problems = load_5374_folder(tmp_path, "g")
    assert messages(problems) == ["g/area_days.csv:2: 燃やすごみ: remark *2 is not in remarks.csv"]


def test_a_remark_marker_attaches_its_text_to_the_area(tmp_path):
    (tmp_path / "area_days.csv").write_text("地名,センター,燃やすごみ\n片町,,月 木 *1\n", encoding="utf-8")
    (tmp_path / "remarks.csv").write_text("ID,注意事項\n1,一部地域で異なります\n", encoding="utf-8")
    calendar, problems = load_5374_folder(tmp_path, "g")
    assert problems == [] and calendar.areas[0].remarks == ("一部地域で異なります",)


def test_an_unknown_centre_is_reported(tmp_path):
    (tmp_path / "area_days.csv").write_text("地名,センター,燃やすごみ\n片町,北部センター,月\n", encoding="utf-8")
    (tmp_path / "center.csv").write_text("名称,休止開始日,休止終了日\n東部センター,2022/12/30,2023/01/03\n",
                                         encoding="utf-8")
    _, problems = load_5374_folder(tmp_path, "g")
    assert messages(problems) == ["g/area_days.csv:2: centre '北部センター' is not in center.csv"]


def test_a_missing_area_days_file_is_reported(tmp_path):
    calendar, problems = load_5374_folder(tmp_path, "g")
    assert calendar is None and "missing area_days.csv" in str(problems[0])


# --------------------------------------------------------------------------- day-by-area


@pytest.mark.parametrize("name", ["garvagecollectioncalendar202410.csv",
                                  "sapporo_garbage_calendar_2022-10_2023-09_raw.csv"])
def test_both_sapporo_files_load_46_areas_unchanged(name):
    areas, problems = load_day_by_area_csv(SAPPORO / name, name, SAPPORO_CODES)
    assert problems == [] and len(areas) == 46


def test_sapporo_cells_become_explicit_dates_per_category():
    areas, _ = load_day_by_area_csv(SAPPORO / "garvagecollectioncalendar202410.csv", "s.csv", SAPPORO_CODES)
    chuo = areas[0]
    burnable = chuo.category("燃やせるごみ・スプレー缶類・電池")
    assert chuo.name == "中央区①" and burnable.en.startswith("Burnable")
    assert date(2024, 10, 3) in burnable.days.dates and date(2024, 10, 5) not in burnable.days.dates


def test_sapporo_zero_codes_mean_no_collection():
    areas, _ = load_day_by_area_csv(SAPPORO / "garvagecollectioncalendar202410.csv", "s.csv", SAPPORO_CODES)
    all_dates = {d for a in areas for c in a.categories for d in c.days.dates}
    assert date(2025, 1, 1) not in all_dates  # empty row (New Year)


def test_a_code_missing_from_the_legend_is_reported_once():
    codes = {k: v for k, v in SAPPORO_CODES.items() if k != "11"}
    _, problems = load_day_by_area_csv(SAPPORO / "garvagecollectioncalendar202410.csv", "s.csv", codes)
    assert len(problems) == 1 and "code '11' is not in codes.yaml" in str(problems[0])


def test_a_weekday_that_does_not_match_the_date_is_reported(tmp_path):
    path = tmp_path / "cal.csv"
    path.write_text("日付,曜,中央\n2024-10-01,水,1\n", encoding="utf-8")
    _, problems = load_day_by_area_csv(path, "cal.csv", {"1": CodeName("燃やせるごみ")})
    assert messages(problems) == ["cal.csv:2: 2024-10-01 is a 火曜日, but the row says 水"]


def test_a_garbage_folder_with_a_day_by_area_csv_uses_codes_yaml(tmp_path):
    shutil.copy(SAPPORO / "garvagecollectioncalendar202410.csv", tmp_path / "calendar.csv")
    (tmp_path / "codes.yaml").write_text(
        'codes:\n  "1": {name: 燃やせるごみ, en: Burnable}\n  "2": 燃やせないごみ\n  "8": びん・缶・ペットボトル\n'
        '  "9": 容器包装プラスチック\n  "10": 雑がみ\n  "11": 枝・葉・草\nput_out_by: "08:30"\n', encoding="utf-8")
    calendar, problems = load_garbage_dir(tmp_path, "areas/sapporo/garbage")
    assert problems == [] and calendar.form == "day-by-area"
    area = calendar.area("中央区①")
    assert area.put_out_by == time(8, 30) and area.source == "areas/sapporo/garbage/calendar.csv"


def test_a_garbage_folder_without_codes_yaml_reports_it(tmp_path):
    shutil.copy(SAPPORO / "garvagecollectioncalendar202410.csv", tmp_path / "calendar.csv")
    calendar, problems = load_garbage_dir(tmp_path, "g")
    assert messages(problems) == [("g/codes.yaml:0: missing: a day-by-area calendar needs codes.yaml naming "
                                   "each cell code")]
    assert calendar.areas[0].category("1") is not None


def test_yearly_day_by_area_files_for_the_same_areas_are_merged(tmp_path):
    (tmp_path / "a.csv").write_text("日付,曜,中央\n2024-10-01,火,1\n", encoding="utf-8")
    (tmp_path / "b.csv").write_text("日付,曜,中央\n2025-10-07,火,1\n", encoding="utf-8")
    (tmp_path / "codes.yaml").write_text('codes: {"1": 燃やせるごみ}\n', encoding="utf-8")
    calendar, problems = load_garbage_dir(tmp_path, "g")
    assert problems == []
    assert calendar.area("中央").category("燃やせるごみ").days.dates == (date(2024, 10, 1), date(2025, 10, 7))


def test_an_unknown_csv_in_the_garbage_folder_is_reported(tmp_path):
    (tmp_path / "area_days.csv").write_text("地名,センター,燃やすごみ\n片町,,月\n", encoding="utf-8")
    (tmp_path / "area_days (1).csv").write_text("x\n", encoding="utf-8")
    _, problems = load_garbage_dir(tmp_path, "g")
    assert len(problems) == 1 and problems[0].path == "g/area_days (1).csv"


# --------------------------------------------------------------------------- garbage.yaml


def test_the_eval_garbage_yaml_reads_areas_times_and_year_end():
    calendar, problems = load_garbage_yaml(EVAL_CORPUS / "areas/kitami/garbage.yaml", "areas/kitami/garbage.yaml")
    assert problems == []
    assert calendar.area_names() == ["北見市中央", "北見市東部"]
    assert calendar.area("北見市中央").put_out_by == time(8, 30)
    assert calendar.no_collection[0].start == date(2026, 12, 31)


def test_the_sample_garbage_yaml_is_valid_and_names_the_sample_house_area():
    calendar, problems = load_garbage_yaml(SAMPLE_KNOWLEDGE / "areas/kitami/garbage.yaml", "g.yaml")
    assert problems == [] and "北見市中央" in calendar.area_names() and len(calendar.areas) == 2


def test_garbage_yaml_problems_name_the_line(tmp_path):
    path = tmp_path / "garbage.yaml"
    path.write_text(
        "areas:\n"
        "  - name: 中央\n"
        "    categories:\n"
        "      - {name: 燃やせるごみ, days: \"月 木曜 8\"}\n"
        "      - {name: 紙類, day: \"水\"}\n"
        "    put_out_by: \"朝\"\n"
        "no_collection:\n"
        "  - {from: 2026-12-31, to: 2026-12-01}\n", encoding="utf-8")
    _, problems = load_garbage_yaml(path, "garbage.yaml")
    assert messages(sorted(problems)) == [
        "garbage.yaml:4: 燃やせるごみ: cannot understand '8' (expected 月, 水2, 20261205, 隔火20261205 or *1)",
        "garbage.yaml:5: 紙類: missing days (write days: \"\" when there is no scheduled collection)",
        "garbage.yaml:5: 紙類: unknown key 'day' (expected name, en, days, note)",
        "garbage.yaml:6: 中央: put_out_by must be a time like \"08:30\"",
        "garbage.yaml:8: no_collection ends (2026-12-01) before it starts (2026-12-31)",
    ]


def test_an_unquoted_put_out_by_is_understood(tmp_path):
    path = tmp_path / "garbage.yaml"
    path.write_text("areas:\n  - name: 中央\n    categories: [{name: 燃やせるごみ, days: 月}]\n    put_out_by: 8:30\n",
                    encoding="utf-8")
    calendar, problems = load_garbage_yaml(path, "garbage.yaml")
    assert problems == [] and calendar.areas[0].put_out_by == time(8, 30)


def test_the_holidays_extension_is_read_per_area(tmp_path):
    path = tmp_path / "garbage.yaml"
    path.write_text("holidays: skip\nareas:\n  - {name: 中央, categories: [{name: 燃やせるごみ, days: 月}]}\n"
                    "  - {name: 東部, holidays: collect, categories: [{name: 燃やせるごみ, days: 月}]}\n",
                    encoding="utf-8")
    calendar, problems = load_garbage_yaml(path, "garbage.yaml")
    assert problems == [] and [a.holidays for a in calendar.areas] == ["skip", "collect"]


def test_invalid_yaml_names_the_parser_line(tmp_path):
    path = tmp_path / "garbage.yaml"
    path.write_text("areas:\n  - name: [\n", encoding="utf-8")
    calendar, problems = load_garbage_yaml(path, "garbage.yaml")
    assert calendar is None and problems[0].line >= 2 and "invalid YAML" in problems[0].message


# --------------------------------------------------------------------------- knowledge areas


def _area(folder: Path) -> Area:
    return Area(id=folder.name, dir=folder)


def test_an_area_without_garbage_data_has_no_calendar(tmp_path):
    (tmp_path / "areas/x").mkdir(parents=True)
    assert load_area_calendar(_area(tmp_path / "areas/x"), tmp_path) == (None, [])


def test_an_area_garbage_folder_wins_and_a_second_calendar_is_reported(tmp_path):
    folder = tmp_path / "areas/kanazawa"
    shutil.copytree(REALDATA / "5374-kanazawa", folder / "garbage", ignore=shutil.ignore_patterns("SOURCE.md"))
    shutil.copy(EVAL_CORPUS / "areas/kitami/garbage.yaml", folder / "garbage.yaml")
    calendar, problems = load_area_calendar(_area(folder), tmp_path)
    assert calendar.form == "5374" and calendar.source == "areas/kanazawa/garbage/area_days.csv"
    assert messages(problems) == [("areas/kanazawa/garbage.yaml:0: both garbage/ and garbage.yaml exist; "
                                   "garbage/ is used, remove one of them")]


def test_calendar_area_lookup_tolerates_width_and_circled_digits():
    areas, _ = load_day_by_area_csv(SAPPORO / "sapporo_garbage_calendar_2022-10_2023-09_raw.csv", "s.csv",
                                    SAPPORO_CODES)
    from ingest.garbage.calendars import GarbageCalendar

    calendar = GarbageCalendar("day-by-area", "s.csv", areas)
    assert calendar.area("中央区1").name == "中央区①"
    assert calendar.area("北見市") is None
