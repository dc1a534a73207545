"""How the weather is said: temperatures as people say them, then snow or rain.

Kept apart from the providers (``forecast.py``) so that LINE's written briefing and the
speaker's spoken one share one wording.
"""

from __future__ import annotations

from bot.weather.forecast import DayWeather


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
