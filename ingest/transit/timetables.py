"""Check a GTFS feed and compile it into a compact SQLite timetable index.

Why an index: a bus question must be answered in milliseconds on a small server, and a
feed's ``stop_times.txt`` can hold a million rows. All parsing, translation lookups,
frequency expansion and interpolation of untimed stops happen here, once, at ingest.
The query side (``bot.transit.query``) then only does indexed look-ups:
``stop_times(stop_idx, dep)`` to walk departures from a stop in time order and the
primary key ``(trip_idx, seq)`` to check that the same trip reaches the destination.

stop_times are read in one streaming pass and checked a whole trip at a time as each
trip completes (feeds group a trip's rows), so a million rows need neither a staging
table nor the file in memory as Python objects.

Validation and indexing are one code path (validation builds into a throw-away
in-memory database), so a feed that validates is exactly a feed that indexes.
A failed build leaves the previous index untouched: it is written to a temporary file
and moved into place with ``os.replace``.
"""

from __future__ import annotations

import os
import sqlite3
import time
import zipfile
from collections import defaultdict
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path
from typing import Any

from ingest.problems import KnowledgeError, Problem
from ingest.transit.gtfs import Feed, Table, is_date, parse_time
from ingest.transit.schema import INDEXES, NO_DROP_OFF, NO_PICKUP, SCHEMA, SCHEMA_VERSION

REQUIRED_FILES = ("agency.txt", "stops.txt", "routes.txt", "trips.txt", "stop_times.txt")
REQUIRED_COLUMNS: dict[str, tuple[str, ...]] = {
    "agency.txt": ("agency_name",),
    "stops.txt": ("stop_id",),
    "routes.txt": ("route_id",),
    "trips.txt": ("route_id", "service_id", "trip_id"),
    "stop_times.txt": ("trip_id", "stop_id", "stop_sequence"),
    "calendar.txt": ("service_id", "monday", "tuesday", "wednesday", "thursday", "friday",
                     "saturday", "sunday", "start_date", "end_date"),
    "calendar_dates.txt": ("service_id", "date", "exception_type"),
    "frequencies.txt": ("trip_id", "start_time", "end_time", "headway_secs"),
}
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


_MISSING: Any = object()

#: Problems reported per file and kind before the rest are summarised.
MAX_PER_KIND = 20



@dataclass
class IndexStats:
    """What a build produced and what it cost (printed by ingest and the benchmark)."""

    stops: int = 0
    routes: int = 0
    trips: int = 0
    stop_times: int = 0
    services: int = 0
    build_seconds: float = 0.0
    bytes: int = 0
    path: str = ""


class _Report:
    """Collects problems, capping repeats of one kind so a broken 1M-row file stays readable."""

    def __init__(self, rel: str):
        self.rel = rel.rstrip("/")
        self.problems: list[Problem] = []
        self._counts: dict[tuple[str, str], int] = defaultdict(int)

    def add(self, file: str, line: int, message: str, kind: str | None = None) -> None:
        key = (file, kind or message)
        self._counts[key] += 1
        n = self._counts[key]
        if n <= MAX_PER_KIND:
            self.problems.append(Problem(f"{self.rel}/{file}", line, message))

    def finish(self) -> list[Problem]:
        for (file, kind), n in self._counts.items():
            if n > MAX_PER_KIND:
                self.problems.append(Problem(f"{self.rel}/{file}", 0,
                                             f"{n - MAX_PER_KIND} more rows with: {kind}"))
        return self.problems


@dataclass
class _Translations:
    """Both translations.txt layouts, resolved to lookups by record and by original text.

    Current GTFS / GTFS-JP v3: ``table_name,field_name,language,translation,record_id,
    record_sub_id,field_value``. Old GTFS-JP v1: ``trans_id,lang,translation`` where
    ``trans_id`` is the Japanese text itself.
    """

    by_record: dict[tuple[str, str, str], dict[str, str]] = field(default_factory=dict)
    by_value: dict[tuple[str, str, str], dict[str, str]] = field(default_factory=dict)
    by_text: dict[str, dict[str, str]] = field(default_factory=dict)

    def get(self, table: str, fld: str, record_id: str, value: str) -> dict[str, str]:
        out: dict[str, str] = {}
        for source in (self.by_text.get(value), self.by_value.get((table, fld, value)),
                       self.by_record.get((table, fld, record_id))):
            if source:
                out.update(source)
        return out


def _lang_key(tag: str) -> str | None:
    """Map a BCP-47 tag to the two readings we keep: English and kana."""
    t = tag.strip().lower()
    if t in ("ja-hrkt", "ja-kana", "ja-hira"):
        return "kana"
    if t == "en" or t.startswith("en-"):
        return "en"
    return None


class _Builder:
    """One pass over a feed: checks every row and, as a side effect, fills the index."""

    def __init__(self, feed: Feed, report: _Report, conn: sqlite3.Connection):
        self.feed = feed
        self.report = report
        self.conn = conn
        self.stop_idx: dict[str, int] = {}
        self.route_idx: dict[str, int] = {}
        self.service_idx: dict[str, int] = {}
        self.trip_idx: dict[str, int] = {}
        self.tr = _Translations()
        self.stats = IndexStats()

    # -- helpers ---------------------------------------------------------------------
    def _table(self, name: str, required: bool) -> Table | None:
        t = self.feed.table(name)
        if t is None:
            if required:
                self.report.add(name, 0, "missing required file")
            return None
        missing = [c for c in REQUIRED_COLUMNS.get(name, ()) if c not in t.columns]
        if t.columns and missing:
            self.report.add(name, 1, "missing required column(s): " + ", ".join(missing))
            return None
        if not t.columns and required:
            self.report.add(name, 0, "file is empty (a header row is required)")
            return None
        return t

    def _service(self, service_id: str) -> int:
        if service_id not in self.service_idx:
            self.service_idx[service_id] = len(self.service_idx)
        return self.service_idx[service_id]

    # -- the pass --------------------------------------------------------------------
    def run(self) -> IndexStats:
        self.conn.executescript(SCHEMA)
        files = self.feed.files()
        for name in REQUIRED_FILES:
            if name not in files:
                self.report.add(name, 0, "missing required file")
        if "calendar.txt" not in files and "calendar_dates.txt" not in files:
            self.report.add("calendar.txt", 0,
                            "missing: a feed needs calendar.txt or calendar_dates.txt")
        self._translations()
        agencies = self._agencies()
        self._stops()
        self._routes()
        self._calendar()
        self._trips()
        self._stop_times()
        self._frequencies()
        self._finish(agencies)
        return self.stats

    def _translations(self) -> None:
        t = self._table("translations.txt", required=False)
        if t is None or not t.columns:
            return
        if "trans_id" in t.columns:
            for _line, r in t.rows():
                key = _lang_key(r.get("lang", ""))
                if key and r.get("trans_id") and r.get("translation"):
                    self.tr.by_text.setdefault(r["trans_id"], {})[key] = r["translation"]
            return
        need = ("table_name", "field_name", "language", "translation")
        if any(c not in t.columns for c in need):
            self.report.add("translations.txt", 1,
                            "unknown layout: expected table_name,field_name,language,translation,"
                            "... or trans_id,lang,translation")
            return
        for _line, r in t.rows():
            key = _lang_key(r["language"])
            if not key or not r["translation"]:
                continue
            tbl, fld = r["table_name"], r["field_name"]
            if r.get("record_id"):
                self.tr.by_record.setdefault((tbl, fld, r["record_id"]), {})[key] = r["translation"]
            elif r.get("field_value"):
                self.tr.by_value.setdefault((tbl, fld, r["field_value"]), {})[key] = r["translation"]

    def _agencies(self) -> list[tuple[str, str]]:
        t = self._table("agency.txt", required=False)
        out: list[tuple[str, str]] = []
        if t is None:
            return out
        for line, r in t.rows():
            name = r.get("agency_name", "")
            if not name:
                self.report.add("agency.txt", line, "agency_name is empty")
                continue
            en = self.tr.get("agency", "agency_name", r.get("agency_id", ""), name).get("en", "")
            out.append((name, en))
        return out

    def _stops(self) -> None:
        t = self._table("stops.txt", required=True)
        if t is None:
            return
        rows = []
        parents: list[tuple[int, int, str]] = []
        for line, r in t.rows():
            sid = r["stop_id"]
            if not sid:
                self.report.add("stops.txt", line, "stop_id is empty")
                continue
            if sid in self.stop_idx:
                self.report.add("stops.txt", line, f"duplicate stop_id {sid!r}", "duplicate stop_id")
                continue
            loc = r.get("location_type", "") or "0"
            if loc not in ("0", "1", "2", "3", "4"):
                self.report.add("stops.txt", line, f"location_type {loc!r} must be 0-4",
                                "bad location_type")
                loc = "0"
            name = r.get("stop_name", "")
            if not name and loc in ("0", "1", "2"):
                self.report.add("stops.txt", line, f"stop {sid!r} has no stop_name", "no stop_name")
            lat = lon = None
            try:
                if r.get("stop_lat"):
                    lat = float(r["stop_lat"])
                if r.get("stop_lon"):
                    lon = float(r["stop_lon"])
            except ValueError:
                self.report.add("stops.txt", line, f"stop {sid!r}: stop_lat/stop_lon must be numbers",
                                "bad lat/lon")
            idx = len(self.stop_idx)
            self.stop_idx[sid] = idx
            tr = self.tr.get("stops", "stop_name", sid, name)
            rows.append((idx, sid, name, tr.get("kana", ""), tr.get("en", ""), lat, lon, int(loc)))
            if r.get("parent_station"):
                parents.append((idx, line, r["parent_station"]))
        self.conn.executemany("INSERT INTO stops VALUES (?,?,?,?,?,?,?,?,NULL)", rows)
        updates = []
        for idx, line, parent in parents:
            if parent not in self.stop_idx:
                self.report.add("stops.txt", line, f"parent_station {parent!r} is not a stop_id",
                                "unknown parent_station")
                continue
            updates.append((self.stop_idx[parent], idx))
        self.conn.executemany("UPDATE stops SET parent_idx=? WHERE idx=?", updates)
        self.stats.stops = len(rows)

    def _routes(self) -> None:
        t = self._table("routes.txt", required=True)
        if t is None:
            return
        rows = []
        for line, r in t.rows():
            rid = r["route_id"]
            if not rid:
                self.report.add("routes.txt", line, "route_id is empty")
                continue
            if rid in self.route_idx:
                self.report.add("routes.txt", line, f"duplicate route_id {rid!r}", "duplicate route_id")
                continue
            short, long_ = r.get("route_short_name", ""), r.get("route_long_name", "")
            if not short and not long_:
                self.report.add("routes.txt", line,
                                f"route {rid!r} needs route_short_name or route_long_name",
                                "route without name")
            idx = len(self.route_idx)
            self.route_idx[rid] = idx
            s_en = self.tr.get("routes", "route_short_name", rid, short).get("en", "") if short else ""
            l_en = self.tr.get("routes", "route_long_name", rid, long_).get("en", "") if long_ else ""
            rows.append((idx, rid, short, long_, s_en, l_en, r.get("agency_id", "")))
        self.conn.executemany("INSERT INTO routes VALUES (?,?,?,?,?,?,?)", rows)
        self.stats.routes = len(rows)

    def _calendar(self) -> None:
        services: dict[int, tuple[int, str | None, str | None]] = {}
        t = self._table("calendar.txt", required=False)
        if t is not None:
            for line, r in t.rows():
                sid = r["service_id"]
                if not sid:
                    self.report.add("calendar.txt", line, "service_id is empty")
                    continue
                mask = 0
                ok = True
                for i, day in enumerate(WEEKDAYS):
                    if r[day] not in ("0", "1"):
                        self.report.add("calendar.txt", line, f"{day} must be 0 or 1, not {r[day]!r}",
                                        "bad weekday flag")
                        ok = False
                    elif r[day] == "1":
                        mask |= 1 << i
                for col in ("start_date", "end_date"):
                    if not is_date(r[col]):
                        self.report.add("calendar.txt", line, f"{col} {r[col]!r} is not YYYYMMDD",
                                        "bad date")
                        ok = False
                idx = self._service(sid)
                if idx in services:
                    self.report.add("calendar.txt", line, f"duplicate service_id {sid!r}",
                                    "duplicate service_id")
                    continue
                if ok:
                    services[idx] = (mask, r["start_date"], r["end_date"])
        dates = []
        t = self._table("calendar_dates.txt", required=False)
        if t is not None:
            for line, r in t.rows():
                sid, date, ex = r["service_id"], r["date"], r["exception_type"]
                if not sid:
                    self.report.add("calendar_dates.txt", line, "service_id is empty")
                    continue
                if not is_date(date):
                    self.report.add("calendar_dates.txt", line, f"date {date!r} is not YYYYMMDD",
                                    "bad date")
                    continue
                if ex not in ("1", "2"):
                    self.report.add("calendar_dates.txt", line,
                                    f"exception_type must be 1 (added) or 2 (removed), not {ex!r}",
                                    "bad exception_type")
                    continue
                dates.append((self._service(sid), date, int(ex)))
        rows = [(idx, sid, *services.get(idx, (0, None, None)))
                for sid, idx in self.service_idx.items()]
        self.conn.executemany("INSERT INTO services VALUES (?,?,?,?,?)", rows)
        self.conn.executemany("INSERT INTO service_dates VALUES (?,?,?)", dates)
        self.stats.services = len(rows)

    def _trips(self) -> None:
        t = self._table("trips.txt", required=True)
        if t is None:
            return
        rows = []
        for line, r in t.rows():
            tid, rid, sid = r["trip_id"], r["route_id"], r["service_id"]
            if not tid:
                self.report.add("trips.txt", line, "trip_id is empty")
                continue
            if tid in self.trip_idx:
                self.report.add("trips.txt", line, f"duplicate trip_id {tid!r}", "duplicate trip_id")
                continue
            if rid not in self.route_idx:
                self.report.add("trips.txt", line, f"route_id {rid!r} is not in routes.txt",
                                "unknown route_id")
                continue
            if sid not in self.service_idx:
                self.report.add("trips.txt", line,
                                f"service_id {sid!r} is not in calendar.txt or calendar_dates.txt",
                                "unknown service_id")
                continue
            idx = len(self.trip_idx)
            self.trip_idx[tid] = idx
            hs = r.get("trip_headsign", "")
            tr = self.tr.get("trips", "trip_headsign", tid, hs) if hs else {}
            rows.append((idx, tid, self.route_idx[rid], self.service_idx[sid], hs,
                         tr.get("en", ""), tr.get("kana", "")))
        self.conn.executemany("INSERT INTO trips VALUES (?,?,?,?,?,?,?,NULL)", rows)
        self.stats.trips = len(rows)

    def _stop_times(self) -> None:
        t = self._table("stop_times.txt", required=True)
        if t is None:
            return
        cols = t.columns
        if "arrival_time" not in cols and "departure_time" not in cols:
            self.report.add("stop_times.txt", 1, "missing required column(s): arrival_time, departure_time")
            return
        i_trip, i_stop, i_seq = cols.index("trip_id"), cols.index("stop_id"), cols.index("stop_sequence")
        i_arr = cols.index("arrival_time") if "arrival_time" in cols else None
        i_dep = cols.index("departure_time") if "departure_time" in cols else None
        i_pu = cols.index("pickup_type") if "pickup_type" in cols else None
        i_do = cols.index("drop_off_type") if "drop_off_type" in cols else None
        need = max(x for x in (i_trip, i_stop, i_seq, i_arr, i_dep, i_pu, i_do) if x is not None) + 1
        report, trips, stops = self.report, self.trip_idx, self.stop_idx
        assembler = _TripAssembler(self)
        times: dict[str, int | None] = {}  # a feed repeats the same few thousand clock times
        for line, cells in t.raw_rows():
            if len(cells) < need:
                cells = cells + [""] * (need - len(cells))
            tid, sid, seq_s = cells[i_trip].strip(), cells[i_stop].strip(), cells[i_seq].strip()
            trip = trips.get(tid)
            if trip is None:
                report.add("stop_times.txt", line, f"trip_id {tid!r} is not in trips.txt",
                           "unknown trip_id")
                continue
            stop = stops.get(sid)
            if stop is None:
                report.add("stop_times.txt", line, f"stop_id {sid!r} is not in stops.txt",
                           "unknown stop_id")
                continue
            try:
                seq = int(seq_s)
            except ValueError:
                report.add("stop_times.txt", line, f"stop_sequence {seq_s!r} is not a whole number",
                           "bad stop_sequence")
                continue
            a_s = cells[i_arr].strip() if i_arr is not None else ""
            d_s = cells[i_dep].strip() if i_dep is not None else ""
            arr = times.get(a_s, _MISSING)
            if arr is _MISSING:
                arr = times[a_s] = parse_time(a_s) if a_s else None
            dep = times.get(d_s, _MISSING)
            if dep is _MISSING:
                dep = times[d_s] = parse_time(d_s) if d_s else None
            if (a_s and arr is None) or (d_s and dep is None):
                bad = a_s if a_s and arr is None else d_s
                report.add("stop_times.txt", line, f"time {bad!r} is not H:MM:SS", "bad time")
                continue
            if arr is None:
                arr = dep
            if dep is None:
                dep = arr
            flags = 0
            if i_pu is not None and cells[i_pu].strip() == "1":
                flags |= NO_PICKUP
            if i_do is not None and cells[i_do].strip() == "1":
                flags |= NO_DROP_OFF
            assembler.add((line, trip, seq, stop, arr, dep, flags))
        assembler.finish()

    def _frequencies(self) -> None:
        """Expand headway-based trips into concrete trips, so queries need no special case."""
        t = self._table("frequencies.txt", required=False)
        if t is None or not t.columns:
            return
        expansions: dict[int, list[int]] = defaultdict(list)
        for line, r in t.rows():
            trip = self.trip_idx.get(r["trip_id"])
            start, end = parse_time(r["start_time"]), parse_time(r["end_time"])
            try:
                headway = int(r["headway_secs"])
            except ValueError:
                headway = 0
            if trip is None:
                self.report.add("frequencies.txt", line, f"trip_id {r['trip_id']!r} is not in trips.txt",
                                "unknown trip_id")
            elif start is None or end is None or end < start:
                self.report.add("frequencies.txt", line, "start_time/end_time must be H:MM:SS, start <= end",
                                "bad time")
            elif headway <= 0:
                self.report.add("frequencies.txt", line, "headway_secs must be a positive number",
                                "bad headway")
            else:
                expansions[trip].extend(range(start, end, headway))
        c = self.conn
        for trip, starts in expansions.items():
            first = c.execute("SELECT min(dep) FROM stop_times WHERE trip_idx=?", (trip,)).fetchone()[0]
            if first is None:
                continue
            base = c.execute("SELECT trip_id, route_idx, service_idx, headsign, headsign_en,"
                             " headsign_kana FROM trips WHERE idx=?", (trip,)).fetchone()
            for s in starts:
                new = len(self.trip_idx)
                new_id = f"{base[0]}@{_hms(s)}"
                self.trip_idx[new_id] = new
                c.execute("INSERT INTO trips VALUES (?,?,?,?,?,?,?,NULL)", (new, new_id, *base[1:]))
                c.execute("INSERT INTO stop_times SELECT ?, seq, stop_idx, arr-?+?, dep-?+?, flags"
                          " FROM stop_times WHERE trip_idx=?", (new, first, s, first, s, trip))
            c.execute("DELETE FROM stop_times WHERE trip_idx=?", (trip,))
            c.execute("DELETE FROM trips WHERE idx=?", (trip,))

    def _finish(self, agencies: list[tuple[str, str]]) -> None:
        c = self.conn
        c.executescript(INDEXES)
        c.execute("UPDATE trips SET last_stop_idx=(SELECT stop_idx FROM stop_times s"
                  " WHERE s.trip_idx=trips.idx ORDER BY seq DESC LIMIT 1)")
        self.stats.stop_times = c.execute("SELECT count(*) FROM stop_times").fetchone()[0]
        self.stats.trips = c.execute("SELECT count(*) FROM trips").fetchone()[0]
        max_dep = c.execute("SELECT max(dep) FROM stop_times").fetchone()[0] or 0
        meta = {
            "schema_version": SCHEMA_VERSION,
            "max_dep": str(max_dep),
            "agency": agencies[0][0] if agencies else "",
            "agency_en": agencies[0][1] if agencies else "",
            "built_at": str(int(time.time())),
        }
        info = self.feed.table("feed_info.txt")
        if info is not None and info.columns:
            for _, r in info.rows():
                for k in ("feed_version", "feed_start_date", "feed_end_date", "feed_publisher_name"):
                    meta[k] = r.get(k, "")
                break
        c.executemany("INSERT INTO meta VALUES (?,?)", meta.items())


#: (line, trip_idx, seq, stop_idx, arr, dep, flags); line 0 = row already stored.
_Row = tuple[int, int, int, int, "int | None", "int | None", int]


class _TripAssembler:
    """Checks and stores stop_times one whole trip at a time, streaming.

    Feeds list a trip's rows together, so a trip is complete when the next one starts:
    it is then sorted, checked (repeated sequence, untimed ends, times going back),
    interpolated and written. Rows of a trip that shows up again later in the file are
    kept aside and merged with the stored part at the end, so an unsorted file is still
    indexed correctly (just with more memory).
    """

    BATCH = 20_000

    def __init__(self, builder: _Builder):
        self.b = builder
        self.current: int | None = None
        self.rows: list[_Row] = []
        self.done: set[int] = set()
        self.late: dict[int, list[_Row]] = defaultdict(list)
        self.batch: list[tuple[Any, ...]] = []

    def add(self, row: _Row) -> None:
        trip = row[1]
        if trip == self.current:
            self.rows.append(row)
        elif trip in self.done:
            self.late[trip].append(row)
        else:
            self._flush()
            self.current, self.rows = trip, [row]

    def finish(self) -> None:
        self._flush()
        self._write()
        c = self.b.conn
        for trip, late in self.late.items():
            stored = [(0, trip, *r) for r in c.execute(
                "SELECT seq, stop_idx, arr, dep, flags FROM stop_times WHERE trip_idx=?", (trip,))]
            c.execute("DELETE FROM stop_times WHERE trip_idx=?", (trip,))
            self._store(stored + late, fallback_line=late[0][0])
        self._write()

    def _flush(self) -> None:
        if self.current is not None:
            self._store(self.rows)
            self.done.add(self.current)
        self.current, self.rows = None, []

    def _store(self, rows: list[_Row], fallback_line: int = 0) -> None:
        rows.sort(key=lambda r: (r[2], r[0]))
        report = self.b.report
        tid = _TripName(self.b.trip_idx)
        kept: list[_Row] = []
        for r in rows:
            if kept and kept[-1][2] == r[2]:
                report.add("stop_times.txt", r[0] or fallback_line,
                           f"trip {tid(r[1])!r} repeats stop_sequence {r[2]}", "repeated stop_sequence")
                continue
            kept.append(r)
        for r in (kept[0], kept[-1]):
            if r[5] is None:
                report.add("stop_times.txt", r[0] or fallback_line,
                           f"trip {tid(r[1])!r}: the first and last stop need arrival/departure times",
                           "untimed first/last stop")
        prev: int | None = None
        for r in kept:
            if r[4] is not None and prev is not None and r[4] < prev:
                report.add("stop_times.txt", r[0] or fallback_line,
                           f"trip {tid(r[1])!r} goes back in time ({_hms(r[4])} after {_hms(prev)})",
                           "times go backwards")
            if r[5] is not None:
                prev = r[5] if prev is None else max(prev, r[5])
        self.batch.extend((r[1], r[2], r[3], r[4], r[5], r[6]) for r in _interpolated(kept))
        if len(self.batch) >= self.BATCH:
            self._write()

    def _write(self) -> None:
        self.b.conn.executemany("INSERT OR IGNORE INTO stop_times VALUES (?,?,?,?,?,?)", self.batch)
        self.batch.clear()


class _TripName:
    """trip_idx -> trip_id, built only when a problem needs to name a trip."""

    def __init__(self, ids: dict[str, int]):
        self._ids = ids
        self._names: dict[int, str] | None = None

    def __call__(self, idx: int) -> str:
        if self._names is None:
            self._names = {v: k for k, v in self._ids.items()}
        return self._names.get(idx, str(idx))


def _interpolated(rows: list[_Row]) -> list[_Row]:
    """Untimed intermediate stops get a time linearly by stop order between timed ones."""
    timed = [i for i, r in enumerate(rows) if r[5] is not None]
    if len(timed) == len(rows) or not timed:
        return rows
    out = list(rows)
    for a, b in pairwise(timed):
        start, end = rows[a][5], rows[b][4]
        assert start is not None and end is not None
        for i in range(a + 1, b):
            v = start + (end - start) * (i - a) // (b - a)
            out[i] = (*rows[i][:4], v, v, rows[i][6])
    return out


def _hms(seconds: int) -> str:
    return f"{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def _run(feed: Path, rel: str, conn: sqlite3.Connection) -> tuple[IndexStats, list[Problem]]:
    report = _Report(rel)
    try:
        source = Feed(feed)
    except FileNotFoundError:
        return IndexStats(), [Problem(rel.rstrip("/"), 0, "GTFS feed not found")]
    except zipfile.BadZipFile:
        return IndexStats(), [Problem(rel.rstrip("/"), 0, "not a readable .zip file")]
    stats = _Builder(source, report, conn).run()
    return stats, report.finish()


def validate_feed(feed: Path, rel: str) -> list[Problem]:
    """Every problem that would stop ``build_index``, as ``file:row: message``.

    ``rel`` is the feed's path relative to the knowledge folder (``areas/kitami/gtfs``);
    problems are reported against ``<rel>/<file>.txt``.
    """
    conn = sqlite3.connect(":memory:")
    try:
        _, problems = _run(Path(feed), rel, conn)
    finally:
        conn.close()
    return problems


def build_index(feed: Path, out: Path, rel: str | None = None) -> IndexStats:
    """Compile ``feed`` into the SQLite index at ``out``; raises KnowledgeError on problems.

    The index is built in ``out``'s folder under a temporary name and swapped in with
    ``os.replace``, so readers see either the old or the new index, never half of one.
    """
    t0 = time.perf_counter()
    feed, out = Path(feed), Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    conn = sqlite3.connect(tmp)
    try:
        conn.execute("PRAGMA journal_mode=OFF")
        conn.execute("PRAGMA synchronous=OFF")
        conn.execute("PRAGMA cache_size=-262144")  # up to 256 MB: the whole index stays in memory
        stats, problems = _run(feed, rel or feed.as_posix(), conn)
        if problems:
            raise KnowledgeError(problems)
        conn.commit()
        conn.close()
        os.replace(tmp, out)
    except BaseException:
        conn.close()
        tmp.unlink(missing_ok=True)
        raise
    stats.build_seconds = time.perf_counter() - t0
    stats.bytes = out.stat().st_size
    stats.path = str(out)
    return stats
