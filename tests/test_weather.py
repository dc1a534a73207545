"""Weather for the morning briefing, read from real recorded JMA and Open-Meteo responses
served over loopback HTTP (tests/fakes/weather_server.py)."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator, Mapping
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bot.weather.forecast import JMA, OPEN_METEO, WeatherService, weather_location
from fakes.weather_server import WeatherServer

JST = ZoneInfo("Asia/Tokyo")
WAKKANAI = {"jma_office": "011000", "jma_area": "011000", "jma_station": "11016"}
TOKYO = {"jma_office": "130000", "jma_area": "130010", "jma_station": "44132"}
HACHIJOJIMA = {"jma_office": "130000", "jma_area": "130030", "jma_station": "44263"}
TOFINO = {"lat": 49.15, "lon": -125.9}


@pytest.fixture()
def server() -> Iterator[WeatherServer]:
    with WeatherServer() as s:
        yield s


class Clock:
    """A monotonic clock the test moves by hand (cache expiry without sleeping)."""

    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def service_for(
    server: WeatherServer, clock: Clock | None = None, timeout: float = 1.0
) -> WeatherService:
    return WeatherService(
        jma_base_url=server.jma_base_url,
        openmeteo_base_url=server.openmeteo_base_url,
        timeout=timeout,
        clock=clock or time.monotonic,
    )


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_jma_late_morning_report_gives_todays_high_and_no_low(server: WeatherServer) -> None:
    day = service_for(server).today(WAKKANAI, datetime(2021, 7, 24, 12, 0, tzinfo=JST))
    assert day is not None
    assert day.provider == JMA
    assert day.high == 28
    assert day.low is None  # the 00:00 slot of a same-day report is only a placeholder


def test_jma_weather_text_loses_its_full_width_spaces_and_gets_an_english_summary(
    server: WeatherServer,
) -> None:
    day = service_for(server).today(WAKKANAI, datetime(2021, 7, 24, 12, 0, tzinfo=JST))
    assert day is not None
    assert day.text_ja == "晴れ時々くもり所により霧"
    assert day.text_en == "sunny"
    assert not day.rain and not day.snow
    assert day.precip_chance == 0


def test_jma_multi_area_office_is_read_by_area_and_station_code(server: WeatherServer) -> None:
    server.jma_files["130000"] = "tokyo-2021-07-24T11"
    now = datetime(2021, 7, 24, 12, 0, tzinfo=JST)
    tokyo = service_for(server).today(TOKYO, now)
    hachijo = service_for(server).today(HACHIJOJIMA, now)
    assert tokyo is not None and hachijo is not None
    assert tokyo.high == 33
    assert hachijo.high is not None and hachijo.high != tokyo.high
    assert tokyo.text_ja != "" and hachijo.text_ja != ""


def test_jma_evening_report_has_no_temperatures_for_the_rest_of_today(
    server: WeatherServer,
) -> None:
    day = service_for(server).today(TOKYO, datetime(2026, 1, 5, 19, 0, tzinfo=JST))
    assert day is not None
    assert day.low is None and day.high is None
    assert day.text_ja == "晴れ夜遅くくもり"


def test_jma_evening_report_gives_the_next_mornings_low_and_high(server: WeatherServer) -> None:
    day = service_for(server).today(TOKYO, datetime(2026, 1, 6, 7, 0, tzinfo=JST))
    assert day is not None
    assert (day.low, day.high) == (2, 11)


def test_yesterday_evenings_report_still_answers_when_the_provider_is_down_next_morning(
    server: WeatherServer,
) -> None:
    clock = Clock()
    service = service_for(server, clock)
    assert service.today(TOKYO, datetime(2026, 1, 5, 20, 0, tzinfo=JST)) is not None
    server.mode = "error"
    clock.t += 11 * 3600
    day = service.today(TOKYO, datetime(2026, 1, 6, 7, 0, tzinfo=JST))
    assert day is not None and (day.low, day.high) == (2, 11)


def test_open_meteo_daily_block_gives_todays_low_high_and_condition(server: WeatherServer) -> None:
    now = datetime(2026, 9, 27, 8, 0, tzinfo=ZoneInfo("America/Vancouver"))
    day = service_for(server).today(TOFINO, now)
    assert day is not None
    assert day.provider == OPEN_METEO
    assert (day.low, day.high) == (6.2, 15.0)
    assert day.text_en == "overcast" and day.text_ja == "くもり"
    assert not day.rain and not day.snow
    assert day.precip_chance == 2


def test_open_meteo_is_asked_for_the_location_and_time_zone(server: WeatherServer) -> None:
    service_for(server).today(
        TOFINO, datetime(2026, 9, 27, 8, 0, tzinfo=ZoneInfo("America/Vancouver"))
    )
    (path,) = server.requests
    assert path.startswith("/v1/forecast?")
    assert "latitude=49.1500" in path and "longitude=-125.9000" in path
    assert "timezone=America%2FVancouver" in path and "temperature_2m_min" in path


def test_open_meteo_rain_tomorrow_is_reported_as_rain(server: WeatherServer) -> None:
    now = datetime(2026, 9, 28, 8, 0, tzinfo=ZoneInfo("America/Vancouver"))
    day = service_for(server).today(TOFINO, now)
    assert day is not None and day.rain and day.text_en == "heavy rain"


def test_open_meteo_full_response_with_nulls_and_extra_keys_is_read(server: WeatherServer) -> None:
    server.openmeteo_file = "enschede-2026-10-03"
    now = datetime(2026, 10, 3, 9, 0, tzinfo=ZoneInfo("Europe/Amsterdam"))
    day = service_for(server).today({"lat": 52.27, "lon": 6.87}, now)
    assert day is not None
    assert (day.low, day.high) == (8.4, 20.6)


def test_a_report_that_does_not_cover_today_gives_no_weather(server: WeatherServer) -> None:
    assert service_for(server).today(WAKKANAI, datetime(2026, 12, 4, 7, 0, tzinfo=JST)) is None


def test_an_unreachable_provider_gives_none_quickly() -> None:
    port = closed_port()
    service = WeatherService(
        jma_base_url=f"http://127.0.0.1:{port}/bosai/forecast/data/forecast",
        openmeteo_base_url=f"http://127.0.0.1:{port}/v1/forecast",
        timeout=1.0,
    )
    started = time.monotonic()
    assert service.today(WAKKANAI, datetime(2021, 7, 24, 12, 0, tzinfo=JST)) is None
    assert service.today(TOFINO, datetime(2026, 9, 27, 8, 0, tzinfo=JST)) is None
    assert time.monotonic() - started < 2.0


def test_a_server_error_gives_none(server: WeatherServer) -> None:
    server.mode = "error"
    assert service_for(server).today(TOFINO, datetime(2026, 9, 28, 0, 0, tzinfo=JST)) is None


def test_a_provider_slower_than_the_timeout_gives_none_within_the_timeout(
    server: WeatherServer,
) -> None:
    server.mode = "slow"
    started = time.monotonic()
    assert (
        service_for(server, timeout=0.3).today(WAKKANAI, datetime(2021, 7, 24, 12, 0, tzinfo=JST))
        is None
    )
    assert time.monotonic() - started < 1.5


def test_an_unexpected_document_gives_none(server: WeatherServer) -> None:
    server.mode = "wrong"
    assert service_for(server).today(WAKKANAI, datetime(2021, 7, 24, 12, 0, tzinfo=JST)) is None
    assert service_for(server).today(TOFINO, datetime(2026, 9, 28, 0, 0, tzinfo=JST)) is None


def test_an_unknown_office_gives_none(server: WeatherServer) -> None:
    cfg = {"jma_office": "013000", "jma_area": "013020", "jma_station": "17521"}
    assert service_for(server).today(cfg, datetime(2026, 1, 6, 7, 0, tzinfo=JST)) is None


def test_reports_are_cached_per_location_for_half_an_hour(server: WeatherServer) -> None:
    clock = Clock()
    service = service_for(server, clock)
    now = datetime(2021, 7, 24, 12, 0, tzinfo=JST)
    service.today(WAKKANAI, now)
    clock.t += 29 * 60
    service.today(WAKKANAI, now)
    assert len(server.requests) == 1
    clock.t += 2 * 60
    service.today(WAKKANAI, now)
    assert len(server.requests) == 2


def test_a_failed_fetch_is_not_retried_on_every_question(server: WeatherServer) -> None:
    server.mode = "error"
    clock = Clock()
    service = service_for(server, clock)
    now = datetime(2021, 7, 24, 12, 0, tzinfo=JST)
    for _ in range(3):
        assert service.today(WAKKANAI, now) is None
    assert len(server.requests) == 1
    server.mode = "ok"
    clock.t += 6 * 60
    assert service.today(WAKKANAI, now) is not None


def test_no_weather_locationuration_asks_no_provider(server: WeatherServer) -> None:
    assert service_for(server).today(None, datetime(2026, 1, 6, 7, 0, tzinfo=JST)) is None
    assert server.requests == []


def test_a_house_without_weather_uses_its_areas() -> None:
    class Place:
        def __init__(self, weather: Mapping[str, object] | None) -> None:
            self.weather = weather

    assert weather_location(Place(None), Place(TOFINO)) == TOFINO
    assert weather_location(Place(WAKKANAI), Place(TOFINO)) == WAKKANAI
