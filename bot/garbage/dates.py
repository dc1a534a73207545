"""Collection dates computed from a parsed calendar (no I/O, no clock: callers pass dates).

The rules, in the order they apply to one category of one calendar area:

1. **Weekday and nth-weekday tokens** (``月``, ``水2``, ``火5``), only in the cell's months,
   generated month by month exactly as the 5374 app does: candidate ``w`` (0-4) is the
   month's first such weekday plus ``7·w`` days, a 5th occurrence that does not exist is
   dropped, and ``水2`` keeps only ``w == 1``.
2. **Centre suspensions** (center.csv) apply to those tokens only. The default mode,
   ``shift``, is the Kanazawa branch of the app (``WeekShift=true, SkipSuspend=false``):
   once a candidate falls in the suspension, it and every later candidate of that token
   in that month move one week later, so a suspended ``月1`` becomes the 2nd Monday and a
   weekly token just loses the closed days. Mode ``skip`` drops suspended candidates (the
   app's master default).
3. **Every-other-week** ``隔火20140401``: the base date plus 14-day steps.
4. **Explicit dates** (``20261205``, day-by-area calendars) as written; like the app,
   centre suspensions do not move them.
5. Then ``no_collection`` periods (garbage.yaml) remove any date, and for an area with
   ``holidays: skip`` so do national holidays (jpholiday, offline). By default national
   holidays follow the calendar, as KNOWLEDGE_FORMAT.md says.

Deliberate differences from the 5374 app (``js/script.js``):

* The app computes only ``MaxMonth`` months from the current month and 27 steps of an
  every-other-week rule; here every rule repeats indefinitely and any date can be asked.
* The app drops suspended every-other-week dates only when ``SkipSuspend`` is on; here a
  closed centre never collects, in both modes.
* Holidays and ``no_collection`` do not exist in the app (the comparison tests cover data
  without them).
* "Next collection" includes today only before the put-out-by time (the app counts today
  all day); with no put-out-by time today counts all day, as in the app.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import jpholiday

from ingest.garbage.calendars import (
    HOLIDAYS_SKIP,
    SUSPEND_SKIP,
    CalendarArea,
    Category,
    DaySpec,
    GarbageCalendar,
    Period,
)

#: How far "next" looks ahead. Rule-based calendars always find a date well within this.
HORIZON_MONTHS = 25


def holiday_name(day: date) -> str | None:
    """The Japanese national holiday on ``day`` (offline, from jpholiday), or None."""
    name = jpholiday.is_holiday_name(day)
    return str(name) if name else None


def month_rule_dates(spec: DaySpec, year: int, month: int, suspensions: tuple[Period, ...],
                     mode: str) -> list[date]:
    """Dates of the weekday/nth-weekday tokens of ``spec`` in one month (rules 1 and 2)."""
    if spec.months is not None and month not in spec.months:
        return []
    first = date(year, month, 1)
    tokens: list[tuple[int, int | None]] = [(wd, None) for wd in spec.weekly]
    tokens += [(wd, n) for wd, n in spec.nth]
    out: list[date] = []
    for weekday, nth in tokens:
        offset = (weekday - first.weekday()) % 7
        shifted = False
        for week in range(5):
            day = first + timedelta(days=offset + 7 * week)
            if any(day in period for period in suspensions):
                if mode == SUSPEND_SKIP:
                    continue
                shifted = True
            if shifted:
                day += timedelta(days=7)
            if day.month != month:
                continue
            if nth is not None and week + 1 != nth:
                continue
            out.append(day)
    return out


def month_biweekly_dates(spec: DaySpec, year: int, month: int,
                         suspensions: tuple[Period, ...]) -> list[date]:
    """Every-other-week dates in one month (rule 3); suspended days are dropped."""
    first = date(year, month, 1)
    last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    out: list[date] = []
    for base in spec.biweekly:
        if base > last:
            continue
        steps = max(0, (first - base).days // 14)
        day = base + timedelta(days=14 * steps)
        while day <= last:
            if day >= first and not any(day in p for p in suspensions):
                out.append(day)
            day += timedelta(days=14)
    return out


@dataclass(frozen=True)
class DayInfo:
    """What is collected on one day in one calendar area, and why not when nothing is."""

    day: date
    categories: tuple[Category, ...]
    closed: Period | None = None
    holiday: str | None = None
    outside_data: bool = False


class AreaSchedule:
    """Collection dates of one calendar area, computed on demand and cached per month.

    Built once per area and reused across questions, so a warm answer costs a few dict
    look-ups; the calendar model itself is never changed.
    """

    def __init__(self, calendar: GarbageCalendar, area: CalendarArea):
        self.calendar = calendar
        self.area = area
        self._month_cache: dict[tuple[int, int, int], tuple[date, ...]] = {}
        explicit = [d for c in area.categories for d in c.days.dates]
        only_explicit = bool(explicit) and not any(c.days.has_rules for c in area.categories)
        #: For calendars made only of explicit dates (Hakodate, Sapporo): the span they cover.
        self.data_range: tuple[date, date] | None = (min(explicit), max(explicit)) if only_explicit else None

    # -- per category --------------------------------------------------------------

    def _index(self, category: Category) -> int:
        for i, c in enumerate(self.area.categories):
            if c is category:
                return i
        raise ValueError(f"{category.name!r} is not a category of {self.area.name!r}")

    def closed_period(self, day: date) -> Period | None:
        """The no_collection period covering ``day`` (garbage.yaml), if any."""
        return next((p for p in self.calendar.no_collection if day in p), None)

    def _allowed(self, day: date) -> bool:
        if self.closed_period(day) is not None:
            return False
        return not (self.area.holidays == HOLIDAYS_SKIP and holiday_name(day))

    def dates_in_month(self, category: Category, year: int, month: int) -> tuple[date, ...]:
        """All collection dates of ``category`` in one month, every rule applied."""
        key = (self._index(category), year, month)
        cached = self._month_cache.get(key)
        if cached is not None:
            return cached
        spec = category.days
        days = set(month_rule_dates(spec, year, month, self.area.suspensions, self.calendar.suspension_mode))
        days.update(month_biweekly_dates(spec, year, month, self.area.suspensions))
        lo = bisect.bisect_left(spec.dates, date(year, month, 1))
        for d in spec.dates[lo:]:
            if (d.year, d.month) != (year, month):
                break
            days.add(d)
        result = tuple(sorted(d for d in days if self._allowed(d)))
        self._month_cache[key] = result
        return result

    def collects_on(self, category: Category, day: date) -> bool:
        return day in self.dates_in_month(category, day.year, day.month)

    def next_date(self, category: Category, start: date) -> date | None:
        """The first collection of ``category`` on or after ``start`` (None: none known)."""
        if category.days.is_empty:
            return None
        last_explicit = category.days.dates[-1] if category.days.dates else None
        year, month = start.year, start.month
        for _ in range(HORIZON_MONTHS):
            for d in self.dates_in_month(category, year, month):
                if d >= start:
                    return d
            if not category.days.has_rules and last_explicit is not None and date(year, month, 1) > last_explicit:
                return None
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return None

    # -- per day -------------------------------------------------------------------

    def outside_data(self, day: date) -> bool:
        """True when the calendar is a list of dates that does not reach ``day``."""
        return self.data_range is not None and not (self.data_range[0] <= day <= self.data_range[1])

    def day(self, day: date) -> DayInfo:
        """Everything collected on ``day``, plus the closure or holiday that explains a gap."""
        categories = tuple(c for c in self.area.categories if self.collects_on(c, day))
        return DayInfo(day, categories, self.closed_period(day), holiday_name(day), self.outside_data(day))

    def days(self, start: date, count: int) -> list[DayInfo]:
        return [self.day(start + timedelta(days=i)) for i in range(count)]

    def next_collection_day(self, start: date) -> DayInfo | None:
        """The first day on or after ``start`` with any collection."""
        best: date | None = None
        for category in self.area.categories:
            d = self.next_date(category, start)
            if d is not None and (best is None or d < best):
                best = d
        return self.day(best) if best is not None else None


def first_day_for_next(now: datetime, put_out_by: time | None) -> date:
    """The first day a "next collection" answer may name.

    Today counts only while there is still time to put garbage out: before ``put_out_by``,
    or all day when the calendar gives no time (as the 5374 app does).
    """
    today = now.date()
    if put_out_by is None or now.time().replace(tzinfo=None) < put_out_by:
        return today
    return today + timedelta(days=1)
