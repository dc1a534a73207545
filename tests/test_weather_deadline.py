"""Weather never holds up a briefing, or the server, longer than its total deadline.

A provider that answers one byte every half second never trips a per-read timeout; it
used to make a briefing take 52.7 s and, eight at once, to block every request thread of
`concierge serve`. The weather fake's "drip" mode plays that provider.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.weather.forecast import WeatherService
from fakes.alexa_envelope import encode, envelope
from fakes.serve_process import ServeProcess
from fakes.weather_server import WeatherServer

JST = ZoneInfo("Asia/Tokyo")
WAKKANAI = {"jma_office": "011000", "jma_area": "011000", "jma_station": "11016"}
REPORT_DAY = datetime(2021, 7, 24, 12, 0, tzinfo=JST)  # the recording covers this day


@pytest.fixture()
def dripping() -> Iterator[WeatherServer]:
    with WeatherServer(mode="drip", drip_seconds=0.1) as s:
        yield s


class Clock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def service(server: WeatherServer, timeout: float, clock: Clock | None = None) -> WeatherService:
    return WeatherService(jma_base_url=server.jma_base_url, openmeteo_base_url=server.openmeteo_base_url,
                          timeout=timeout, clock=clock or time.monotonic)


def test_a_provider_trickling_its_reply_gives_no_weather_by_the_total_deadline(dripping: WeatherServer) -> None:
    started = time.monotonic()
    assert service(dripping, timeout=0.5).today(WAKKANAI, REPORT_DAY) is None
    assert time.monotonic() - started < 0.9


def test_eight_briefings_at_once_share_one_fetch_and_all_end_by_the_deadline(dripping: WeatherServer) -> None:
    weather = service(dripping, timeout=0.6)
    took: list[float] = []

    def brief() -> None:
        t = time.monotonic()
        weather.today(WAKKANAI, REPORT_DAY)
        took.append(time.monotonic() - t)

    threads = [threading.Thread(target=brief) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(took) == 8 and max(took) < 1.0
    assert len(dripping.requests) == 1


def test_after_a_trickling_fetch_fails_the_next_briefing_does_not_wait(dripping: WeatherServer) -> None:
    weather = service(dripping, timeout=0.4)
    weather.today(WAKKANAI, REPORT_DAY)
    started = time.monotonic()
    assert weather.today(WAKKANAI, REPORT_DAY) is None
    assert time.monotonic() - started < 0.1
    assert len(dripping.requests) == 1


def test_the_fetch_itself_is_cut_off_at_the_deadline(dripping: WeatherServer) -> None:
    service(dripping, timeout=0.3).today(WAKKANAI, REPORT_DAY)
    deadline = time.monotonic() + 1.0
    while time.monotonic() < deadline and any(t.name == "weather-fetch" for t in threading.enumerate()):
        time.sleep(0.02)
    assert not any(t.name == "weather-fetch" for t in threading.enumerate())


def test_the_cached_report_answers_while_the_provider_trickles() -> None:
    clock = Clock()
    with WeatherServer(drip_seconds=0.1) as server:
        weather = service(server, timeout=0.4, clock=clock)
        fresh = weather.today(WAKKANAI, REPORT_DAY)
        assert fresh is not None
        server.mode = "drip"
        clock.t += 31 * 60  # the cached report is due for a refresh
        started = time.monotonic()
        assert weather.today(WAKKANAI, REPORT_DAY) == fresh
        assert time.monotonic() - started < 0.8


def test_eight_slow_briefings_do_not_block_healthz_line_or_alexa(tmp_path: Path) -> None:
    """`concierge serve` with 8 request threads: 8 briefings whose provider trickles, and
    meanwhile /healthz, a signed LINE webhook and an Alexa question are all answered."""
    from fakes.alexa_engine import DEVICE_JMA, JMA_HOUSE, knowledge_copy, real_engine, settings
    from fakes.line_harness import SECRET, TOKEN, body_of, sign

    real_engine()  # ingests the knowledge copy once, so serve starts on a ready store
    s = settings()
    with WeatherServer(mode="drip", drip_seconds=0.5) as drip:
        env = {
            "CONCIERGE_KNOWLEDGE": str(knowledge_copy()), "CONCIERGE_STORE": str(s.store_dir),
            "CONCIERGE_DATA": str(tmp_path / "data"), "CONCIERGE_WEATHER_TIMEOUT": "2",
            "CONCIERGE_JMA_BASE_URL": drip.jma_base_url, "CONCIERGE_OPENMETEO_BASE_URL": drip.openmeteo_base_url,
            "ALEXA_VERIFY_REQUESTS": "false", "ALEXA_DEVICE_HOUSES": f"{DEVICE_JMA}={JMA_HOUSE}",
            "LINE_CHANNEL_SECRET": SECRET, "LINE_CHANNEL_ACCESS_TOKEN": TOKEN,
            "LINE_API_BASE_URL": "http://127.0.0.1:9",
        }
        with ServeProcess(env, threads=8) as server:
            results: dict[str, tuple[int, float]] = {}

            def timed(name: str, method: str, path: str, body: bytes | None = None,
                      headers: dict[str, str] | None = None) -> None:
                t = time.monotonic()
                status = server.request(method, path, body, headers, timeout=30)[0]
                results[name] = (status, time.monotonic() - t)

            morning = encode(envelope("MorningBriefingIntent", device_id=DEVICE_JMA, now=REPORT_DAY))
            json_headers = {"Content-Type": "application/json"}
            threads = [threading.Thread(target=timed, args=(f"briefing{i}", "POST", "/alexa", morning, json_headers))
                       for i in range(8)]
            for t in threads:
                t.start()
            time.sleep(0.3)  # every request thread is now waiting for the weather
            webhook = body_of()
            others = [
                threading.Thread(target=timed, args=("healthz", "GET", "/healthz")),
                threading.Thread(target=timed, args=("line", "POST", "/line/webhook", webhook,
                                                     {"X-Line-Signature": sign(webhook), **json_headers})),
                threading.Thread(target=timed, args=("alexa", "POST", "/alexa",
                                                     encode(envelope("AMAZON.HelpIntent")), json_headers)),
            ]
            for t in others:
                t.start()
            for t in threads + others:
                t.join()
    assert {name: status for name, (status, _) in results.items()} == {
        **{f"briefing{i}": 200 for i in range(8)}, "healthz": 200, "line": 200, "alexa": 200}
    slowest = max(took for _, took in results.values())
    assert slowest < 5.0, results
    assert len(drip.requests) == 1
