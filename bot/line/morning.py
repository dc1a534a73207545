"""The daily morning message to opted-in groups, from the engine's briefing.

Two ways to run it, sharing :func:`send_morning`:

* in the app: :class:`MorningScheduler`, a daemon thread that fires once a day at
  ``settings.morning_time`` (in the site's timezone);
* from cron: ``concierge line morning``, with ``CONCIERGE_MORNING_TIME=off`` so the app does
  not also send.

Either way, every group gets at most one message a day: each send first claims
``(group, day)`` in the state file, which every gunicorn worker and the CLI share. A push
that fails releases its claim, so a later run may retry it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any

from bot.engine.contract import ConciergeEngine
from bot.line import render
from bot.line.client import LineClient, Outcome
from bot.line.state import BotState

log = logging.getLogger(__name__)

#: How long after the configured time a late-starting app still sends today's message.
LATE_WINDOW = timedelta(hours=2)
POLL_SECONDS = 30.0
_OFF = ("", "off", "none", "cron", "disabled", "false", "no")


class MorningTimeError(ValueError):
    """``CONCIERGE_MORNING_TIME`` is neither ``HH:MM`` nor ``off``."""


def parse_morning_time(raw: str | None) -> time | None:
    """``"07:00"`` -> 07:00; ``off``/``cron``/empty -> None (no in-app scheduler)."""
    value = (raw or "").strip().lower()
    if value in _OFF:
        return None
    try:
        hours, minutes = value.split(":")
        return time(int(hours), int(minutes))
    except ValueError:
        raise MorningTimeError(
            f"CONCIERGE_MORNING_TIME must be HH:MM or 'off', not {raw!r}"
        ) from None


@dataclass
class MorningReport:
    day: str
    sent: int = 0
    already_sent: int = 0
    failed: int = 0
    unreadable: int = 0
    problems: list[str] = field(default_factory=list)

    def summary(self) -> str:
        text = (
            f"{self.day}: sent {self.sent}, already sent {self.already_sent}, "
            f"failed {self.failed}, unreadable ids {self.unreadable}"
        )
        return "\n".join([text, *self.problems])


def send_morning(engine: ConciergeEngine, state: BotState, client: LineClient, now: datetime) -> MorningReport:
    """Push today's briefing to each opted-in group that has not had it yet today."""
    day = now.date().isoformat()
    targets, unreadable = state.morning_targets()
    report = MorningReport(day=day, unreadable=unreadable)
    if unreadable:
        report.problems.append(
            f"{unreadable} opted-in group id(s) could not be decrypted (channel secret changed?); "
            "they are restored at the group's next message"
        )
    for target in targets:
        log_name = f"group {target.group_key[:8]}"
        if not state.claim_morning(target.group_key, day):
            report.already_sent += 1
            continue
        try:
            answer = engine.briefing(target.house_id, now, target.lang)
        except Exception as exc:  # one house's broken data must not stop the others
            log.exception("morning briefing for %s failed", target.house_id)
            report.problems.append(f"{target.house_id}: {exc}")
            report.failed += 1
            state.release_morning(target.group_key, day)
            continue
        outcome = client.push(target.chat_id, render.answer_messages(answer), log_name=log_name)
        if outcome is Outcome.PUSHED:
            report.sent += 1
        else:
            report.failed += 1
            report.problems.append(f"{log_name}: {outcome.value}")
            state.release_morning(target.group_key, day)
    log.info("morning run %s", report.summary().replace("\n", "; "))
    return report


def daily_run(engine: ConciergeEngine, state: BotState, client: LineClient, now: datetime,
              question_log_days: int) -> MorningReport:
    """What runs once a day (scheduler or cron): apply the retention, then the morning push.

    The purge lives here too so that old questions go even when no one writes to the bot,
    and groups whose stay ended (the binding's check-out date) are forgotten before the push.
    """
    state.purge(question_log_days, now.date().isoformat())
    return send_morning(engine, state, client, now)


class MorningScheduler:
    """Fires ``job(now)`` once a day at ``at`` (site time), or up to ``LATE_WINDOW`` later."""

    def __init__(
        self,
        job: Callable[[datetime], Any],
        at: time,
        now: Callable[[], datetime],
        *,
        poll_seconds: float = POLL_SECONDS,
    ):
        self.job = job
        self.at = at
        self.now = now
        self.poll_seconds = poll_seconds
        self._last_day: str | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def due(self, now: datetime) -> bool:
        start = now.replace(hour=self.at.hour, minute=self.at.minute, second=0, microsecond=0)
        return self._last_day != now.date().isoformat() and start <= now < start + LATE_WINDOW

    def tick(self) -> bool:
        """Run the job if it is due; True when it ran. Errors are logged, never raised."""
        now = self.now()
        if not self.due(now):
            return False
        self._last_day = now.date().isoformat()
        try:
            self.job(now)
        except Exception:
            log.exception("morning run failed")
        return True

    def start(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="line-morning", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.tick()
            self._stop.wait(self.poll_seconds)
