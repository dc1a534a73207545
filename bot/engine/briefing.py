"""The morning briefing: greeting, today's weather, then each domain's line (garbage, bus).

One function feeds both the Alexa "おはよう" intent and LINE's morning message, so the two
channels never disagree. The model moment:
"おはようございます。今日の最低気温はマイナス10度。燃やせるごみの日です。"

Why every part may be missing: the briefing is read aloud at 7 a.m. to someone about to put
out the rubbish; a missing weather provider, calendar or timetable must shorten it, never
turn it into an error. The domains contribute through :class:`BriefingPart` (their own
caches, refreshed with the engine); a part that fails is logged and skipped.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import asdict
from datetime import datetime
from typing import Any

from bot.engine.contract import Answer, BriefingPart, HouseContext, Source
from bot.weather.forecast import DayWeather, WeatherService, weather_location
from bot.weather.wording import weather_sentence
from text.phrases import phrase

log = logging.getLogger(__name__)


def morning_briefing(ctx: HouseContext, now: datetime, lang: str, weather: WeatherService,
                     parts: Sequence[BriefingPart]) -> Answer:
    """Greeting + weather + the parts' lines (garbage with its put-out time, next bus)."""
    lang = lang if lang in ("ja", "en", "zh", "ko") else "en"
    spoken: list[str] = [greeting(now, lang)]
    written: list[str] = [spoken[0]]
    sources: list[Source] = []
    data: dict[str, Any] = {"house": ctx.house.id, "date": now.date().isoformat()}

    day = weather.today(weather_location(ctx.house, ctx.area), now)
    if day is not None and day.has_any:
        said = weather_sentence(day, lang)
        shown = weather_sentence(day, lang, with_text=True)
        if said:
            spoken.append(said)
        if shown:
            written.append(shown)
            sources.append(Source(path=f"weather:{day.provider}", label=day.credit(lang)))
            data["weather"] = _weather_data(day)

    for part in parts:
        try:
            line = part.brief(ctx, now, lang)
        except Exception:  # noqa: BLE001 - one domain's bug must not cost the whole briefing
            log.warning("briefing: %s failed", type(part).__name__, exc_info=True)
            continue
        if line is None:
            continue
        spoken.append(line.text)
        written.append(line.text)
        data[line.key] = line.data
        if line.source is not None:
            sources.append(line.source)

    sep = "" if lang in ("ja", "zh") else " "
    return Answer(text=sep.join(written), lang=lang, intent="briefing", confidence=1.0,
                  sources=sources, speech=sep.join(spoken), data=data)


def greeting(now: datetime, lang: str) -> str:
    """Good morning before 11, else a neutral greeting (the intent is also asked later)."""
    return phrase("weather.good_morning" if now.hour < 11 else "weather.hello", lang)


def _weather_data(day: DayWeather) -> dict[str, Any]:
    out = asdict(day)
    out["day"] = day.day.isoformat()
    return out
