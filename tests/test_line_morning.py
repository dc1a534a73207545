"""The in-app morning scheduler: once a day at the configured site time, or off for cron."""

# Fixtures are imported from fakes.line_harness (shared without a conftest), so pytest
# parameters redefine the imported names on purpose.
# ruff: noqa: F811

from __future__ import annotations

import time as time_module
from datetime import datetime, time, timedelta
from pathlib import Path

import pytest

from bot.line.morning import MorningScheduler, MorningTimeError, parse_morning_time
from bot.line.state import BotState
from fakes.line_api import PUSH, FakeLineAPI
from fakes.line_harness import (  # noqa: F401 (fixtures)
    GROUP,
    JST,
    RunningApp,
    StandInEngine,
    fake_api,
    line_api_server,
    line_only_app,
    line_settings,
)


class Now:
    def __init__(self, value: datetime):
        self.value = value

    def __call__(self) -> datetime:
        return self.value


def test_the_morning_time_is_hh_mm_or_off() -> None:
    assert parse_morning_time("07:00") == time(7, 0)
    assert parse_morning_time(" 6:30 ") == time(6, 30)
    for off in ("off", "", "cron", None):
        assert parse_morning_time(off) is None
    with pytest.raises(MorningTimeError):
        parse_morning_time("7 o'clock")


def test_the_scheduler_fires_once_at_the_configured_time_each_day() -> None:
    runs: list[datetime] = []
    now = Now(datetime(2026, 11, 24, 6, 59, tzinfo=JST))
    scheduler = MorningScheduler(runs.append, time(7, 0), now)
    assert scheduler.tick() is False
    now.value += timedelta(minutes=1)
    assert scheduler.tick() is True
    now.value += timedelta(minutes=5)
    assert scheduler.tick() is False
    now.value += timedelta(days=1)
    assert scheduler.tick() is True
    assert [r.date().isoformat() for r in runs] == ["2026-11-24", "2026-11-25"]


def test_an_app_started_long_after_the_morning_time_does_not_send_a_stale_message() -> None:
    runs: list[datetime] = []
    scheduler = MorningScheduler(runs.append, time(7, 0), Now(datetime(2026, 11, 24, 15, 0, tzinfo=JST)))
    assert scheduler.tick() is False and runs == []


def test_a_failing_morning_run_is_logged_and_the_scheduler_keeps_going() -> None:
    def boom(now: datetime) -> None:
        raise RuntimeError("engine down")

    scheduler = MorningScheduler(boom, time(7, 0), Now(datetime(2026, 11, 24, 7, 1, tzinfo=JST)))
    assert scheduler.tick() is True


def test_the_app_sends_the_morning_message_itself_at_the_configured_time(
        tmp_path: Path, fake_api: FakeLineAPI) -> None:
    settings = line_settings(tmp_path, fake_api, morning_time=datetime.now(JST).strftime("%H:%M"))
    state = BotState.open(settings)
    state.bind(GROUP, "test-house")
    state.set_morning(GROUP, True, "en")
    engine = StandInEngine()
    running = RunningApp(line_only_app(engine, settings))
    try:
        deadline = time_module.monotonic() + 10
        while not fake_api.calls(PUSH) and time_module.monotonic() < deadline:
            time_module.sleep(0.05)
        [push] = fake_api.bodies(PUSH)
        assert push["to"] == GROUP and push["messages"][0]["text"].startswith("Good morning (test-house")
        assert [(house, lang) for house, _, lang in engine.briefings] == [("test-house", "en")]
    finally:
        assert running.line.scheduler is not None
        running.line.scheduler.stop()
        running.stop()
