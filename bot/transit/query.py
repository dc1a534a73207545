"""Timetable look-ups on the SQLite index written by ``ingest.transit.timetables``.

Why this shape: GTFS times are seconds after the *service day's* start and may pass
24:00 (``24:13`` on Friday's service is 00:13 on Saturday), while a stayer asks about
wall-clock moments ("now", "around 9", "tonight"). :meth:`TransitIndex.departures`
bridges the two: it turns a wall-clock window into one indexed query per service day
that can reach into it, with that day's active services (calendar.txt weekdays and
date range, then calendar_dates.txt additions and removals), and merges the results.
Queries walk ``stop_times(stop_idx, dep)`` and probe the trip's later stops by primary
key; nothing here scans ``stop_times``.
"""

from __future__ import annotations

import math
import sqlite3
import threading
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from ingest.transit.schema import NO_DROP_OFF, NO_PICKUP, SCHEMA_VERSION, index_file

#: One SQLite result row (columns as selected by the query).
Row = tuple[Any, ...]


class IndexUnavailable(RuntimeError):
    """The index file is missing or was written by another schema version."""


@dataclass(frozen=True)
class Stop:
    idx: int
    stop_id: str
    name: str
    kana: str = ""
    en: str = ""
    lat: float | None = None
    lon: float | None = None
    location_type: int = 0
    parent_idx: int | None = None


@dataclass(frozen=True)
class Route:
    idx: int
    route_id: str
    short_name: str
    long_name: str
    short_en: str = ""
    long_en: str = ""


@dataclass
class Place:
    """What a stayer can name as a destination: all stops sharing one name (the poles on
    both sides of a road, a station's platforms), or the final stops of trips carrying
    one headsign. ``names`` are the written forms to match against."""

    key: str
    stops: frozenset[int]
    names: list[str] = field(default_factory=list)
    is_headsign: bool = False


@dataclass(frozen=True)
class Departure:
    """One boarding opportunity: a trip leaving ``origin`` and (if asked) reaching ``dest``."""

    service_date: date
    dep: datetime
    arr: datetime | None
    origin: Stop
    dest: Stop | None
    route: Route
    headsign: str
    headsign_en: str
    trip_id: str
    last_stop: Stop


def service_day_start(d: date, tz: ZoneInfo) -> datetime:
    """GTFS's reference point: noon minus 12 hours (midnight, except on DST change days)."""
    noon = datetime.combine(d, time(12), tzinfo=tz).astimezone(UTC)
    return noon - timedelta(hours=12)


class TransitIndex:
    """A read-only view of one area's index, safe to share between threads.

    Each thread queries through its own read-only connection (a ``sqlite3`` connection
    must not be used by two threads at once, and one shared connection behind a lock made
    every bus question wait for the others). The connection opened here stays open: it
    pins the file this object was built from, and serves (under a lock) any thread that
    would otherwise open a newer file that an ingest swapped in meanwhile.
    """

    def __init__(self, path: Path, tz: ZoneInfo):
        self.path = Path(path)
        self.tz = tz
        if not self.path.is_file():
            raise IndexUnavailable(f"no timetable index at {self.path}")
        self._lock = threading.Lock()
        self._local = threading.local()
        stat = self.path.stat()
        self.signature = (stat.st_ino, stat.st_mtime_ns, stat.st_size)
        self._conn = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, check_same_thread=False)
        meta = dict(self._conn.execute("SELECT key, value FROM meta").fetchall())
        if meta.get("schema_version") != SCHEMA_VERSION:
            self._conn.close()
            raise IndexUnavailable(f"{self.path} has schema {meta.get('schema_version')!r},"
                                   f" expected {SCHEMA_VERSION!r}: re-ingest")
        self.meta = meta
        self.max_dep = int(meta.get("max_dep") or 0)
        self.stops = [Stop(*row) for row in self._conn.execute(
            "SELECT idx, stop_id, name, kana, en, lat, lon, location_type, parent_idx FROM stops"
            " ORDER BY idx")]
        self.by_id = {s.stop_id: s for s in self.stops}
        self.routes = {r[0]: Route(*r) for r in self._conn.execute(
            "SELECT idx, route_id, short_name, long_name, short_en, long_en FROM routes")}
        self._weekly: dict[int, tuple[int, str | None, str | None]] = {
            i: (m, s, e) for i, m, s, e in self._conn.execute(
                "SELECT idx, weekdays, start_date, end_date FROM services")}
        self._children: dict[int, list[int]] = {}
        self._by_name: dict[str, list[int]] = {}
        for s in self.stops:
            if s.parent_idx is not None:
                self._children.setdefault(s.parent_idx, []).append(s.idx)
            if s.location_type == 0 and s.name:
                self._by_name.setdefault(_fold(s.name), []).append(s.idx)
        self.places = self._places()
        self.services_on = lru_cache(maxsize=64)(self._services_on)

    def close(self) -> None:
        self._conn.close()

    # -- stops and places ------------------------------------------------------------
    def boarding_group(self, stop_id: str) -> list[Stop]:
        """The stop plus its twins: a parent station's poles, a pole's siblings, and stops
        with exactly the same name (the other side of the road). A stayer walks to "the
        stop", not to one direction's pole."""
        s = self.by_id.get(stop_id)
        if s is None:
            return []
        out = {s.idx}
        out.update(self._children.get(s.idx, []))
        if s.parent_idx is not None:
            out.update(self._children.get(s.parent_idx, []))
        out.update(self._by_name.get(_fold(s.name), []))
        return [self.stops[i] for i in sorted(out) if self.stops[i].location_type == 0]

    def _places(self) -> list[Place]:
        places: dict[str, Place] = {}
        for s in self.stops:
            if s.location_type not in (0, 1) or not s.name:
                continue
            key = _fold(s.name)
            members = set(self._children.get(s.idx, [])) if s.location_type == 1 else {s.idx}
            p = places.get(key)
            if p is None:
                places[key] = Place(key, frozenset(members), [n for n in (s.name, s.kana, s.en) if n])
            else:
                p.stops = p.stops | members
                p.names.extend(n for n in (s.kana, s.en) if n and n not in p.names)
        for hs, hs_en, hs_kana, lasts in self._conn.execute(
                "SELECT headsign, max(headsign_en), max(headsign_kana), group_concat(DISTINCT last_stop_idx)"
                " FROM trips WHERE headsign != '' GROUP BY headsign"):
            key = _fold(hs)
            if key in places or not lasts:
                continue
            stops = frozenset(int(x) for x in str(lasts).split(","))
            places[key] = Place(key, stops, [n for n in (hs, hs_en, hs_kana) if n], is_headsign=True)
        return [p for p in places.values() if p.stops]

    def routes_at(self, stops: list[Stop]) -> list[tuple[Route, str, str]]:
        """(route, headsign, headsign_en) served at these stops, busiest first."""
        if not stops:
            return []
        q = ",".join("?" * len(stops))
        rows = self._query(
            "SELECT t.route_idx, coalesce(nullif(t.headsign,''), ls.name), t.headsign_en, ls.en, count(*) n"
            f" FROM stop_times o JOIN trips t ON t.idx=o.trip_idx JOIN stops ls ON ls.idx=t.last_stop_idx"
            f" WHERE o.stop_idx IN ({q}) AND t.last_stop_idx NOT IN ({q})"
            " GROUP BY t.route_idx, 2 ORDER BY n DESC",
            [s.idx for s in stops] * 2)
        return [(self.routes[r], hs, hs_en or ls_en or "") for r, hs, hs_en, ls_en, _ in rows]

    # -- service calendar ------------------------------------------------------------
    def _services_on(self, d: date) -> tuple[int, ...]:
        """Active service_idx on a service date: weekly pattern in range, then exceptions."""
        ymd = d.strftime("%Y%m%d")
        bit = 1 << d.weekday()
        active = {i for i, (mask, start, end) in self._weekly.items()
                  if mask & bit and start and end and start <= ymd <= end}
        for svc, ex in self._query("SELECT service_idx, exception_type FROM service_dates WHERE date=?",
                                   (ymd,)):
            if ex == 1:
                active.add(svc)
            else:
                active.discard(svc)
        return tuple(sorted(active))

    def service_range(self) -> tuple[date, date] | None:
        """First and last date any service runs (for "the timetable has expired")."""
        row = self._query("SELECT min(start_date), max(end_date) FROM services WHERE weekdays > 0")[0]
        row2 = self._query("SELECT min(date), max(date) FROM service_dates WHERE exception_type=1")[0]
        lo = [x for x in (row[0], row2[0]) if x]
        hi = [x for x in (row[1], row2[1]) if x]
        if not lo or not hi:
            return None
        return (datetime.strptime(min(lo), "%Y%m%d").date(), datetime.strptime(max(hi), "%Y%m%d").date())

    # -- departures ------------------------------------------------------------------
    def departures(self, origins: list[Stop], dests: list[Stop] | None, start: datetime,
                   end: datetime, limit: int = 3, latest: bool = False) -> list[Departure]:
        """Departures from ``origins`` in ``[start, end)`` that reach one of ``dests`` later
        on the same trip (any later stop when ``dests`` is None), earliest first; with
        ``latest`` the last ``limit`` of the window instead."""
        if not origins or end <= start or (dests is not None and not dests):
            return []
        start, end = start.astimezone(self.tz), end.astimezone(self.tz)
        first_day = (start - timedelta(seconds=self.max_dep)).date()
        found: list[tuple[datetime, Row]] = []
        d = first_day
        while d <= end.date():
            base = service_day_start(d, self.tz)
            lo = max(0, math.ceil((start - base).total_seconds()))
            hi = math.ceil((end - base).total_seconds())
            services = self.services_on(d)
            if services and hi > 0 and lo <= self.max_dep:
                for row in self._day(origins, dests, services, lo, hi, limit, latest):
                    found.append((base + timedelta(seconds=row[2]), (d, base, row)))
            d += timedelta(days=1)
        found.sort(key=lambda x: x[0], reverse=latest)
        seen: set[tuple[date, int]] = set()
        out: list[Departure] = []
        for _, (d, base, row) in found:
            if (d, row[0]) in seen:
                continue
            seen.add((d, row[0]))
            out.append(self._departure(d, base, row))
            if len(out) == limit:
                break
        out.sort(key=lambda x: x.dep)
        return out

    def first_after(self, origins: list[Stop], dests: list[Stop] | None, start: datetime,
                    days: int = 14) -> Departure | None:
        """The first departure at or after ``start`` within ``days`` (next service day).

        Walks service days, one LIMIT 1 query each, and stops as soon as no later service
        day can start before the best departure found."""
        if not origins or (dests is not None and not dests):
            return None
        start = start.astimezone(self.tz)
        d = (start - timedelta(seconds=self.max_dep)).date()
        last_day = start.date() + timedelta(days=days)
        best: Departure | None = None
        while d <= last_day:
            base = service_day_start(d, self.tz)
            if best is not None and base >= best.dep:
                break
            services = self.services_on(d)
            lo = max(0, math.ceil((start - base).total_seconds()))
            if services and lo <= self.max_dep:
                rows = self._day(origins, dests, services, lo, self.max_dep + 1, 1, False)
                if rows:
                    found = self._departure(d, base, rows[0])
                    if best is None or found.dep < best.dep:
                        best = found
            d += timedelta(days=1)
        return best

    def transfer_points(self, origins: list[Stop], dests: list[Stop]) -> list[list[Stop]]:
        """Stop groups where a trip from ``origins`` meets a trip to ``dests`` (one change).

        Only needed when no trip connects the two directly, which is rare, so it reads the
        trips through both ends rather than keeping a transfer table in the index."""
        o_q = ",".join("?" * len(origins))
        d_q = ",".join("?" * len(dests))
        sql = (f"SELECT DISTINCT x.stop_idx FROM stop_times o JOIN stop_times x"
               f" ON x.trip_idx=o.trip_idx AND x.seq > o.seq"
               f" WHERE o.stop_idx IN ({o_q}) AND (x.flags & {NO_DROP_OFF})=0"
               f" INTERSECT SELECT DISTINCT x.stop_idx FROM stop_times d JOIN stop_times x"
               f" ON x.trip_idx=d.trip_idx AND x.seq < d.seq"
               f" WHERE d.stop_idx IN ({d_q}) AND (x.flags & {NO_PICKUP})=0")
        found = [i for (i,) in self._query(sql, [s.idx for s in origins] + [s.idx for s in dests])]
        groups: dict[str, list[Stop]] = {}
        for i in found:
            stop = self.stops[i]
            groups.setdefault(_fold(stop.name), self.boarding_group(stop.stop_id) or [stop])
        return list(groups.values())

    def _day(self, origins: list[Stop], dests: list[Stop] | None, services: tuple[int, ...],
             lo: int, hi: int, limit: int, latest: bool) -> list[Row]:
        o_ids = [s.idx for s in origins]
        o_q = ",".join("?" * len(o_ids))
        s_q = ",".join("?" * len(services))
        order = "DESC" if latest else "ASC"
        if dests is None:
            sql = (
                "SELECT o.trip_idx, o.stop_idx, o.dep, NULL, NULL FROM stop_times o"
                " INDEXED BY stop_times_by_stop JOIN trips t ON t.idx=o.trip_idx"
                f" WHERE o.stop_idx IN ({o_q}) AND o.dep >= ? AND o.dep < ? AND (o.flags & {NO_PICKUP})=0"
                f" AND t.service_idx IN ({s_q}) AND EXISTS (SELECT 1 FROM stop_times x"
                " WHERE x.trip_idx=o.trip_idx AND x.seq > o.seq)"
                f" ORDER BY o.dep {order} LIMIT ?")
            params = [*o_ids, lo, hi, *services, limit * 2 + 2]
        else:
            d_ids = [s.idx for s in dests]
            d_q = ",".join("?" * len(d_ids))
            sql = (
                "SELECT o.trip_idx, o.stop_idx, o.dep, d.stop_idx, d.arr FROM stop_times o"
                " INDEXED BY stop_times_by_stop JOIN trips t ON t.idx=o.trip_idx"
                " JOIN stop_times d ON d.trip_idx=o.trip_idx AND d.seq=(SELECT min(x.seq)"
                f" FROM stop_times x WHERE x.trip_idx=o.trip_idx AND x.seq > o.seq"
                f" AND x.stop_idx IN ({d_q}) AND (x.flags & {NO_DROP_OFF})=0)"
                f" WHERE o.stop_idx IN ({o_q}) AND o.dep >= ? AND o.dep < ? AND (o.flags & {NO_PICKUP})=0"
                f" AND t.service_idx IN ({s_q}) ORDER BY o.dep {order} LIMIT ?")
            params = [*d_ids, *o_ids, lo, hi, *services, limit * 2 + 2]
        return self._query(sql, params)

    def _departure(self, d: date, base: datetime, row: Row) -> Departure:
        trip_idx, o_idx, dep, d_idx, arr = row
        trip = self._trip(trip_idx)
        return Departure(
            service_date=d,
            dep=(base + timedelta(seconds=dep)).astimezone(self.tz),
            arr=(base + timedelta(seconds=arr)).astimezone(self.tz) if arr is not None else None,
            origin=self.stops[o_idx],
            dest=self.stops[d_idx] if d_idx is not None else None,
            route=self.routes[trip[1]],
            headsign=trip[2],
            headsign_en=trip[3],
            trip_id=trip[0],
            last_stop=self.stops[trip[4]],
        )

    def _trip(self, trip_idx: int) -> Row:
        return self._query("SELECT trip_id, route_idx, headsign, headsign_en, last_stop_idx"
                           " FROM trips WHERE idx=?", (trip_idx,))[0]

    def _query(self, sql: str, params: Sequence[object] = ()) -> list[Row]:
        conn = self._thread_conn()
        if conn is None:  # the file was replaced: read the one this index was built from
            with self._lock:
                return self._conn.execute(sql, params).fetchall()
        return conn.execute(sql, params).fetchall()

    def _thread_conn(self) -> sqlite3.Connection | None:
        """This thread's own connection to the same file; None once the path names another."""
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None and not getattr(self._local, "stale", False):
            conn = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True)
            if _signature(self.path) != self.signature:
                conn.close()
                self._local.stale = True
                return None
            self._local.conn = conn
        return conn


def _signature(path: Path) -> tuple[int, int, int] | None:
    try:
        stat = path.stat()
    except OSError:
        return None
    return (stat.st_ino, stat.st_mtime_ns, stat.st_size)


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold().replace(" ", "")


class IndexCache:
    """Opens each area's index once and reopens it when ingest swaps in a new file."""

    def __init__(self, index_dir: Path, tz: ZoneInfo):
        self.index_dir = Path(index_dir)
        self.tz = tz
        self._open: dict[str, TransitIndex] = {}
        self._lock = threading.Lock()

    def get(self, area_id: str) -> TransitIndex | None:
        path = index_file(self.index_dir, area_id)
        with self._lock:
            idx = self._open.get(area_id)
            try:
                stat = path.stat()
            except FileNotFoundError:
                return None
            if idx is not None and idx.signature == (stat.st_ino, stat.st_mtime_ns, stat.st_size):
                return idx
            try:
                new = TransitIndex(path, self.tz)
            except (IndexUnavailable, sqlite3.DatabaseError):
                return None
            # The old index is not closed here: a request on another thread may still be
            # reading it. Its connection closes when the last reference goes.
            self._open[area_id] = new
            return new


# -- planning: which window answers which kind of question ----------------------------

#: Where one "operating day" ends and the next begins. Buses after midnight (GTFS 24:xx)
#: belong to the evening before; nobody asking at 23:30 means tomorrow's 6:00 bus.
DAY_BREAK = time(3, 0)
AROUND_BEFORE = timedelta(minutes=60)
AROUND_AFTER = timedelta(hours=3)
ARRIVE_LOOKBACK = timedelta(hours=12)


@dataclass
class Outcome:
    """What the timetable says about one request, before it is put into words."""

    kind: str
    departures: list[Departure]
    window_start: datetime
    window_end: datetime
    target: datetime | None = None
    last_left: Departure | None = None   # nothing left: the last one that already went
    next_first: Departure | None = None  # the first departure after the window
    is_last: bool = False                # the final listed departure is the day's last
    expired_on: date | None = None       # the feed's service ended on this date
    transfer: tuple[Departure, Departure] | None = None  # no direct trip: best one-change trip
    future_day: bool = False             # the window is a later day, not "from now"


def day_break_after(moment: datetime) -> datetime:
    """The first DAY_BREAK strictly after ``moment`` (the end of the operating day)."""
    today = datetime.combine(moment.date(), DAY_BREAK, tzinfo=moment.tzinfo)
    return today if moment < today else today + timedelta(days=1)


def _target_day(now: datetime, day_offset: int | None, weekday: int | None) -> date:
    if day_offset is not None:
        return now.date() + timedelta(days=day_offset)
    if weekday is not None:
        return now.date() + timedelta(days=(weekday - now.weekday()) % 7)
    return now.date()


def _clock_target(now: datetime, day: date, explicit_day: bool, hour: int, minute: int,
                  meridiem: str) -> datetime:
    """Resolve "9時ごろ" / "around 9 pm" to a moment: the first reading not already past."""
    hour = hour % 24
    if meridiem == "pm" and hour < 12:
        hour += 12
    elif meridiem == "am" and hour == 12:
        hour = 0
    candidates = [hour]
    if not meridiem and hour < 12:
        candidates.append(hour + 12)
    for h in candidates:
        t = datetime.combine(day, time(h, minute % 60), tzinfo=now.tzinfo)
        if explicit_day and day != now.date():
            return t
        if t >= now - AROUND_BEFORE:
            return t
    return datetime.combine(day + timedelta(days=1), time(hour, minute % 60), tzinfo=now.tzinfo)


def plan(index: TransitIndex, origins: list[Stop], dests: list[Stop] | None, now: datetime,
         kind: str, *, day_offset: int | None = None, weekday: int | None = None,
         hour: int | None = None, minute: int = 0, meridiem: str = "", limit: int = 3) -> Outcome:
    """Answer next / last / first / around / arrive_by over the right wall-clock window."""
    now = now.astimezone(index.tz)
    day = _target_day(now, day_offset, weekday)
    explicit_day = day_offset is not None or weekday is not None
    future = day > now.date() and explicit_day
    op_end = day_break_after(now)
    if future:
        start = datetime.combine(day, DAY_BREAK, tzinfo=now.tzinfo)
        op_end = start + timedelta(days=1)
    else:
        start = now
    op_start = op_end - timedelta(days=1)

    if kind in ("around", "arrive_by") and hour is not None:
        target = _clock_target(now, day, explicit_day, hour, minute, meridiem)
        if kind == "arrive_by" and dests:
            lo = max(start, target - ARRIVE_LOOKBACK)
            cands = index.departures(origins, dests, lo, target, limit=limit * 3, latest=True)
            deps = [d for d in cands if d.arr is not None and d.arr <= target][-limit:]
            out = Outcome(kind, deps, lo, target, target=target, future_day=future)
        else:
            lo = max(now, target - AROUND_BEFORE)
            cands = index.departures(origins, dests, lo, target + AROUND_AFTER, limit=limit * 2)
            closest = sorted(cands, key=lambda d: abs((d.dep - target).total_seconds()))[:limit]
            deps = sorted(closest, key=lambda d: d.dep)
            out = Outcome("around", deps, lo, target + AROUND_AFTER, target=target, future_day=future)
        if not out.departures:
            after = out.window_start if kind == "arrive_by" else out.window_end
            out.next_first = index.first_after(origins, dests, after)
        return _with_expiry(index, out, now, origins, dests)

    if kind == "last":
        last = index.departures(origins, dests, op_start, op_end, limit=1, latest=True)
        out = Outcome(kind, [d for d in last if d.dep >= start], start, op_end, future_day=future)
        if last and not out.departures:
            out.last_left = last[0]
        out.is_last = bool(out.departures)
        if not out.departures:
            out.next_first = index.first_after(origins, dests, op_end)
        return _with_expiry(index, out, now, origins, dests)

    if kind == "first":
        first = index.departures(origins, dests, op_start if not future else start, op_end, limit=1)
        if first and first[0].dep >= now:
            return Outcome(kind, first, op_start, op_end, future_day=future)
        nxt = index.first_after(origins, dests, op_end)
        out = Outcome(kind, [nxt] if nxt else [], op_end, op_end + timedelta(days=1), future_day=True)
        return _with_expiry(index, out, now, origins, dests)

    deps = index.departures(origins, dests, start, op_end, limit=limit)
    out = Outcome("next", deps, start, op_end, future_day=future)
    if len(deps) < limit:
        out.is_last = bool(deps)
        out.next_first = index.first_after(origins, dests, op_end)
        if not deps and not future:
            left = index.departures(origins, dests, op_start, start, limit=1, latest=True)
            out.last_left = left[0] if left else None
    return _with_expiry(index, out, now, origins, dests)


#: Minimum time to change buses at a stop.
TRANSFER_MIN = timedelta(minutes=3)


def best_transfer(index: TransitIndex, origins: list[Stop], dests: list[Stop], start: datetime,
                  days: int = 7) -> tuple[Departure, Departure] | None:
    """The one-change journey that arrives first, leaving at or after ``start``."""
    best: tuple[Departure, Departure] | None = None
    for hub in index.transfer_points(origins, dests):
        for day in range(days):
            lo = start + timedelta(days=day)
            leg1 = index.departures(origins, hub, lo, lo + timedelta(days=1), limit=1)
            if not leg1 or leg1[0].arr is None:
                continue
            leg2 = index.departures(hub, dests, leg1[0].arr + TRANSFER_MIN,
                                    leg1[0].arr + timedelta(days=1), limit=1)
            if leg2 and leg2[0].arr is not None:
                if best is None or leg2[0].arr < best[1].arr:  # type: ignore[operator]
                    # leave as late as still makes the connection: less waiting in the cold
                    later = index.departures(origins, hub, lo, leg2[0].dep, limit=3, latest=True)
                    fits = [d for d in later if d.arr is not None and d.arr + TRANSFER_MIN <= leg2[0].dep]
                    best = (fits[-1] if fits else leg1[0], leg2[0])
                break
    return best


def last_transfer(index: TransitIndex, origins: list[Stop], dests: list[Stop], start: datetime,
                  end: datetime) -> tuple[Departure, Departure] | None:
    """The one-change journey that leaves last, at or after ``start``, with its second bus
    leaving before ``end`` (the service day): "last bus to the airport" when no bus goes
    there directly. Per change point, the latest second bus that a first bus still meets."""
    best: tuple[Departure, Departure] | None = None
    for hub in index.transfer_points(origins, dests):
        for leg2 in index.departures(hub, dests, start, end, limit=6, latest=True)[::-1]:
            if leg2.arr is None:
                continue
            feeders = index.departures(origins, hub, start, leg2.dep, limit=3, latest=True)
            fits = [d for d in feeders if d.arr is not None and d.arr + TRANSFER_MIN <= leg2.dep]
            if fits:
                if best is None or fits[-1].dep > best[0].dep:
                    best = (fits[-1], leg2)
                break
    return best


def _with_expiry(index: TransitIndex, out: Outcome, now: datetime, origins: list[Stop] | None = None,
                 dests: list[Stop] | None = None) -> Outcome:
    """Flag a feed whose calendar has run out, so "no bus" is not taken as the truth; with
    no direct trip at all, look for a journey with one change."""
    if not out.departures and out.next_first is None and out.last_left is None and origins and dests:
        start = max(now, out.window_start)
        if out.kind == "last":
            out.transfer = last_transfer(index, origins, dests, start, out.window_end)
            out.is_last = out.transfer is not None
        if out.transfer is None:
            out.transfer = best_transfer(index, origins, dests, start)
    if not out.departures and out.next_first is None and out.transfer is None:
        rng = index.service_range()
        if rng is not None and rng[1] < now.date():
            out.expired_on = rng[1]
    return out
