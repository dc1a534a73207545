"""Reading and indexing GTFS feeds: real feeds load unchanged, broken ones are refused
with file:row messages, and a failed build keeps the previous index."""

from __future__ import annotations

import shutil
import sqlite3
import zipfile
from pathlib import Path

import pytest

from ingest.problems import KnowledgeError
from ingest.transit.timetables import build_index, validate_feed
from tests.conftest import EVAL_CORPUS, REALDATA, SAMPLE_KNOWLEDGE

DONAN = REALDATA / "gtfs-donanbus-muroran-hokkaido"
KYOTO = REALDATA / "gtfs-jp-kyotosangyo-univ-shuttle"
EVAL_FEED = EVAL_CORPUS / "areas" / "kitami" / "gtfs"
SAMPLE_FEED = SAMPLE_KNOWLEDGE / "areas" / "kitami" / "gtfs"

MINI = {
    "agency.txt": "agency_name,agency_url,agency_timezone\nテスト交通,https://example.com/,Asia/Tokyo\n",
    "stops.txt": "stop_id,stop_name,stop_lat,stop_lon\nA,駅前,43.0,143.0\nB,病院,43.1,143.1\nC,空港,43.2,143.2\n",
    "routes.txt": "route_id,route_short_name,route_long_name,route_type\nR,1,本線,3\n",
    "trips.txt": "route_id,service_id,trip_id,trip_headsign\nR,S,T1,空港\n",
    "stop_times.txt": ("trip_id,arrival_time,departure_time,stop_id,stop_sequence\n"
                       "T1,08:00:00,08:00:00,A,1\nT1,,,B,2\nT1,08:20:00,08:20:00,C,3\n"),
    "calendar.txt": ("service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date\n"
                     "S,1,1,1,1,1,1,1,20260101,20271231\n"),
}


def write_feed(folder: Path, files: dict[str, str | bytes]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        data = content.encode("utf-8") if isinstance(content, str) else content
        (folder / name).write_bytes(data)
    return folder


def rows(db: Path, sql: str) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


@pytest.mark.parametrize("feed", [DONAN, KYOTO, EVAL_FEED, SAMPLE_FEED], ids=lambda p: p.name)
def test_real_and_shipped_feeds_validate_without_problems(feed: Path) -> None:
    assert validate_feed(feed, "areas/x/gtfs") == []


def test_donan_feed_indexes_every_stop_time_and_reads_old_layout_kana(tmp_path: Path) -> None:
    stats = build_index(DONAN, tmp_path / "donan.sqlite")
    assert (stats.stops, stats.routes, stats.trips, stats.stop_times) == (706, 74, 541, 20594)
    assert stats.bytes > 0 and stats.build_seconds > 0
    kana = rows(tmp_path / "donan.sqlite", "SELECT kana FROM stops WHERE stop_id='0001_A'")
    assert kana == [("えともだんち",)]


def test_kyoto_feed_reads_current_translations_layout_by_field_value(tmp_path: Path) -> None:
    build_index(KYOTO, tmp_path / "k.sqlite")
    got = rows(tmp_path / "k.sqlite", "SELECT en, kana FROM stops WHERE stop_id='7475_A'")
    assert got == [("Kyoto Sangyo University", "きょうとさんぎょうだいがくまえ")]


def test_a_zipped_feed_in_a_subfolder_indexes_like_the_folder(tmp_path: Path) -> None:
    z = tmp_path / "feed.zip"
    with zipfile.ZipFile(z, "w") as zf:
        for p in EVAL_FEED.glob("*.txt"):
            zf.write(p, f"export/{p.name}")
    a = build_index(z, tmp_path / "a.sqlite")
    b = build_index(EVAL_FEED, tmp_path / "b.sqlite")
    assert (a.stops, a.trips, a.stop_times) == (b.stops, b.trips, b.stop_times)


def test_bom_crlf_and_missing_optional_files_are_accepted(tmp_path: Path) -> None:
    files = {k: b"\xef\xbb\xbf" + v.replace("\n", "\r\n").encode() for k, v in MINI.items()}
    feed = write_feed(tmp_path / "f", files)
    assert validate_feed(feed, "areas/x/gtfs") == []
    assert build_index(feed, tmp_path / "i.sqlite").stop_times == 3


def test_an_untimed_intermediate_stop_gets_an_interpolated_time(tmp_path: Path) -> None:
    feed = write_feed(tmp_path / "f", MINI)
    build_index(feed, tmp_path / "i.sqlite")
    got = rows(tmp_path / "i.sqlite", "SELECT dep FROM stop_times ORDER BY seq")
    assert got == [(8 * 3600,), (8 * 3600 + 600,), (8 * 3600 + 1200,)]


def test_frequency_based_trips_are_expanded_into_concrete_trips(tmp_path: Path) -> None:
    freq = "trip_id,start_time,end_time,headway_secs\nT1,08:00:00,09:00:00,1200\n"
    feed = write_feed(tmp_path / "f", {**MINI, "frequencies.txt": freq})
    stats = build_index(feed, tmp_path / "i.sqlite")
    assert stats.trips == 3
    firsts = rows(tmp_path / "i.sqlite", "SELECT min(dep) FROM stop_times GROUP BY trip_idx ORDER BY 1")
    assert [f for (f,) in firsts] == [8 * 3600, 8 * 3600 + 1200, 8 * 3600 + 2400]


def test_an_empty_optional_file_without_header_is_ignored(tmp_path: Path) -> None:
    feed = write_feed(tmp_path / "f", {**MINI, "frequencies.txt": ""})
    assert validate_feed(feed, "areas/x/gtfs") == []


def test_missing_required_file_is_reported_with_its_path(tmp_path: Path) -> None:
    files = dict(MINI)
    del files["routes.txt"]
    problems = validate_feed(write_feed(tmp_path / "f", files), "areas/kitami/gtfs")
    assert any(p.path == "areas/kitami/gtfs/routes.txt" and "missing required file" in p.message
               for p in problems)


def test_missing_required_column_names_the_column(tmp_path: Path) -> None:
    feed = write_feed(tmp_path / "f", {**MINI, "trips.txt": "route_id,trip_id\nR,T1\n"})
    problems = validate_feed(feed, "areas/x/gtfs")
    assert [str(p) for p in problems if "trips.txt" in p.path] == [
        "areas/x/gtfs/trips.txt:1: missing required column(s): service_id"]


def test_bad_time_and_unknown_stop_are_reported_on_their_rows(tmp_path: Path) -> None:
    st = ("trip_id,arrival_time,departure_time,stop_id,stop_sequence\n"
          "T1,08:00:00,08:00:00,A,1\nT1,8h10,8h10,B,2\nT1,08:20:00,08:20:00,Z,3\n")
    problems = validate_feed(write_feed(tmp_path / "f", {**MINI, "stop_times.txt": st}), "g")
    text = [str(p) for p in problems]
    assert "g/stop_times.txt:3: time '8h10' is not H:MM:SS" in text
    assert "g/stop_times.txt:4: stop_id 'Z' is not in stops.txt" in text


def test_unknown_service_and_route_in_trips_are_reported(tmp_path: Path) -> None:
    trips = "route_id,service_id,trip_id\nR,S,T1\nX,S,T2\nR,NOPE,T3\n"
    problems = [str(p) for p in validate_feed(write_feed(tmp_path / "f", {**MINI, "trips.txt": trips}), "g")]
    assert "g/trips.txt:3: route_id 'X' is not in routes.txt" in problems
    assert "g/trips.txt:4: service_id 'NOPE' is not in calendar.txt or calendar_dates.txt" in problems


def test_times_going_backwards_within_a_trip_are_reported(tmp_path: Path) -> None:
    st = ("trip_id,arrival_time,departure_time,stop_id,stop_sequence\n"
          "T1,08:00:00,08:00:00,A,1\nT1,07:50:00,07:50:00,B,2\nT1,08:20:00,08:20:00,C,3\n")
    problems = [str(p) for p in validate_feed(write_feed(tmp_path / "f", {**MINI, "stop_times.txt": st}), "g")]
    assert any(p.startswith("g/stop_times.txt:3: trip 'T1' goes back in time") for p in problems)


def test_bad_calendar_dates_rows_are_reported(tmp_path: Path) -> None:
    cd = "service_id,date,exception_type\nS,2026-12-31,2\nS,20261231,3\n"
    problems = [str(p) for p in validate_feed(write_feed(tmp_path / "f", {**MINI, "calendar_dates.txt": cd}), "g")]
    assert "g/calendar_dates.txt:2: date '2026-12-31' is not YYYYMMDD" in problems
    assert "g/calendar_dates.txt:3: exception_type must be 1 (added) or 2 (removed), not '3'" in problems


def test_many_identical_problems_are_summarised(tmp_path: Path) -> None:
    st = "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n" + "".join(
        f"T1,08:{i % 60:02d}:00,08:{i % 60:02d}:00,Z,{i}\n" for i in range(50))
    problems = validate_feed(write_feed(tmp_path / "f", {**MINI, "stop_times.txt": st}), "g")
    assert len([p for p in problems if "stop_id 'Z'" in p.message]) == 20
    assert any(p.message.startswith("30 more rows with") for p in problems)


def test_a_failed_build_keeps_the_previous_index(tmp_path: Path) -> None:
    out = tmp_path / "store" / "kitami.sqlite"
    build_index(write_feed(tmp_path / "good", MINI), out)
    before = out.read_bytes()
    broken = write_feed(tmp_path / "bad", {**MINI, "trips.txt": "route_id,service_id,trip_id\nX,S,T1\n"})
    with pytest.raises(KnowledgeError) as err:
        build_index(broken, out, rel="areas/kitami/gtfs")
    assert "areas/kitami/gtfs/trips.txt:2" in str(err.value)
    assert out.read_bytes() == before
    assert [p.name for p in out.parent.iterdir()] == ["kitami.sqlite"]


def test_a_missing_feed_folder_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    problems = validate_feed(tmp_path / "nowhere", "areas/x/gtfs")
    assert [str(p) for p in problems] == ["areas/x/gtfs:0: GTFS feed not found"]


def test_a_shift_jis_feed_is_read(tmp_path: Path) -> None:
    files = {k: v.encode("cp932") for k, v in MINI.items()}
    feed = write_feed(tmp_path / "f", files)
    build_index(feed, tmp_path / "i.sqlite")
    assert rows(tmp_path / "i.sqlite", "SELECT name FROM stops WHERE stop_id='C'") == [("空港",)]


def test_rebuilding_replaces_the_index_in_place(tmp_path: Path) -> None:
    feed = write_feed(tmp_path / "f", MINI)
    out = tmp_path / "i.sqlite"
    build_index(feed, out)
    shutil.copy(EVAL_FEED / "stops.txt", feed / "stops_unused.txt")
    (feed / "trips.txt").write_text(MINI["trips.txt"] + "R,S,T2,空港\n", encoding="utf-8")
    (feed / "stop_times.txt").write_text(MINI["stop_times.txt"] + "T2,09:00:00,09:00:00,A,1\n"
                                         "T2,09:20:00,09:20:00,C,2\n", encoding="utf-8")
    assert build_index(feed, out).trips == 2


def test_stop_times_in_any_order_index_the_same_as_sorted(tmp_path: Path) -> None:
    text = (EVAL_FEED / "stop_times.txt").read_text(encoding="utf-8").splitlines()
    header, body = text[0], text[1:]
    shuffled = [header] + body[::2] + body[1::2][::-1]
    feed = write_feed(tmp_path / "f", {p.name: p.read_bytes() for p in EVAL_FEED.glob("*.txt")})
    (feed / "stop_times.txt").write_text("\n".join(shuffled) + "\n", encoding="utf-8")
    build_index(feed, tmp_path / "shuffled.sqlite")
    build_index(EVAL_FEED, tmp_path / "sorted.sqlite")
    sql = "SELECT * FROM stop_times ORDER BY trip_idx, seq"
    assert rows(tmp_path / "shuffled.sqlite", sql) == rows(tmp_path / "sorted.sqlite", sql)


def test_a_repeated_stop_sequence_is_reported_on_the_second_row(tmp_path: Path) -> None:
    st = ("trip_id,arrival_time,departure_time,stop_id,stop_sequence\n"
          "T1,08:00:00,08:00:00,A,1\nT1,08:10:00,08:10:00,B,1\nT1,08:20:00,08:20:00,C,3\n")
    problems = [str(p) for p in validate_feed(write_feed(tmp_path / "f", {**MINI, "stop_times.txt": st}), "g")]
    assert problems == ["g/stop_times.txt:3: trip 'T1' repeats stop_sequence 1"]


def test_an_untimed_last_stop_is_reported(tmp_path: Path) -> None:
    st = ("trip_id,arrival_time,departure_time,stop_id,stop_sequence\n"
          "T1,08:00:00,08:00:00,A,1\nT1,08:10:00,08:10:00,B,2\nT1,,,C,3\n")
    problems = [str(p) for p in validate_feed(write_feed(tmp_path / "f", {**MINI, "stop_times.txt": st}), "g")]
    assert problems == ["g/stop_times.txt:4: trip 'T1': the first and last stop need arrival/departure times"]
