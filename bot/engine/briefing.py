"""The morning briefing: greeting, today's weather, today's garbage, maybe the next bus.

One function feeds both the Alexa "おはよう" intent and LINE's morning message, so the two
channels never disagree. The model moment:
"おはようございます。今日の最低気温はマイナス10度。燃やせるごみの日です。"

Why every part is optional: the briefing is read aloud at 7 a.m. to someone about to put
out the rubbish; a missing weather provider, calendar or timetable must shorten it, never
turn it into an error. Garbage and buses come from ``bot.garbage.answerer`` and
``bot.transit.answerer`` (computed from the knowledge folder); they are imported lazily and
skipped if absent or failing.
"""

from __future__ import annotations

import importlib
import logging
import weakref
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import Any

from bot.engine.contract import Answer, Source
from bot.weather.forecast import DayWeather, WeatherService, weather_config

log = logging.getLogger(__name__)

_services: "weakref.WeakKeyDictionary[Any, WeatherService]" = weakref.WeakKeyDictionary()


def weather_service(engine: Any) -> WeatherService:
    """The engine's weather service (its cache must outlive one briefing).

    Uses ``engine.weather`` when the engine provides one, else one per engine object,
    created on first use from ``engine.settings``.
    """
    own = getattr(engine, "weather", None)
    if isinstance(own, WeatherService):
        return own
    try:
        return _services[engine]
    except KeyError:
        service = WeatherService.from_settings(engine.settings)
        _services[engine] = service
        return service


def morning_briefing(engine: Any, house_id: str | None, now: datetime, lang: str) -> Answer:
    """Greeting + weather + today's garbage (+ put-out-by time) + next bus, in ``lang``.

    Raises ``ingest.knowledge.UnknownHouse`` for an unknown house (as ``Engine.context``
    does); every other part is skipped when it cannot be computed.
    """
    lang = "ja" if lang == "ja" else "en"
    ctx = engine.context(house_id, lang)
    house, area = ctx.house, ctx.area
    knowledge = engine.knowledge

    spoken: list[str] = [greeting(now, lang)]
    written: list[str] = [spoken[0]]
    sources: list[Source] = []
    data: dict[str, Any] = {"house": house.id, "date": now.date().isoformat()}

    day = weather_service(engine).today(weather_config(house, area), now)
    if day is not None and day.has_any:
        said = weather_sentence(day, lang)
        shown = weather_sentence(day, lang, with_text=True)
        if said:
            spoken.append(said)
        if shown:
            written.append(shown)
            sources.append(Source(path=f"weather:{day.provider}", label=day.credit(lang)))
            data["weather"] = _weather_data(day)

    garbage = _garbage(knowledge, house, now, lang)
    if garbage:
        spoken.append(garbage["text"])
        written.append(garbage["text"])
        data["garbage"] = garbage
        src = _garbage_source(knowledge, area, lang)
        if src is not None:
            sources.append(src)

    bus = _next_bus(engine, knowledge, house, now, lang)
    if bus:
        spoken.append(bus)
        written.append(bus)
        data["bus"] = bus

    sep = "" if lang == "ja" else " "
    return Answer(
        text=sep.join(written),
        lang=lang,
        intent="briefing",
        confidence=1.0,
        sources=sources,
        speech=sep.join(spoken),
        data=data,
    )


def greeting(now: datetime, lang: str) -> str:
    """Good morning before 11, else a neutral greeting (the intent is also asked later)."""
    morning = now.hour < 11
    if lang == "ja":
        return "おはようございます。" if morning else "こんにちは。"
    return "Good morning." if morning else "Hello."


def temperature_words(value: float, lang: str) -> str:
    """-10.4 -> "マイナス10度" / "minus 10 degrees": rounded, as people say it."""
    n = int(value + 0.5) if value >= 0 else -int(-value + 0.5)
    if lang == "ja":
        return f"マイナス{-n}度" if n < 0 else f"{n}度"
    unit = "degree" if abs(n) == 1 else "degrees"
    return f"minus {-n} {unit}" if n < 0 else f"{n} {unit}"


_WEATHER_PHRASES: dict[str, dict[str, str]] = {
    "ja": {
        "text": "今日の天気は{text}。",
        "low_high": "今日の最低気温は{low}、最高気温は{high}。",
        "low": "今日の最低気温は{low}。",
        "high": "今日の最高気温は{high}。",
        "rain_snow": "雨か雪が降りそうです。",
        "snow": "雪が降りそうです。",
        "rain": "雨が降りそうです。傘を持って出かけてください。",
        "join": "",
    },
    "en": {
        "text": "Today's weather: {text}.",
        "low_high": "Today's low is {low} and the high {high} Celsius.",
        "low": "Today's low is {low} Celsius.",
        "high": "Today's high is {high} Celsius.",
        "rain_snow": "Expect rain or snow.",
        "snow": "Expect snow.",
        "rain": "Expect rain; take an umbrella.",
        "join": " ",
    },
}


def weather_sentence(day: DayWeather, lang: str, *, with_text: bool = False) -> str:
    """Temperatures, then snow or rain; the provider's wording only when ``with_text``."""
    ja = lang == "ja"
    p = _WEATHER_PHRASES["ja" if ja else "en"]
    parts: list[str] = []
    text = day.text_ja if ja else day.text_en
    if with_text and text:
        parts.append(p["text"].format(text=text))
    low = temperature_words(day.low, lang) if day.low is not None else None
    high = temperature_words(day.high, lang) if day.high is not None else None
    if low is not None and high is not None:
        parts.append(p["low_high"].format(low=low, high=high))
    elif low is not None:
        parts.append(p["low"].format(low=low))
    elif high is not None:
        parts.append(p["high"].format(high=high))
    if day.snow and day.rain:
        parts.append(p["rain_snow"])
    elif day.snow:
        parts.append(p["snow"])
    elif day.rain:
        parts.append(p["rain"])
    return p["join"].join(parts)


def _weather_data(day: DayWeather) -> dict[str, Any]:
    out = asdict(day)
    out["day"] = day.day.isoformat()
    return out


def _optional(module: str, attr: str) -> Any | None:
    """``module.attr``, or None when the module is absent or broken (logged, unless absent)."""
    try:
        return getattr(importlib.import_module(module), attr)
    except ModuleNotFoundError as exc:
        if exc.name != module:
            log.warning("briefing: %s needs a missing module %s", module, exc.name)
        return None
    except Exception:  # noqa: BLE001 - a broken module must not cost the whole briefing
        log.warning("briefing: %s.%s unavailable", module, attr, exc_info=True)
        return None


def _garbage(knowledge: Any, house: Any, now: datetime, lang: str) -> dict[str, Any] | None:
    """Today's garbage from bot.garbage.answerer.garbage_briefing, or None (skipped)."""
    garbage_briefing = _optional("bot.garbage.answerer", "garbage_briefing")
    if garbage_briefing is None:
        return None
    try:
        got = garbage_briefing(knowledge, house, now, lang)
    except Exception:  # noqa: BLE001 - a calendar bug must not cost the whole briefing
        log.warning("briefing: garbage part failed", exc_info=True)
        return None
    if got is None:
        return None
    today = [str(x) for x in (getattr(got, "today", None) or [])]
    put_out_by = getattr(got, "put_out_by", None)
    text = str(getattr(got, "text", "") or "").strip() or _garbage_text(today, put_out_by, lang)
    if not text:
        return None
    return {
        "today": today,
        "tomorrow": [str(x) for x in (getattr(got, "tomorrow", None) or [])],
        "put_out_by": put_out_by,
        "text": text,
    }


def _garbage_text(today: list[str], put_out_by: str | None, lang: str) -> str:
    """Only used when garbage_briefing gives the lists without its own sentence."""
    if not today:
        return ""
    if lang == "ja":
        s = f"今日は{'と'.join(today)}の日です。"
        return s + (f"{put_out_by}までに出してください。" if put_out_by else "")
    s = f"Today is collection day for {' and '.join(today)}."
    return s + (f" Put it out by {put_out_by}." if put_out_by else "")


def _garbage_source(knowledge: Any, area: Any, lang: str) -> Source | None:
    if area is None:
        return None
    for p in (getattr(area, "garbage_yaml", None), getattr(area, "garbage_dir", None)):
        if p:
            try:
                rel = knowledge.rel(Path(p))
            except (AttributeError, ValueError):
                rel = Path(p).name
            label = "ごみ収集カレンダー" if lang == "ja" else "Garbage calendar"
            return Source(path=rel, label=f"{label} ({rel})")
    return None


def _next_bus(engine: Any, knowledge: Any, house: Any, now: datetime, lang: str) -> str | None:
    """One sentence about the next bus from bot.transit.answerer, or None (skipped)."""
    next_bus_sentence = _optional("bot.transit.answerer", "next_bus_sentence")
    if next_bus_sentence is None:
        return None
    store = getattr(engine, "store_dir", None)
    index_dir = Path(store) / "transit" if store is not None else None
    try:
        got = next_bus_sentence(knowledge, house, index_dir, now, lang)
    except Exception:  # noqa: BLE001 - a timetable bug must not cost the whole briefing
        log.warning("briefing: bus part failed", exc_info=True)
        return None
    sentence = str(got or "").strip()
    return sentence or None
