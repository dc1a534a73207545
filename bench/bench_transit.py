"""Timing of the transit index and next-departure queries (a script, not a test).

    .venv/bin/python bench/bench_transit.py [--stop-times 1000000] [--queries 300]

Prints, for the Donan Bus feed (../shared/realdata) and for a synthetic feed generated
into a temporary folder: index build time and size, and warm latency (median, p95, max)
of a next-departure query (the ``plan(..., "next")`` the answerer runs: up to three
departures, the next service day when the evening is over) and of a whole
``BusAnswerer.answer`` call. Target: <= 20 ms warm per query.
"""

from __future__ import annotations

import argparse
import csv
import random
import statistics
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.engine.contract import Answer, HouseContext, Question
from bot.transit.answerer import BusAnswerer
from bot.transit.query import TransitIndex, plan
from ingest.knowledge import load_knowledge
from ingest.transit.timetables import build_index

ROOT = Path(__file__).resolve().parents[1]

TZ = ZoneInfo("Asia/Tokyo")
DONAN = ROOT.parent / "shared" / "realdata" / "gtfs-donanbus-muroran-hokkaido"


def synthetic_feed(folder: Path, stop_times: int, seed: int = 1) -> None:
    """A city-sized feed: 3,000 stops, 25-stop routes, weekday/weekend services,
    holidays in calendar_dates and some trips running past 24:00."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    n_stops, per_trip = 3000, 25
    n_trips = stop_times // per_trip
    n_routes = max(1, n_trips // 200)

    def write(name: str, header: list[str], rows: list | object) -> None:
        with open(folder / name, "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerow(header)
            w.writerows(rows)  # type: ignore[arg-type]

    write("agency.txt", ["agency_id", "agency_name", "agency_url", "agency_timezone"],
          [("syn", "合成交通（ベンチマーク用）", "https://example.com/", "Asia/Tokyo")])
    write("stops.txt", ["stop_id", "stop_name", "stop_lat", "stop_lon"],
          [(f"S{i}", f"停留所{i}", 43 + i / 1e4, 143 + i / 1e4) for i in range(n_stops)])
    write("routes.txt", ["route_id", "route_short_name", "route_long_name", "route_type"],
          [(f"R{r}", str(r), f"{r}系統", 3) for r in range(n_routes)])
    write("calendar.txt", ["service_id", "monday", "tuesday", "wednesday", "thursday", "friday",
                           "saturday", "sunday", "start_date", "end_date"],
          [("WD", 1, 1, 1, 1, 1, 0, 0, "20260101", "20271231"), ("WE", 0, 0, 0, 0, 0, 1, 1, "20260101", "20271231")])
    write("calendar_dates.txt", ["service_id", "date", "exception_type"],
          [(s, d, t) for d in ("20261103", "20261123") for s, t in (("WD", 2), ("WE", 1))])
    patterns = [rng.sample(range(n_stops), per_trip) for _ in range(n_routes)]
    trips = []
    with open(folder / "stop_times.txt", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["trip_id", "arrival_time", "departure_time", "stop_id", "stop_sequence"])
        for t in range(n_trips):
            route = t % n_routes
            service = "WD" if (t // n_routes) % 5 < 3 else "WE"
            trip_id = f"T{t}"
            trips.append((f"R{route}", service, trip_id, f"停留所{patterns[route][-1]}"))
            clock = 5 * 3600 + rng.randrange(0, 20 * 3600)  # 5:00 .. 25:00
            for seq, stop in enumerate(patterns[route], start=1):
                hms = f"{clock // 3600:02d}:{clock % 3600 // 60:02d}:{clock % 60:02d}"
                w.writerow((trip_id, hms, hms, f"S{stop}", seq))
                clock += rng.randrange(60, 240)
    write("trips.txt", ["route_id", "service_id", "trip_id", "trip_headsign"], trips)


def pairs_from(index: TransitIndex, k: int, seed: int) -> list[tuple[str, str]]:
    """k (origin, destination) stop_id pairs that some trip connects."""
    rng = random.Random(seed)
    conn = index._conn  # read-only benchmark helper
    n = conn.execute("SELECT max(idx) FROM trips").fetchone()[0]
    out = []
    while len(out) < k:
        rows = conn.execute("SELECT stop_idx FROM stop_times WHERE trip_idx=? ORDER BY seq",
                            (rng.randrange(n + 1),)).fetchall()
        if len(rows) >= 2:
            i = rng.randrange(len(rows) - 1)
            j = rng.randrange(i + 1, len(rows))
            out.append((index.stops[rows[i][0]].stop_id, index.stops[rows[j][0]].stop_id))
    return out


def timed(fn, n: int) -> list[float]:
    out = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1000)
    return out


def report(label: str, ms: list[float]) -> None:
    ms = sorted(ms)
    p95 = ms[min(len(ms) - 1, int(len(ms) * 0.95))]
    print(f"  {label:<38} median {statistics.median(ms):6.2f} ms   p95 {p95:6.2f} ms   max {ms[-1]:6.2f} ms"
          f"   (n={len(ms)})")


def bench_feed(name: str, feed: Path, work: Path, queries: int, base: datetime) -> tuple[str, str]:
    out = work / f"{name}.sqlite"
    stats = build_index(feed, out)
    print(f"{name}: {stats.stop_times:,} stop_times, {stats.trips:,} trips, {stats.stops:,} stops")
    print(f"  index build {stats.build_seconds:.2f} s, size {stats.bytes / 1e6:.2f} MB")
    index = TransitIndex(out, TZ)
    rng = random.Random(42)
    work_items = []
    for origin, dest in pairs_from(index, queries, seed=7):
        now = base + timedelta(days=rng.randrange(7), minutes=rng.randrange(5 * 60, 23 * 60))
        work_items.append((index.boarding_group(origin), [index.by_id[dest]], now))
    for o, d, now in work_items[:20]:  # warm the page cache and the calendar cache
        plan(index, o, d, now, "next")
    def run(kind: str, late: bool = False):
        items = iter(work_items * 2)

        def one() -> None:
            origins, dests, now = next(items)
            if late:  # evening over: finds the last one gone and the next service day's first
                now = now.replace(hour=23, minute=50)
            plan(index, origins, dests, now, kind)
        return one

    report("next departures (plan 'next', 3 deps)", timed(run("next"), queries))
    report("last bus (plan 'last')", timed(run("last"), queries))
    report("next at 23:50 (+ next service day)", timed(run("next", late=True), queries))
    origin, dest = work_items[0][0][0], work_items[0][1][0]
    sample = (origin.stop_id, dest.name)
    index.close()
    return sample


def bench_answerer(feed: Path, work: Path, house_stop: str, question: str, now: datetime) -> None:
    root = work / "kb"
    (root / "houses" / "h").mkdir(parents=True, exist_ok=True)
    (root / "areas" / "a").mkdir(parents=True, exist_ok=True)
    gtfs = root / "areas" / "a" / "gtfs"
    if not gtfs.exists():
        gtfs.symlink_to(feed)
    (root / "houses" / "h" / "house.yaml").write_text(f"id: h\narea: a\nstops: ['{house_stop}']\n",
                                                      encoding="utf-8")
    kb, _ = load_knowledge(root)
    index_dir = work / "idx"
    build_index(gtfs, index_dir / "a.sqlite")
    bus = BusAnswerer(kb, index_dir)
    house = kb.houses["h"]
    ctx = HouseContext(house=house, area=kb.area_of(house), knowledge_root=str(root), lang="ja",
                       retrieve=lambda q: Answer("", "ja", "retrieval", 0.0, abstained=True))
    q = Question(text=question, house_id="h", now=now, lang="ja")
    bus.answer(q, ctx)
    report(f"BusAnswerer.answer({question!r})", timed(lambda: bus.answer(q, ctx), 100))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--stop-times", type=int, default=1_000_000)
    ap.add_argument("--queries", type=int, default=300)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-transit-") as tmp:
        work = Path(tmp)
        origin, dest = bench_feed("Donan Bus (real)", DONAN, work, args.queries, datetime(2020, 10, 12, tzinfo=TZ))
        bench_answerer(DONAN, work / "donan", origin, f"{dest}行きのバスは？",
                       datetime(2020, 10, 14, 7, 0, tzinfo=TZ))
        t0 = time.perf_counter()
        synthetic_feed(work / "syn", args.stop_times)
        print(f"(synthetic feed written in {time.perf_counter() - t0:.1f} s)")
        origin, dest = bench_feed(f"Synthetic ({args.stop_times:,} stop_times)", work / "syn", work,
                                  args.queries, datetime(2026, 10, 12, tzinfo=TZ))
        bench_answerer(work / "syn", work / "synkb", origin, f"{dest}行きのバスは？",
                       datetime(2026, 10, 14, 7, 0, tzinfo=TZ))

if __name__ == "__main__":
    main()
