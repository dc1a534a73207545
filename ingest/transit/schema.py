"""The timetable index's SQLite layout: written by ``ingest.transit.timetables``, read by
``bot.transit.query``. One module so the writer and the reader cannot drift apart.
"""

from __future__ import annotations

from pathlib import Path

#: Bumped whenever the index layout changes; readers refuse other versions.
SCHEMA_VERSION = "1"

#: Folder of the per-area indexes inside the store.
TRANSIT_DIR = "transit"

#: Flags stored per stop time: boarding / alighting not allowed (pickup/drop_off_type 1).
NO_PICKUP = 1
NO_DROP_OFF = 2

SCHEMA = """
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE stops(idx INTEGER PRIMARY KEY, stop_id TEXT NOT NULL, name TEXT, kana TEXT,
    en TEXT, lat REAL, lon REAL, location_type INTEGER, parent_idx INTEGER);
CREATE TABLE routes(idx INTEGER PRIMARY KEY, route_id TEXT NOT NULL, short_name TEXT,
    long_name TEXT, short_en TEXT, long_en TEXT, agency_id TEXT);
CREATE TABLE services(idx INTEGER PRIMARY KEY, service_id TEXT NOT NULL, weekdays INTEGER,
    start_date TEXT, end_date TEXT);
CREATE TABLE service_dates(service_idx INTEGER, date TEXT, exception_type INTEGER);
CREATE TABLE trips(idx INTEGER PRIMARY KEY, trip_id TEXT NOT NULL, route_idx INTEGER,
    service_idx INTEGER, headsign TEXT, headsign_en TEXT, headsign_kana TEXT,
    last_stop_idx INTEGER);
CREATE TABLE stop_times(trip_idx INTEGER, seq INTEGER, stop_idx INTEGER, arr INTEGER,
    dep INTEGER, flags INTEGER, PRIMARY KEY(trip_idx, seq)) WITHOUT ROWID;
"""
INDEXES = """
CREATE INDEX stop_times_by_stop ON stop_times(stop_idx, dep, flags);
CREATE INDEX service_dates_by_date ON service_dates(date);
"""


def transit_dir(store_dir: Path) -> Path:
    """The folder of a store that holds every area's timetable index."""
    return Path(store_dir) / TRANSIT_DIR


def index_file(folder: Path, area_id: str) -> Path:
    """An area's index inside a transit folder (see :func:`transit_dir`)."""
    return Path(folder) / f"{area_id}.sqlite"


def index_path(store_dir: Path, area_id: str) -> Path:
    """Where an area's timetable index lives in a store."""
    return index_file(transit_dir(store_dir), area_id)
