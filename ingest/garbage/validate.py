"""What `concierge validate` checks in an area's garbage data, at ingest time.

The calendar and the sorting dictionary are read with the same loaders the answerer uses
(``load_area_garbage_data``); answering adds its matcher on top in ``bot.garbage``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ingest.garbage.calendars import GarbageCalendar, load_area_calendar
from ingest.garbage.dictionary import SortingDict, load_sorting
from ingest.knowledge import Area, Knowledge
from ingest.problems import Problem


@dataclass
class AreaGarbageData:
    """One knowledge area's calendar and sorting dictionary, with the problems found."""

    calendar: GarbageCalendar | None
    sorting: SortingDict | None
    problems: list[Problem]


def load_area_garbage_data(area: Area, root: Path) -> AreaGarbageData:
    """Calendar + sorting dictionary of a knowledge area (target.csv when no sorting.csv)."""
    calendar, problems = load_area_calendar(area, root)
    sorting: SortingDict | None = None
    if area.sorting_csv is not None:
        sorting, errs = load_sorting(area.sorting_csv, area.sorting_csv.relative_to(root).as_posix())
        problems += errs
    elif calendar is not None and calendar.targets is not None:
        sorting = calendar.targets
    return AreaGarbageData(calendar, sorting, problems)


def validate_area_garbage(area: Area, root: Path) -> list[Problem]:
    """Every problem in an area's calendar and sorting dictionary."""
    return sorted(load_area_garbage_data(area, Path(root)).problems)


def sorting_category_warnings(area: Area, root: Path) -> list[Problem]:
    """Sorting categories the calendar has no day for, once each at its first line.

    A warning, not an error: a city's own dictionary names categories that are never
    collected on a calendar day (「市では収集しません」, 家電リサイクル, 拠点回収), and refusing the
    file would keep the whole dictionary from stayers. A misspelt category shows here too;
    answers name such a category and its note, without a day.
    """
    root = Path(root)
    data = load_area_garbage_data(area, root)
    if data.calendar is None or data.sorting is None or area.sorting_csv is None:
        return []
    known = set(data.calendar.category_names())
    warnings: dict[str, Problem] = {}
    for entry in data.sorting.entries:
        if entry.category not in known and entry.category not in warnings:
            warnings[entry.category] = Problem(
                data.sorting.source, entry.line,
                f"category {entry.category!r} has no collection day in the garbage calendar "
                f"({', '.join(sorted(known))}); answers give the category without a day")
    return sorted(warnings.values())


def validate_garbage_areas(knowledge: Knowledge, root: Path) -> list[Problem]:
    """Each house's ``garbage_area`` must name an area of its calendar."""
    problems: list[Problem] = []
    calendars: dict[str, GarbageCalendar | None] = {}
    for house in knowledge.houses.values():
        area = knowledge.areas.get(house.area_id)
        if area is None or not house.garbage_area:
            continue
        if area.id not in calendars:
            calendars[area.id] = load_area_calendar(area, root)[0]
        cal = calendars[area.id]
        if cal is None:
            continue
        names = list(cal.area_names())
        if house.garbage_area not in names:
            rel = (house.dir / "house.yaml").relative_to(root).as_posix()
            sample = ", ".join(names[:5]) + (" ..." if len(names) > 5 else "")
            problems.append(Problem(rel, 0, f"garbage_area {house.garbage_area!r} is not in the area's "
                                            f"calendar ({sample})"))
    return problems
