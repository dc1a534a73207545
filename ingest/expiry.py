"""Garbage calendars and bus feeds that have ended, or end soon.

Why: a calendar made only of dates (Sapporo's yearly CSV) or a GTFS feed stops knowing
anything after its last day, and nobody notices until a stayer is told "no collection
tomorrow". ``concierge validate`` therefore warns (``path:line``) when data has ended or
ends within :data:`WARN_DAYS` days, and the answerers say "this calendar ended on <date
with year>; ask <contact>" after the end.

* A calendar ends when every category of one of its areas is explicit dates only (no
  weekly or nth-weekday rule): on the last such date. Rule-based calendars never end.
* A GTFS feed ends on the last day any service runs: ``calendar.txt`` end dates and the
  days ``calendar_dates.txt`` adds.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from ingest.garbage.calendars import load_area_calendar
from ingest.knowledge import Area, Knowledge
from ingest.problems import Problem
from ingest.transit.gtfs import Feed

WARN_DAYS = 30
GARBAGE = "garbage"
BUS = "bus"


@dataclass(frozen=True)
class Ending:
    """Data that ends: which file (and line, 0 when unknown), what kind, and when."""

    path: str
    line: int
    kind: str  # GARBAGE | BUS
    ends: date

    def warning(self, today: date) -> Problem:
        what = "garbage calendar" if self.kind == GARBAGE else "bus timetable (GTFS)"
        if self.ends < today:
            tail = (f"ended on {self.ends.isoformat()}: stayers are told it has ended and to ask the contact;"
                    " add the new one")
        else:
            days = (self.ends - today).days
            tail = (f"ends on {self.ends.isoformat()} (in {days} day{'s' if days != 1 else ''}):"
                    " add the next one before then")
        return Problem(self.path, self.line, f"this {what} {tail}")


def endings(knowledge: Knowledge, today: date, within_days: int = WARN_DAYS) -> list[Ending]:
    """Calendars and feeds that have ended, or end within ``within_days`` of ``today``."""
    limit = today + timedelta(days=within_days)
    found: list[Ending] = []
    for area in knowledge.areas.values():
        for ending in (calendar_end(area, knowledge.root), feed_end(area, knowledge.root)):
            if ending is not None and ending.ends <= limit:
                found.append(ending)
    return sorted(found, key=lambda e: (e.path, e.line))


def calendar_end(area: Area, root: Path) -> Ending | None:
    """The last day of an area's calendar when it is made of explicit dates only."""
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
    if last is None:
        return None
    return Ending(calendar.source, _line_of_date(root / calendar.source, last), GARBAGE, last)


def feed_end(area: Area, root: Path) -> Ending | None:
    """The last service day of an area's GTFS feed, with the row that sets it."""
    feed_path = area.gtfs
    if feed_path is None:
        return None
    feed = Feed(feed_path)
    rel = feed_path.relative_to(root).as_posix()
    best: tuple[date, str, int] | None = None

    def consider(raw: str, name: str, line: int) -> None:
        nonlocal best
        try:
            d = datetime.strptime(raw.strip(), "%Y%m%d").date()
        except ValueError:
            return
        if best is None or d > best[0]:
            best = (d, name, line)

    try:
        calendar = feed.table("calendar.txt")
        if calendar is not None:
            for line, row in calendar.rows():
                consider(row.get("end_date", ""), "calendar.txt", line)
        added = feed.table("calendar_dates.txt")
        if added is not None:
            for line, row in added.rows():
                if row.get("exception_type", "").strip() == "1":
                    consider(row.get("date", ""), "calendar_dates.txt", line)
    except (OSError, ValueError):
        return None  # an unreadable feed is reported by the feed's own checks
    if best is None:
        return None
    ends, name, line = best
    inside_zip = feed_path.suffix.lower() == ".zip"
    return Ending(rel if inside_zip else f"{rel}/{name}", 0 if inside_zip else line, BUS, ends)


def _line_of_date(path: Path, day: date) -> int:
    """The first line of a calendar file that writes ``day`` (2025-09-30, 2025/9/30,
    20250930...), or 0."""
    if not path.is_file():
        return 0
    pattern = re.compile(rf"(?<!\d){day.year}[-/.年]?0?{day.month}[-/.月]?0?{day.day}(?!\d)")
    try:
        text = path.read_text(encoding="utf-8-sig", errors="replace")
    except OSError:
        return 0
    for n, line in enumerate(text.splitlines(), start=1):
        if pattern.search(line):
            return n
    return 0
