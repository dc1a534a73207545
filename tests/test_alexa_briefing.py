"""The morning briefing ("Alexa, おはよう"): greeting, weather, today's garbage, next bus.

Through Alexa with the real Engine: weather from the recorded JMA report (served by the
weather fake), an unreachable provider (briefing still given), and the same function
behind Engine.briefing (which LINE's morning message uses).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.app import create_app
from bot.engine.briefing import greeting, morning_briefing
from bot.garbage.answerer import GarbageAnswerer
from bot.weather.forecast import JMA, DayWeather, WeatherService
from bot.weather.wording import temperature_words, weather_sentence
from fakes.alexa_engine import (
    BUNDLED_HOUSE,
    DEVICE_JMA,
    DEVICE_OPEN_METEO,
    JMA_HOUSE,
    real_engine,
    settings,
)
from fakes.virtual_alexa import (
    VirtualAlexa,
    encode,
    node_missing_reason,
    plain,
    post,
    serve,
    speech_of,
)
from skills.alexa import speech

JST = ZoneInfo("Asia/Tokyo")
JMA_MORNING = datetime(2021, 7, 24, 10, 30, tzinfo=JST)  # the recorded report covers this day
FRIDAY = datetime(2026, 12, 4, 7, 0, tzinfo=JST)  # burnable garbage day in the sample calendar

needs_node = pytest.mark.skipif(
    node_missing_reason() is not None, reason=node_missing_reason() or ""
)


@pytest.fixture(scope="module")
def alexa() -> Iterator[VirtualAlexa]:
    if node_missing_reason():
        pytest.skip(node_missing_reason() or "")
    va = VirtualAlexa()
    yield va
    va.close()


@pytest.fixture(scope="module")
def url() -> Iterator[str]:
    app = create_app(settings(), real_engine())  # the factory `concierge serve` runs
    with serve(app) as base:
        yield base + "/alexa"


def say(alexa: VirtualAlexa, url: str, locale: str, utter: str, **kw: Any) -> dict[str, Any]:
    status, body = post(url, encode(alexa.generate(locale, utter, **kw)))
    assert status == 200, body
    assert body is not None
    return body


def garbage_text(house_id: str, now: datetime, lang: str) -> str:
    engine = real_engine()
    got = GarbageAnswerer(engine.knowledge).briefing(engine.knowledge.house(house_id), now, lang)
    assert got is not None
    return got.text


@needs_node
def test_good_morning_gives_todays_high_from_the_jma_forecast(
    alexa: VirtualAlexa, url: str
) -> None:
    said = speech_of(say(alexa, url, "ja-JP", "おはよう", device_id=DEVICE_JMA, at=JMA_MORNING))
    assert said.startswith("おはようございます。今日の最高気温は28度。")
    assert said.endswith(garbage_text(JMA_HOUSE, JMA_MORNING, "ja"))


@needs_node
def test_the_briefing_card_credits_the_weather_source(alexa: VirtualAlexa, url: str) -> None:
    card = say(alexa, url, "ja-JP", "おはよう", device_id=DEVICE_JMA, at=JMA_MORNING)["response"][
        "card"
    ]
    assert "今日の天気は晴れ時々くもり所により霧。" in card["content"]
    assert "気象庁ホームページ" in card["content"]


@needs_node
def test_good_morning_in_english_gives_the_high_in_celsius(alexa: VirtualAlexa, url: str) -> None:
    said = plain(
        speech_of(say(alexa, url, "en-US", "good morning", device_id=DEVICE_JMA, at=JMA_MORNING))
    )
    assert said.startswith("Good morning. Today's high is 28 degrees Celsius.")


@needs_node
def test_an_unreachable_weather_provider_still_gives_the_briefing(
    alexa: VirtualAlexa, url: str
) -> None:
    started = time.monotonic()
    said = speech_of(say(alexa, url, "ja-JP", "おはよう", device_id=DEVICE_OPEN_METEO, at=FRIDAY))
    assert time.monotonic() - started < 2.0
    assert said.startswith("おはようございます。")
    assert "気温" not in said
    assert "燃やせるごみ" in said


@needs_node
def test_a_provider_without_a_forecast_for_the_office_still_gives_the_briefing(
    alexa: VirtualAlexa, url: str
) -> None:
    said = speech_of(say(alexa, url, "ja-JP", "おはよう", at=FRIDAY))  # office 013000: no recording
    assert said == speech.render(real_engine().briefing(BUNDLED_HOUSE, FRIDAY, "ja"), "ja").ssml
    assert "気温" not in said and "燃やせるごみ" in said


@needs_node
def test_the_briefing_mentions_the_next_bus_from_the_house(alexa: VirtualAlexa, url: str) -> None:
    said = speech_of(say(alexa, url, "ja-JP", "おはよう", at=FRIDAY))
    assert "次のバス" in said


class FixedWeather(WeatherService):
    """A provider that always reports one day's weather (for composing the sentence)."""

    def __init__(self, day: DayWeather) -> None:
        super().__init__(jma_base_url="http://127.0.0.1:9", openmeteo_base_url="http://127.0.0.1:9")
        self.day = day

    def today(self, cfg: Any, now: datetime) -> DayWeather | None:
        return self.day


def briefing_with(weather: WeatherService, house_id: str, now: datetime, lang: str) -> Any:
    """The real engine's briefing parts, with a chosen weather provider."""
    engine = real_engine()
    ctx = engine.context(house_id, lang)
    return morning_briefing(ctx, now, lang, weather, engine._loaded.briefing_parts)


def test_the_model_moment_minus_ten_and_burnable_garbage() -> None:
    cold = DayWeather(day=date(2026, 12, 4), provider=JMA, low=-10.0)
    answer = briefing_with(FixedWeather(cold), BUNDLED_HOUSE, FRIDAY, "ja")
    assert answer.speech.startswith(
        "おはようございます。今日の最低気温はマイナス10度。今日は燃やせるごみの日です"
    )
    assert answer.intent == "briefing"


def test_snow_is_announced_after_the_temperatures() -> None:
    day = DayWeather(
        day=date(2026, 12, 4), provider=JMA, low=-10.0, high=-2.4, snow=True, text_ja="雪"
    )
    assert (
        weather_sentence(day, "ja")
        == "今日の最低気温はマイナス10度、最高気温はマイナス2度。雪が降りそうです。"
    )
    assert weather_sentence(day, "en") == (
        "Today's low is minus 10 degrees and the high minus 2 degrees Celsius. Expect snow."
    )


def test_rain_comes_with_an_umbrella_reminder() -> None:
    day = DayWeather(day=date(2026, 9, 27), provider=JMA, high=15.0, rain=True)
    assert (
        weather_sentence(day, "ja")
        == "今日の最高気温は15度。雨が降りそうです。傘を持って出かけてください。"
    )


def test_temperatures_are_rounded_as_people_say_them() -> None:
    assert temperature_words(-0.4, "ja") == "0度"
    assert temperature_words(6.5, "ja") == "7度"
    assert temperature_words(-9.6, "en") == "minus 10 degrees"
    assert temperature_words(1.0, "en") == "1 degree"


def test_the_greeting_follows_the_time_of_day() -> None:
    assert greeting(datetime(2026, 12, 4, 6, 0, tzinfo=JST), "ja") == "おはようございます。"
    assert greeting(datetime(2026, 12, 4, 15, 0, tzinfo=JST), "en") == "Hello."


def test_engine_briefing_is_this_briefing_so_line_and_alexa_agree() -> None:
    engine = real_engine()
    assert (
        engine.briefing(BUNDLED_HOUSE, FRIDAY, "en").text
        == briefing_with(engine.weather, BUNDLED_HOUSE, FRIDAY, "en").text
    )


def test_the_briefing_carries_its_parts_as_data_for_line() -> None:
    engine = real_engine()
    answer = engine.briefing(JMA_HOUSE, JMA_MORNING, "ja")
    assert answer.data["weather"]["high"] == 28
    assert "garbage" in answer.data
    assert [s.label for s in answer.sources][0] == "気象庁ホームページ"
