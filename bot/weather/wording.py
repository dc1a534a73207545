"""How the weather is said: temperatures as people say them, then snow or rain.

Kept apart from the providers (``forecast.py``) so that LINE's written briefing and the
speaker's spoken one share one wording.
"""

from __future__ import annotations

from bot.weather.forecast import DayWeather
from text.phrases import register


def temperature_words(value: float, lang: str) -> str:
    """-10.4 -> "マイナス10度" / "minus 10 degrees" / "零下10度" / "영하 10도": rounded, as said."""
    n = int(value + 0.5) if value >= 0 else -int(-value + 0.5)
    if lang == "ja":
        return f"マイナス{-n}度" if n < 0 else f"{n}度"
    if lang == "zh":
        return f"零下{-n}度" if n < 0 else f"{n}度"
    if lang == "ko":
        return f"영하 {-n}도" if n < 0 else f"{n}도"
    unit = "degree" if abs(n) == 1 else "degrees"
    return f"minus {-n} {unit}" if n < 0 else f"{n} {unit}"


# Written per language for reading; looked up as ``weather.<key>`` in the one catalogue.
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
        "good_morning": "おはようございます。",
        "hello": "こんにちは。",
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
        "good_morning": "Good morning.",
        "hello": "Hello.",
    },
    "zh": {
        "text": "今天的天气：{text}。",
        "low_high": "今天最低气温{low}，最高气温{high}。",
        "low": "今天最低气温{low}。",
        "high": "今天最高气温{high}。",
        "rain_snow": "可能会下雨或下雪。",
        "snow": "可能会下雪。",
        "rain": "可能会下雨，出门请带伞。",
        "join": "",
        "good_morning": "早上好。",
        "hello": "您好。",
    },
    "ko": {
        "text": "오늘 날씨: {text}.",
        "low_high": "오늘 최저 기온은 {low}, 최고 기온은 {high}입니다.",
        "low": "오늘 최저 기온은 {low}입니다.",
        "high": "오늘 최고 기온은 {high}입니다.",
        "rain_snow": "비나 눈이 올 것 같습니다.",
        "snow": "눈이 올 것 같습니다.",
        "rain": "비가 올 것 같습니다. 우산을 챙기세요.",
        "join": " ",
        "good_morning": "좋은 아침입니다.",
        "hello": "안녕하세요.",
    },
}
register({key: {lg: table[key] for lg, table in _WEATHER_PHRASES.items()} for key in _WEATHER_PHRASES["en"]
          if key != "join"}, "weather")


def weather_sentence(day: DayWeather, lang: str, *, with_text: bool = False) -> str:
    """Temperatures, then snow or rain; the provider's wording only when ``with_text``."""
    ja = lang == "ja"
    p = _WEATHER_PHRASES.get(lang, _WEATHER_PHRASES["en"])
    parts: list[str] = []
    text = day.text_ja if ja else day.text_en if lang == "en" else ""  # providers write ja and en only
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
