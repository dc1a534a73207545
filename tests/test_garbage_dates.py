"""Collection dates computed from a parsed calendar (pure date arithmetic, fixed dates)."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from bot.garbage.dates import AreaSchedule, first_day_for_next, holiday_name
from ingest.garbage.calendars import (
    SUSPEND_SKIP,
    CalendarArea,
    Category,
    DaySpec,
    GarbageCalendar,
    Period,
    parse_days,
)

JST = ZoneInfo("Asia/Tokyo")


def schedule(days: str, *, no_collection: tuple[Period, ...] = (), suspensions: tuple[Period, ...] = (),
             holidays: str = "collect", mode: str = "shift", put_out_by: time | None = time(8, 30)) -> tuple[
                 AreaSchedule, Category]:
    spec, errors = parse_days(days)
    assert errors == []
    category = Category("燃やせるごみ", spec, en="Burnable")
    area = CalendarArea("中央", [category], "garbage.yaml", suspensions=suspensions, put_out_by=put_out_by,
                        holidays=holidays)
    calendar = GarbageCalendar("yaml", "garbage.yaml", [area], no_collection=no_collection, suspension_mode=mode)
    return AreaSchedule(calendar, area), category


def test_weekly_tokens_give_every_such_weekday_of_the_month():
    s, c = schedule("月 木")
    assert s.dates_in_month(c, 2026, 12) == (date(2026, 12, 3), date(2026, 12, 7), date(2026, 12, 10),
                                            date(2026, 12, 14), date(2026, 12, 17), date(2026, 12, 21),
                                            date(2026, 12, 24), date(2026, 12, 28), date(2026, 12, 31))


def test_nth_weekday_tokens_give_only_that_occurrence():
    s, c = schedule("水2 水4")
    assert s.dates_in_month(c, 2026, 9) == (date(2026, 9, 9), date(2026, 9, 23))


def test_a_fifth_wednesday_has_no_collection_for_second_and_fourth_wednesday_rules():
    s, c = schedule("水2 水4")
    assert not s.collects_on(c, date(2026, 9, 30))


def test_a_fifth_week_token_collects_only_in_months_with_five_such_days():
    s, c = schedule("火5")
    assert s.dates_in_month(c, 2026, 9) == (date(2026, 9, 29),)
    assert s.dates_in_month(c, 2026, 10) == ()


def test_month_limited_rules_collect_only_in_the_listed_months():
    s, c = schedule("土2:5 6 7 8 9 10")
    assert s.dates_in_month(c, 2026, 12) == ()
    assert s.next_date(c, date(2026, 12, 1)) == date(2027, 5, 8)


def test_explicit_dates_are_collection_days_as_written():
    s, c = schedule("20261205 20261219")
    assert s.next_date(c, date(2026, 12, 6)) == date(2026, 12, 19)


def test_explicit_dates_end_and_then_there_is_no_next_date():
    s, c = schedule("20261205")
    assert s.next_date(c, date(2026, 12, 6)) is None


def test_every_other_week_repeats_every_fourteen_days_forever():
    s, c = schedule("隔火20140401")
    assert s.dates_in_month(c, 2014, 4) == (date(2014, 4, 1), date(2014, 4, 15), date(2014, 4, 29))
    assert s.next_date(c, date(2026, 12, 1)) == date(2026, 12, 8)


def test_a_centre_suspension_shifts_the_rest_of_the_month_one_week():
    closure = (Period(date(2023, 1, 1), date(2023, 1, 3)),)
    s, c = schedule("月1", suspensions=closure)
    assert s.dates_in_month(c, 2023, 1) == (date(2023, 1, 9),)


def test_a_centre_suspension_in_skip_mode_drops_the_day():
    closure = (Period(date(2023, 1, 1), date(2023, 1, 3)),)
    s, c = schedule("月1", suspensions=closure, mode=SUSPEND_SKIP)
    assert s.dates_in_month(c, 2023, 1) == ()


def test_a_centre_suspension_does_not_move_explicit_dates():
    closure = (Period(date(2023, 1, 1), date(2023, 1, 3)),)
    s, c = schedule("20230102", suspensions=closure)
    assert s.collects_on(c, date(2023, 1, 2))


def test_no_collection_periods_remove_any_date():
    year_end = (Period(date(2026, 12, 31), date(2027, 1, 3), "年末年始"),)
    s, c = schedule("月 木", no_collection=year_end)
    assert not s.collects_on(c, date(2026, 12, 31))
    assert s.next_date(c, date(2026, 12, 31)) == date(2027, 1, 4)
    assert s.day(date(2027, 1, 1)).closed.note == "年末年始"


def test_national_holidays_follow_the_calendar_by_default():
    s, c = schedule("月")
    assert s.collects_on(c, date(2027, 1, 11))  # 成人の日
    assert s.day(date(2027, 1, 11)).holiday == "成人の日"


def test_the_holidays_skip_extension_removes_national_holidays():
    s, c = schedule("月", holidays="skip")
    assert not s.collects_on(c, date(2027, 1, 11))
    assert s.next_date(c, date(2027, 1, 11)) == date(2027, 1, 18)


def test_holidays_are_known_offline():
    assert holiday_name(date(2026, 11, 3)) == "文化の日" and holiday_name(date(2026, 11, 4)) is None


def test_next_includes_today_only_before_the_put_out_time():
    assert first_day_for_next(datetime(2026, 12, 3, 8, 29, tzinfo=JST), time(8, 30)) == date(2026, 12, 3)
    assert first_day_for_next(datetime(2026, 12, 3, 8, 30, tzinfo=JST), time(8, 30)) == date(2026, 12, 4)


def test_next_includes_today_all_day_when_no_time_is_given():
    assert first_day_for_next(datetime(2026, 12, 3, 22, 0, tzinfo=JST), None) == date(2026, 12, 3)


def test_next_collection_day_finds_the_first_day_with_anything():
    s, c = schedule("水2")
    found = s.next_collection_day(date(2026, 12, 10))
    assert found.day == date(2027, 1, 13) and found.categories == (c,)


def test_a_calendar_of_explicit_dates_knows_the_span_it_covers():
    s, _ = schedule("20190402 20200331")
    assert s.data_range == (date(2019, 4, 2), date(2020, 3, 31))
    assert s.day(date(2020, 4, 7)).outside_data


def test_a_category_with_no_days_never_has_a_next_date():
    category = Category("粗大ごみ", DaySpec())
    area = CalendarArea("中央", [category], "g.yaml")
    s = AreaSchedule(GarbageCalendar("yaml", "g.yaml", [area]), area)
    assert s.next_date(category, date(2026, 12, 1)) is None
