"""Garbage calendars and bus feeds that have ended or end soon, for the Overview page.

A calendar ends when every category of one of its areas is only explicit dates (no weekly
or nth-weekday rule): its last date. A GTFS feed ends on the last day any service runs
(``calendar.txt`` end dates, added ``calendar_dates.txt`` days). After that the bot has
nothing to compute from, so a person must bring new data: the page says so 30 days ahead.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from ingest.garbage.calendars import load_area_calendar
from ingest.knowledge import Knowledge
from ingest.transit.gtfs import Feed

WARN_DAYS = 30


@dataclass(frozen=True)
class Ending:
    path: str
    kind: str  # garbage | bus
    ends: date


def _calendar_end(area: object, root: Path) -> tuple[str, date] | None:
    calendar, _ = load_area_calendar(area, root)
    if calendar is None:
        return None
    last: date | None = None
    for cal_area in calendar.areas:
        if any(c.days.has_rules for c in cal_area.categories):
            continue
        dates = [d for c in cal_area.categories for d in c.days.dates]
        if dates:
            last = max(dates) if last is None else max(last, max(dates))
    return (calendar.source, last) if last else None


def _feed_end(path: Path) -> date | None:
    feed = Feed(path)
    last: date | None = None

    def later(raw: str) -> None:
        nonlocal last
        try:
            d = datetime.strptime(raw.strip(), "%Y%m%d").date()
        except ValueError:
            return
        last = d if last is None else max(last, d)

    calendar = feed.table("calendar.txt")
    if calendar is not None:
        for _, row in calendar.rows():
            later(row.get("end_date", ""))
    dates = feed.table("calendar_dates.txt")
    if dates is not None:
        for _, row in dates.rows():
            if row.get("exception_type") == "1":
                later(row.get("date", ""))
    return last


def endings(knowledge: Knowledge, today: date, within_days: int = WARN_DAYS) -> list[Ending]:
    """Calendars and feeds that have ended, or end within ``within_days`` of ``today``."""
    horizon = today + timedelta(days=within_days)
    out: list[Ending] = []
    root = knowledge.root
    for area in knowledge.areas.values():
        try:
            cal = _calendar_end(area, root)
        except (OSError, ValueError):
            cal = None
        if cal is not None and cal[1] <= horizon:
            out.append(Ending(cal[0] or area.dir.relative_to(root).as_posix(), "garbage", cal[1]))
        feed = area.gtfs
        if feed is not None:
            try:
                end = _feed_end(feed)
            except (OSError, ValueError):
                end = None
            if end is not None and end <= horizon:
                out.append(Ending(feed.relative_to(root).as_posix(), "bus", end))
    return sorted(out, key=lambda e: e.ends)
