"""Collection dates agree with the 5374 app for every real 5374 data set.

``upstream_dates`` below is an independent, literal port of the algorithm summarised in
../shared/realdata/5374-upstream-sample/SOURCE.md (js/script.js): cells are classified by
token length, regular cells are generated month by month for ``MaxMonth`` months with the
suspension check and the WeekShift rule, irregular cells become JavaScript dates (which
roll over: ``2020024`` is Feb 4). The engine must give the same dates over 90 days from
several start dates. The only differences allowed are the documented ones (see
bot.garbage.dates and ingest.garbage.calendars): tokens that are not valid dates are
reported instead of rolled over, and YYYYMMDD tokens after ``:`` are dates, not months.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pytest

from bot.garbage.dates import AreaSchedule
from ingest.garbage.calendars import load_5374_folder
from ingest.garbage.dictionary import read_csv_rows
from tests.conftest import REALDATA

WEEK_CHARS = "日月火水木金土"  # JavaScript getDay(): Sunday = 0
STARTS = [date(2015, 12, 1), date(2019, 4, 1), date(2019, 11, 20), date(2022, 12, 1), date(2023, 1, 1),
          date(2024, 2, 10), date(2026, 7, 20), date(2026, 10, 28)]
WINDOW = 90


@dataclass(frozen=True)
class Settings:
    """js/setting.js of the fork the data comes from."""

    max_month: int = 5  # enough months to cover 90 days from any start
    week_shift: bool = True
    skip_suspend: bool = True


KANAZAWA_BRANCH = Settings(skip_suspend=False)
MASTER = Settings()


def js_date(year: int, month0: int, day: int) -> date:
    """new Date(year, month0, day): out-of-range months and days roll over."""
    first = date(year + month0 // 12, month0 % 12 + 1, 1)
    return first + timedelta(days=day - 1)


def js_weekday(d: date) -> int:
    return (d.weekday() + 1) % 7


@dataclass
class Upstream:
    dates: list[date]
    rolled_over: list[date]  # dates JavaScript made from tokens that are not valid YYYYMMDD


def upstream_dates(cell: str, today: date, suspension: tuple[date, date] | None,
                   settings: Settings) -> Upstream:
    """A literal port of TrashModel + calcMostRect (regular, irregular; no 隔 in real data)."""
    if ":" in cell:
        day_part, month_part = cell.split(":", 1)
        day_cell, months = day_part.split(" "), month_part.split(" ")
    elif len(cell) == 2 and cell[0] == "*":
        day_cell, months = cell.split(" "), []
    else:
        day_cell, months = cell.split(" "), [str(m) for m in range(1, 13)]
    mflag = [0] * 12
    for m in months:
        if m.isdigit() and 1 <= int(m) <= 12:
            mflag[int(m) - 1] = 1
    regular = 1
    for token in day_cell:
        if len(token) == 1 or (len(token) == 2 and token[0] != "*") or (len(token) == 2 and token[0] == "*"):
            continue
        regular = 0

    def blank(d: date) -> bool:
        return suspension is not None and suspension[0] <= d <= suspension[1]

    out = Upstream([], [])
    if regular:
        for i in range(settings.max_month):
            cur = today.month - 1 + i
            year, month = today.year + cur // 12, cur % 12 + 1
            if not mflag[month - 1]:
                continue
            for token in day_cell:
                if token[0] not in WEEK_CHARS:
                    continue  # "*n" never yields a date
                shift = False
                for week in range(5):
                    first = date(year, month, 1)
                    d = first + timedelta(days=(7 + WEEK_CHARS.index(token[0]) - js_weekday(first)) % 7 + week * 7)
                    if blank(d):
                        if settings.skip_suspend:
                            continue
                        if settings.week_shift:
                            shift = True
                        else:
                            continue
                    if shift:
                        d += timedelta(days=7)
                    if d.month != month:
                        continue
                    if len(token) > 1 and week + 1 != int(token[1]):
                        continue
                    out.dates.append(d)
    else:
        for token in day_cell:
            if not token[:4].isdigit():
                continue
            try:
                y, m0, dd = int(token[0:4]), int(token[4:6]) - 1, int(token[6:8])
            except ValueError:
                continue
            d = js_date(y, m0, dd)
            out.dates.append(d)
            if len(token) != 8 or d != _strict(token):
                out.rolled_over.append(d)
    return out


def _strict(token: str) -> date | None:
    try:
        return date(int(token[:4]), int(token[4:6]), int(token[6:8]))
    except ValueError:
        return None


def engine_dates(schedule: AreaSchedule, category, start: date, end: date) -> list[date]:
    out: list[date] = []
    y, m = start.year, start.month
    while date(y, m, 1) <= end:
        out += [d for d in schedule.dates_in_month(category, y, m) if start <= d < end]
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def compare(folder: str, settings: Settings, area_days: str = "area_days.csv") -> list[str]:
    """Every disagreement between the engine and the app, as readable strings."""
    calendar, _ = load_5374_folder(REALDATA / folder, folder)
    rows, _ = read_csv_rows(REALDATA / folder / area_days, area_days)
    if area_days != "area_days.csv":
        calendar, _ = _load_alternate(folder, area_days)
    header = rows[0][1]
    diffs: list[str] = []
    for _line, cells in rows[1:]:
        area = calendar.area(cells[0])
        schedule = AreaSchedule(calendar, area)
        suspension = (area.suspensions[0].start, area.suspensions[0].end) if area.suspensions else None
        for i, label in enumerate(header[2:]):
            cell = cells[i + 2] if i + 2 < len(cells) else ""
            category = area.category(label)
            for start in STARTS:
                end = start + timedelta(days=WINDOW)
                ref = upstream_dates(cell, start, suspension, settings)
                expected = sorted(d for d in set(ref.dates) - set(ref.rolled_over) if start <= d < end)
                got = engine_dates(schedule, category, start, end)
                expected = sorted(set(expected) | _documented_extra(cell, start, end))
                if got != expected:
                    diffs.append(f"{folder} {cells[0]} {label} from {start}: engine {got} app {expected}")
                for day in (start + timedelta(days=k) for k in range(0, WINDOW, 3)):
                    upcoming = [d for d in expected if d >= day]
                    if upcoming and schedule.next_date(category, day) != upcoming[0]:
                        diffs.append(f"{folder} {cells[0]} {label} next after {day}")
    return diffs


def _documented_extra(cell: str, start: date, end: date) -> set[date]:
    """YYYYMMDD tokens after ':' are dates here (the app reads them as month numbers)."""
    if ":" not in cell:
        return set()
    extra = {_strict(t) for t in cell.split(":", 1)[1].split(" ") if len(t) == 8 and t.isdigit()}
    return {d for d in extra if d is not None and start <= d < end}


def _load_alternate(folder: str, name: str):
    """Load a 5374 folder whose area_days file has another name (Hakodate's trial file)."""
    import shutil
    import tempfile
    from pathlib import Path

    tmp = Path(tempfile.mkdtemp())
    shutil.copy(REALDATA / folder / name, tmp / "area_days.csv")
    try:
        return load_5374_folder(tmp, folder)
    finally:
        shutil.rmtree(tmp)


@pytest.mark.parametrize("folder,settings", [
    ("5374-kanazawa", KANAZAWA_BRANCH),
    ("5374-bibai-hokkaido", MASTER),
    ("5374-kamisunagawa-hokkaido", MASTER),
    ("5374-hakodate-hokkaido", MASTER),
    ("5374-upstream-sample", MASTER),
])
def test_every_area_and_category_matches_the_5374_app_over_90_days(folder, settings):
    assert compare(folder, settings) == []


def test_hakodate_trial_file_matches_except_dates_after_the_colon():
    assert compare("5374-hakodate-hokkaido", MASTER, "area_days_08d61bb_mixed_syntax.csv") == []


def test_the_kanazawa_year_end_closure_moves_a_first_monday_to_the_second():
    calendar, _ = load_5374_folder(REALDATA / "5374-kanazawa", "k")
    area = calendar.area("朝日")  # 燃やさないごみ 月3, 資源 月2 月4 月5, あきびん 水1
    schedule = AreaSchedule(calendar, area)
    assert schedule.dates_in_month(area.category("資源"), 2023, 1) == (date(2023, 1, 16), date(2023, 1, 30))
    assert schedule.dates_in_month(area.category("燃やさないごみ"), 2023, 1) == (date(2023, 1, 23),)


def test_the_kanazawa_closure_only_drops_weekly_collections():
    calendar, _ = load_5374_folder(REALDATA / "5374-kanazawa", "k")
    area = calendar.area("朝日")  # 燃やすごみ 火 金
    schedule = AreaSchedule(calendar, area)
    assert schedule.dates_in_month(area.category("燃やすごみ"), 2022, 12)[-2:] == (date(2022, 12, 23),
                                                                                  date(2022, 12, 27))
    assert schedule.dates_in_month(area.category("燃やすごみ"), 2023, 1)[:2] == (date(2023, 1, 6),
                                                                                date(2023, 1, 10))


def test_the_reference_port_rolls_over_an_invalid_token_like_javascript():
    ref = upstream_dates("20200130 2020024", date(2020, 1, 1), None, MASTER)
    assert ref.dates == [date(2020, 1, 30), date(2020, 2, 4)] and ref.rolled_over == [date(2020, 2, 4)]
