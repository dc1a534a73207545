"""Webhook edges: absurd nesting, lone surrogates, LINE's older payloads (all 28 of LINE's own
SDK fixtures), and a data folder that cannot be written (full or read-only): 503 and one log
line, never a silent 200."""

# Fixtures are imported from fakes.line_harness (shared without a conftest), so pytest
# parameters redefine the imported names on purpose.
# ruff: noqa: F811

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, insert

from bot.line.tables import line_events
from bot.state import Database, StateUnavailable
from fakes.line_api import PUSH, REPLY, FakeLineAPI
from fakes.line_harness import (  # noqa: F401 (fixtures)
    PAYLOADS,
    RunningApp,
    StandInEngine,
    bot,
    direct_text,
    fake_api,
    line_api_server,
    stand_in,
)

FIXTURES = sorted(PAYLOADS.glob("*/*.json"))


def test_a_signed_body_nested_absurdly_deep_gets_400_not_a_recursion_error(
        bot: RunningApp, caplog: pytest.LogCaptureFixture) -> None:
    for depth in (100, 100_000):
        body = b'{"destination": "U1", "events": [' + b"[" * depth + b"]" * depth + b"]}"
        assert bot.post(body)[0] == 400
    assert "RecursionError" not in caplog.text and "Traceback" not in caplog.text


def test_a_message_with_a_lone_utf16_surrogate_is_answered_with_it_replaced(
        bot: RunningApp, fake_api: FakeLineAPI, stand_in: StandInEngine) -> None:
    event = direct_text("PLACEHOLDER")
    body = json.dumps({"destination": "U1", "events": [event]}).replace("PLACEHOLDER", "Wi-Fi? \\ud83d").encode()
    status, _ = bot.post(body)
    assert status == 200 and bot.line.workers.drain(10)
    assert [q.text for q in stand_in.questions] == ["Wi-Fi? \ufffd"]
    [reply] = fake_api.bodies(REPLY)
    assert "Wi-Fi? \ufffd" in reply["messages"][0]["text"]


def test_all_28_of_lines_sdk_fixture_payloads_are_read_and_their_messages_answered(
        bot: RunningApp, fake_api: FakeLineAPI, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="bot.line")
    assert len(FIXTURES) == 28, [p.name for p in FIXTURES]
    direct_messages = 0
    for path in FIXTURES:
        body = path.read_bytes()
        assert bot.post(body)[0] == 200, path.name
        for raw in json.loads(body)["events"]:
            if raw["type"] == "message" and raw["source"]["type"] == "user" and raw.get("mode") != "standby":
                direct_messages += 1
        assert bot.line.workers.drain(10), path.name
    assert "unreadable" not in caplog.text
    unknown = {r.getMessage() for r in caplog.records if "unknown webhook event type" in r.getMessage()}
    assert unknown == {"unknown webhook event type 'greatNewFeature'", "unknown webhook event type 'message'",
                       "unknown webhook event type 'undefined'"}  # the fixtures made to be unknown
    # every 1:1 message got its answer: by reply, or by push where fixtures share a reply token
    answered = len(fake_api.delivered(REPLY)) + len(fake_api.delivered(PUSH))
    assert direct_messages == 20 and answered >= direct_messages


# -- a data folder that cannot take the events ------------------------------------------------


@contextmanager
def pragma_on_every_connection(db: Database, *pragmas: str) -> Iterator[None]:
    """Apply SQLite pragmas to every (new) connection of the app's state database."""

    def apply(dbapi_conn: Any, _record: Any) -> None:
        for pragma in pragmas:
            dbapi_conn.execute(pragma)

    db.engine.dispose()
    event.listen(db.engine, "connect", apply)
    try:
        yield
    finally:
        event.remove(db.engine, "connect", apply)
        db.engine.dispose()


def fill_to_the_last_page(db: Database) -> None:
    """Write finished queue rows, smaller and smaller, until not even a small one fits."""
    n = 0
    for size in (3000, 300, 30, 1):
        while True:
            n += 1
            try:
                with db.write() as conn:
                    conn.execute(insert(line_events).values(event_key=f"filler-{n}", kind="f", status="done",
                                                            received_at=0.0, not_before=0.0, last_error="x" * size))
            except StateUnavailable as exc:
                assert "full" in str(exc)
                break


def errors(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]


def test_a_full_data_folder_gives_503_and_one_log_line(bot: RunningApp, caplog: pytest.LogCaptureFixture,
                                                       tmp_path: Path) -> None:
    db = bot.line.state.db
    with db.read() as conn:
        pages = conn.exec_driver_sql("PRAGMA page_count").scalar_one()
    with pragma_on_every_connection(db, f"PRAGMA max_page_count = {pages + 8}"):
        fill_to_the_last_page(db)
        caplog.clear()
        statuses = [bot.post(json.dumps({"events": [direct_text(f"q{i}")]}).encode())[0] for i in range(5)]
    assert statuses == [503] * 5
    [line] = errors(caplog)
    assert "database or disk is full" in line and "503" in line


def test_a_read_only_data_folder_gives_503_and_service_comes_back_when_it_is_writable(
        bot: RunningApp, fake_api: FakeLineAPI, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="bot.line")
    with pragma_on_every_connection(bot.line.state.db, "PRAGMA query_only = ON"):
        assert [bot.post(json.dumps({"events": [direct_text(f"q{i}")]}).encode())[0] for i in range(3)] == [503] * 3
    [line] = errors(caplog)
    assert "readonly database" in line
    assert bot.deliver(direct_text("Wi-Fi?")) == (200, "OK")
    assert len(fake_api.delivered(REPLY)) == 1
    assert "can store LINE events in the state database again" in caplog.text
