"""Today's weather for a house, from the Japan Meteorological Agency or Open-Meteo.

Why this module is defensive: the weather is a nicety in the morning briefing, never a
reason to fail it. Every public call returns ``None`` instead of raising when a provider
is slow, down or answers something unexpected, within a total deadline
(``CONCIERGE_WEATHER_TIMEOUT``, 2 s) so a dead or trickling provider cannot hold up a
voice answer (Alexa gives a skill about 8 seconds).

Which provider is chosen by the ``weather`` key of house.yaml (or area.yaml):
``{jma_office, jma_area, jma_station}`` for JMA's forecast JSON, ``{lat, lon}`` for
Open-Meteo. Base URLs come from :class:`bot.config.Settings` so that tests point them at a
loopback server.

JMA quirks handled here (see shared/realdata/weather/README.md): every value is a
string; temperatures are per AMeDAS station, not per forecast area; a report never carries
a genuine minimum for its own day (the slot is a placeholder equal to the maximum), so
"today's low" comes from the previous evening's report when we still hold it; a 17:00
report has no "today" temperatures at all. Areas and stations are looked up by code,
never by list position.

No personal data is logged: only provider names, location codes and error classes.
"""

from __future__ import annotations

import http.client
import json
import logging
import math
import socket
import threading
import time
import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta, timezone
from typing import Any

log = logging.getLogger(__name__)

JMA = "jma"
OPEN_METEO = "open-meteo"

#: Source labels: JMA asks to be credited as "出典：気象庁ホームページ" (Government Standard
#: Terms of Use); Open-Meteo asks for a credit to Open-Meteo.com. Channels prefix "出典".
CREDITS = {
    JMA: {"ja": "気象庁ホームページ", "en": "Japan Meteorological Agency", "zh": "日本气象厅", "ko": "일본 기상청"},
    OPEN_METEO: {"ja": "Open-Meteo.com", "en": "Open-Meteo.com", "zh": "Open-Meteo.com", "ko": "Open-Meteo.com"},
}

#: How long a fetched report is reused before asking the provider again.
DEFAULT_TTL_SECONDS = 30 * 60
#: After a failed fetch, how long we do not retry (so a dead provider costs one timeout,
#: not one per question).
FAILURE_BACKOFF_SECONDS = 5 * 60
#: Older reports than this are not consulted for "today" (JMA's evening report is ~14 h old
#: at 07:00; 36 h leaves room for a missed report).
MEMORY_SECONDS = 36 * 3600


@dataclass(frozen=True)
class WeatherLocation:
    """Where to ask: a JMA office (+ area and station codes) or an Open-Meteo lat/lon."""

    provider: str
    jma_office: str = ""
    jma_area: str = ""
    jma_station: str = ""
    lat: float = 0.0
    lon: float = 0.0

    @classmethod
    def from_config(cls, cfg: Mapping[str, Any] | None) -> WeatherLocation | None:
        """Read a house.yaml/area.yaml ``weather`` mapping; ``None`` when absent or unusable."""
        if not cfg:
            return None
        if cfg.get("jma_office"):
            return cls(
                provider=JMA,
                jma_office=str(cfg["jma_office"]),
                jma_area=str(cfg.get("jma_area") or ""),
                jma_station=str(cfg.get("jma_station") or ""),
            )
        try:
            lat, lon = float(cfg["lat"]), float(cfg["lon"])
        except (KeyError, TypeError, ValueError):
            return None
        return cls(provider=OPEN_METEO, lat=lat, lon=lon)

    @property
    def key(self) -> str:
        """Cache key; lat/lon rounded to ~1 km so neighbouring houses share a fetch."""
        if self.provider == JMA:
            return f"jma:{self.jma_office}:{self.jma_area}:{self.jma_station}"
        return f"om:{self.lat:.2f},{self.lon:.2f}"


@dataclass(frozen=True)
class DayWeather:
    """One day's forecast, as much as the provider told us. Temperatures in °C."""

    day: date
    provider: str
    low: float | None = None
    high: float | None = None
    snow: bool = False
    rain: bool = False
    text_ja: str = ""
    text_en: str = ""
    precip_chance: int | None = None  # highest chance of precipitation today, %
    issued: str = ""  # provider's report time (ISO), for the card and for debugging

    def text(self, lang: str) -> str:
        return self.text_ja if lang == "ja" else (self.text_en or self.text_ja)

    def credit(self, lang: str) -> str:
        credits = CREDITS[self.provider]
        return credits.get(lang, credits["en"])

    @property
    def has_any(self) -> bool:
        return self.low is not None or self.high is not None or bool(self.text_ja or self.text_en)


# --------------------------------------------------------------------------- parsing ----


def _num(value: Any) -> float | None:
    """JMA strings ("-3", "") and Open-Meteo numbers/nulls -> float or None."""
    if value is None or value == "":
        return None
    try:
        out = float(value)
    except (TypeError, ValueError):
        return None
    return out if math.isfinite(out) else None


def _parse_time(value: str) -> datetime | None:
    try:
        return datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return None


def _local_day(now: datetime, reference: datetime | None) -> date:
    """``now``'s calendar date in the time zone the provider used for its dates."""
    if reference is not None and reference.tzinfo is not None and now.tzinfo is not None:
        return now.astimezone(reference.tzinfo).date()
    return now.date()


#: JMA weather codes: the hundreds digit is the main weather.
_JMA_MAIN_EN = {"1": "sunny", "2": "cloudy", "3": "rain", "4": "snow"}


def _jma_text_en(code: str, text_ja: str) -> str:
    main = _JMA_MAIN_EN.get(code[:1], "")
    if not main:
        return ""
    extras = []
    if "雨" in text_ja and main != "rain":
        extras.append("rain")
    if "雪" in text_ja and main != "snow":
        extras.append("snow")
    if extras:
        return f"{main}, with {' or '.join(extras)} at times"
    return main


def parse_jma(report: Any, loc: WeatherLocation, now: datetime) -> DayWeather | None:
    """Today's weather from one JMA forecast JSON (the array of short-term + weekly).

    Returns ``None`` when the report does not describe today (stale) or has an unexpected
    shape. The low is left ``None`` when the report only carries the placeholder.
    """
    if not isinstance(report, list) or not report or not isinstance(report[0], dict):
        return None
    short = report[0]
    issued_at = _parse_time(str(short.get("reportDatetime", "")))
    if issued_at is None:
        return None
    today = _local_day(now, issued_at)
    series = short.get("timeSeries")
    if not isinstance(series, list):
        return None

    text_ja = code = ""
    pops: list[int] = []
    low: float | None = None
    high: float | None = None
    for ts in series:
        if not isinstance(ts, dict):
            continue
        times = [_parse_time(str(t)) for t in ts.get("timeDefines") or []]
        areas = [a for a in ts.get("areas") or [] if isinstance(a, dict)]
        if not times or not areas:
            continue
        sample = areas[0]
        if "weathers" in sample or "weatherCodes" in sample:
            area = _pick(areas, loc.jma_area)
            if area is None:
                continue
            for i, t in enumerate(times):
                if t is not None and t.date() == today:
                    text_ja = _clean_jma_text(_at(area.get("weathers"), i))
                    code = _at(area.get("weatherCodes"), i)
                    break
        elif "pops" in sample:
            area = _pick(areas, loc.jma_area)
            if area is None:
                continue
            for i, t in enumerate(times):
                if t is not None and t.date() == today:
                    p = _num(_at(area.get("pops"), i))
                    if p is not None:
                        pops.append(int(p))
        elif "temps" in sample:
            station = _pick(areas, loc.jma_station)
            if station is None:
                continue
            for i, t in enumerate(times):
                if t is None or t.date() != today:
                    continue
                value = _num(_at(station.get("temps"), i))
                if t.hour == 0 and t.date() > issued_at.date():
                    low = value  # a genuine minimum: published the day before
                elif t.hour != 0:
                    high = value
    # The weekly part (issued the evening before) may hold today's min/max for the station.
    if len(report) > 1 and isinstance(report[1], dict) and loc.jma_station:
        wl, wh = _jma_weekly_temps(report[1], loc.jma_station, today)
        low = low if low is not None else wl
        high = high if high is not None else wh
    if not text_ja and low is None and high is None:
        return None
    return DayWeather(
        day=today,
        provider=JMA,
        low=low,
        high=high,
        snow="雪" in text_ja or code[:1] == "4",
        rain="雨" in text_ja or code[:1] == "3",
        text_ja=text_ja,
        text_en=_jma_text_en(code, text_ja),
        precip_chance=max(pops) if pops else None,
        issued=issued_at.isoformat(),
    )


def _jma_weekly_temps(
    weekly: dict[str, Any], station: str, today: date
) -> tuple[float | None, float | None]:
    for ts in weekly.get("timeSeries") or []:
        if not isinstance(ts, dict):
            continue
        for area in ts.get("areas") or []:
            if not isinstance(area, dict) or "tempsMin" not in area:
                continue
            if str((area.get("area") or {}).get("code")) != station:
                continue
            for i, raw in enumerate(ts.get("timeDefines") or []):
                t = _parse_time(str(raw))
                if t is not None and t.date() == today:
                    return _num(_at(area.get("tempsMin"), i)), _num(_at(area.get("tempsMax"), i))
    return None, None


def _pick(areas: list[dict[str, Any]], code: str) -> dict[str, Any] | None:
    """The entry whose ``area.code`` is ``code``; the first one when no code is configured."""
    if not code:
        return areas[0]
    for a in areas:
        if str((a.get("area") or {}).get("code")) == code:
            return a
    return None


def _at(values: Any, i: int) -> str:
    if isinstance(values, list) and 0 <= i < len(values) and values[i] is not None:
        return str(values[i])
    return ""


def _clean_jma_text(text: str) -> str:
    """JMA separates words with full-width spaces ("晴れ　時々　くもり"); speech wants none."""
    return "".join(text.replace("\u3000", " ").split())


#: WMO weather interpretation codes (Open-Meteo): code -> (ja, en).
_WMO: dict[int, tuple[str, str]] = {
    0: ("晴れ", "clear"),
    1: ("晴れ", "mainly clear"),
    2: ("晴れ時々くもり", "partly cloudy"),
    3: ("くもり", "overcast"),
    45: ("霧", "fog"),
    48: ("霧", "freezing fog"),
    51: ("霧雨", "light drizzle"),
    53: ("霧雨", "drizzle"),
    55: ("霧雨", "heavy drizzle"),
    56: ("着氷性の霧雨", "freezing drizzle"),
    57: ("着氷性の霧雨", "freezing drizzle"),
    61: ("小雨", "light rain"),
    63: ("雨", "rain"),
    65: ("強い雨", "heavy rain"),
    66: ("着氷性の雨", "freezing rain"),
    67: ("着氷性の雨", "freezing rain"),
    71: ("小雪", "light snow"),
    73: ("雪", "snow"),
    75: ("大雪", "heavy snow"),
    77: ("雪", "snow grains"),
    80: ("にわか雨", "rain showers"),
    81: ("にわか雨", "rain showers"),
    82: ("激しいにわか雨", "violent rain showers"),
    85: ("にわか雪", "snow showers"),
    86: ("強いにわか雪", "heavy snow showers"),
    95: ("雷雨", "thunderstorm"),
    96: ("ひょうを伴う雷雨", "thunderstorm with hail"),
    99: ("ひょうを伴う雷雨", "thunderstorm with hail"),
}
_WMO_SNOW = {71, 73, 75, 77, 85, 86}
_WMO_RAIN = {51, 53, 55, 56, 57, 61, 63, 65, 66, 67, 80, 81, 82, 95, 96, 99}


def parse_open_meteo(report: Any, now: datetime) -> DayWeather | None:
    """Today's row of an Open-Meteo ``/v1/forecast`` daily block; ``None`` if absent."""
    if not isinstance(report, dict) or not isinstance(report.get("daily"), dict):
        return None
    daily = report["daily"]
    offset = report.get("utc_offset_seconds")
    tz = timezone(timedelta(seconds=int(offset))) if isinstance(offset, (int, float)) else None
    today = now.astimezone(tz).date() if tz is not None and now.tzinfo is not None else now.date()
    days = daily.get("time")
    if not isinstance(days, list) or today.isoformat() not in days:
        return None
    i = days.index(today.isoformat())

    def col(name: str) -> Any:
        values = daily.get(name)
        return values[i] if isinstance(values, list) and i < len(values) else None

    code_raw = _num(col("weather_code"))
    code = int(code_raw) if code_raw is not None else None
    text_ja, text_en = _WMO.get(code, ("", "")) if code is not None else ("", "")
    snowfall = _num(col("snowfall_sum"))
    rain_sum = _num(col("rain_sum"))
    pop = _num(col("precipitation_probability_max"))
    return DayWeather(
        day=today,
        provider=OPEN_METEO,
        low=_num(col("temperature_2m_min")),
        high=_num(col("temperature_2m_max")),
        snow=(code in _WMO_SNOW) or bool(snowfall and snowfall > 0),
        rain=(code in _WMO_RAIN) or bool(rain_sum and rain_sum > 0),
        text_ja=text_ja,
        text_en=text_en,
        precip_chance=int(pop) if pop is not None else None,
        issued=str((report.get("current") or {}).get("time") or ""),
    )


# --------------------------------------------------------------------------- service ----


@dataclass
class _Fetched:
    at: float  # clock() when fetched
    report: Any


@dataclass(frozen=True)
class WeatherConfig:
    """Where the providers are and how long one fetch may take (tests point them at loopback)."""

    jma_base_url: str = "https://www.jma.go.jp/bosai/forecast/data/forecast"
    openmeteo_base_url: str = "https://api.open-meteo.com/v1/forecast"
    timeout: float = 2.0


class WeatherService:
    """Fetches, caches and parses; safe to call from every request thread at once.

    Holds, per location, the reports fetched in the last :data:`MEMORY_SECONDS`, newest
    first. "Today" is answered from the newest report that knows it; a missing field (JMA's
    morning report has no low) is filled from an older report that forecast today.

    Why fetches run on their own thread with a total deadline: a provider that answers one
    byte every half second never trips a per-read timeout, and a briefing used to wait 50 s
    for it while holding a request thread. Now a caller waits at most ``timeout`` seconds
    in all (then goes on with what the cache holds, or without weather); one fetch per
    location runs at a time and every caller asking meanwhile waits for that one; and the
    fetch itself is cut off by a watchdog at the same deadline, so it ends and counts as a
    failure (no new fetch for :data:`FAILURE_BACKOFF_SECONDS`).
    """

    def __init__(
        self,
        *,
        jma_base_url: str,
        openmeteo_base_url: str,
        timeout: float = 2.0,
        ttl: float = DEFAULT_TTL_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.jma_base_url = jma_base_url.rstrip("/")
        self.openmeteo_base_url = openmeteo_base_url
        self.timeout = timeout
        self.ttl = ttl
        self.clock = clock
        self._reports: dict[str, list[_Fetched]] = {}
        self._failed_at: dict[str, float] = {}
        self._in_flight: dict[str, threading.Event] = {}
        self._lock = threading.Lock()

    @classmethod
    def from_config(cls, cfg: WeatherConfig) -> WeatherService:
        return cls(jma_base_url=cfg.jma_base_url, openmeteo_base_url=cfg.openmeteo_base_url,
                   timeout=float(cfg.timeout))

    def today(self, cfg: Mapping[str, Any] | None, now: datetime) -> DayWeather | None:
        """Today's weather for a ``weather`` config, or ``None``. Never raises, and returns
        within ``timeout`` seconds whatever the provider does."""
        deadline = time.monotonic() + self.timeout
        try:
            loc = WeatherLocation.from_config(cfg)
            if loc is None:
                return None
            self._refresh(loc, now, deadline)
            with self._lock:
                reports = list(self._reports.get(loc.key, []))
            return self._merge([self._parse(loc, f.report, now) for f in reports])
        except Exception as exc:  # noqa: BLE001 - weather must never break an answer
            log.warning("weather: unexpected %s", type(exc).__name__, exc_info=True)
            return None

    # -- internals --

    def _parse(self, loc: WeatherLocation, report: Any, now: datetime) -> DayWeather | None:
        if loc.provider == JMA:
            return parse_jma(report, loc, now)
        return parse_open_meteo(report, now)

    @staticmethod
    def _merge(days: list[DayWeather | None]) -> DayWeather | None:
        """Newest report wins; fill only the temperatures it lacks from older ones."""
        found = [d for d in days if d is not None]
        if not found:
            return None
        best = found[0]
        low, high = best.low, best.high
        for older in found[1:]:
            low = low if low is not None else older.low
            high = high if high is not None else older.high
        if (low, high) == (best.low, best.high):
            return best
        return replace(best, low=low, high=high)

    def _refresh(self, loc: WeatherLocation, now: datetime, deadline: float) -> None:
        """Start a fetch unless the cache is fresh, one is running, or the last one failed
        recently; then wait for the running fetch until ``deadline`` at the latest."""
        key = loc.key
        t = self.clock()
        with self._lock:
            held = self._reports.get(key, [])
            if held and t - held[0].at < self.ttl:
                return
            failed = self._failed_at.get(key)
            if failed is not None and t - failed < FAILURE_BACKOFF_SECONDS:
                return
            done = self._in_flight.get(key)
            if done is None:
                done = self._in_flight[key] = threading.Event()
                threading.Thread(target=self._fetch_and_keep, args=(loc, now, t, done), daemon=True,
                                 name="weather-fetch").start()
        done.wait(max(0.0, deadline - time.monotonic()))

    def _fetch_and_keep(self, loc: WeatherLocation, now: datetime, t: float, done: threading.Event) -> None:
        report: Any | None = None
        try:
            report = self._fetch(loc, now)
        except Exception as exc:  # noqa: BLE001 - a fetch thread must always finish its flight
            log.warning("weather: unexpected %s", type(exc).__name__, exc_info=True)
        finally:
            with self._lock:
                if report is None:
                    self._failed_at[loc.key] = t
                else:
                    self._failed_at.pop(loc.key, None)
                    kept = [f for f in self._reports.get(loc.key, []) if t - f.at < MEMORY_SECONDS]
                    self._reports[loc.key] = ([_Fetched(t, report)] + kept)[:4]
                self._in_flight.pop(loc.key, None)
            done.set()

    def _url(self, loc: WeatherLocation, now: datetime) -> str:
        if loc.provider == JMA:
            return f"{self.jma_base_url}/{urllib.parse.quote(loc.jma_office)}.json"
        tzname = getattr(now.tzinfo, "key", None) or "auto"
        query = urllib.parse.urlencode(
            {
                "latitude": f"{loc.lat:.4f}",
                "longitude": f"{loc.lon:.4f}",
                "daily": "weather_code,temperature_2m_max,temperature_2m_min,"
                "precipitation_probability_max,rain_sum,snowfall_sum",
                "timezone": tzname,
                "forecast_days": "2",
            }
        )
        sep = "&" if "?" in self.openmeteo_base_url else "?"
        return f"{self.openmeteo_base_url}{sep}{query}"

    def _fetch(self, loc: WeatherLocation, now: datetime) -> Any | None:
        started = time.monotonic()
        try:
            body = http_get(self._url(loc, now), self.timeout)
            report = json.loads(body.decode("utf-8"))
        except (OSError, ValueError, http.client.HTTPException) as exc:
            log.info(
                "weather: %s %s unavailable (%s after %.1fs)",
                loc.provider,
                loc.key,
                type(exc).__name__,
                time.monotonic() - started,
            )
            return None
        if self._parse_shape_ok(loc, report):
            return report
        log.info("weather: %s %s answered an unexpected shape", loc.provider, loc.key)
        return None

    @staticmethod
    def _parse_shape_ok(loc: WeatherLocation, report: Any) -> bool:
        if loc.provider == JMA:
            return (
                isinstance(report, list)
                and bool(report)
                and isinstance(report[0], dict)
                and "timeSeries" in report[0]
            )
        return isinstance(report, dict) and isinstance(report.get("daily"), dict)


#: Largest report body read (JMA's biggest office forecast is ~30 kB).
MAX_BODY = 2_000_000


class ProviderError(OSError):
    """The provider answered, but not with a usable 200 response."""


def http_get(url: str, deadline_seconds: float) -> bytes:
    """GET ``url`` and return its body, all of it within ``deadline_seconds``.

    A socket timeout bounds each read only; a watchdog shuts the connection down when the
    whole exchange (connect, headers, body) has taken longer, so a trickling reply fails
    at the deadline instead of after one timeout per byte."""
    parts = urllib.parse.urlsplit(url)
    conn_cls = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    conn = conn_cls(parts.hostname or "", parts.port, timeout=deadline_seconds)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    deadline = time.monotonic() + deadline_seconds
    watchdog = threading.Timer(deadline_seconds, _cut, args=(conn,))
    watchdog.daemon = True
    watchdog.start()
    try:
        conn.connect()
        if time.monotonic() >= deadline:
            raise TimeoutError("weather provider: deadline passed while connecting")
        conn.request("GET", target or "/", headers={"User-Agent": "stay-concierge (weather)",
                                                     "Accept": "application/json"})
        response = conn.getresponse()
        if response.status != 200:
            raise ProviderError(f"HTTP {response.status}")
        body = response.read(MAX_BODY)
        if time.monotonic() >= deadline:
            raise TimeoutError("weather provider: deadline passed while reading")
        return body
    finally:
        watchdog.cancel()
        conn.close()


def _cut(conn: http.client.HTTPConnection) -> None:
    """Watchdog: end a fetch that outlived its deadline (its next read fails at once)."""
    sock = conn.sock
    if sock is not None:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def weather_location(house: Any, area: Any) -> Mapping[str, Any] | None:
    """The house's ``weather`` key, else its area's (KNOWLEDGE_FORMAT.md)."""
    return getattr(house, "weather", None) or getattr(area, "weather", None)
