"""The staff group's slash commands: ``/reload``, ``/unanswered`` and ``/stats``.

Each returns the text to post back; the handler decides where it goes. Reports carry both
Japanese and English headings because the staff of one site may read either.
"""

from __future__ import annotations

import logging
from datetime import datetime

from bot.config import Settings
from bot.engine.contract import ConciergeEngine
from bot.line.state import BotState
from bot.state.questions import LOW_CONFIDENCE

log = logging.getLogger(__name__)

STATS_DAYS = (7, 30)


def run(command: str, *, engine: ConciergeEngine, state: BotState, settings: Settings, now: datetime) -> str:
    if command == "reload":
        return reload_report(engine)
    if command == "unanswered":
        return unanswered_report(state, settings.question_log_days, now)
    if command == "stats":
        return stats_report(state, now)
    raise ValueError(f"unknown staff command {command!r}")


def reload_report(engine: ConciergeEngine) -> str:
    """Re-ingest now; on validation errors the previous index keeps serving, and we say why."""
    try:
        report = engine.reload()
    except Exception as exc:  # the report must reach the staff whatever went wrong
        log.exception("reload failed")
        return f"再読み込みに失敗しました / Reload failed: {exc}"
    head = "再読み込みしました / Reloaded" if report.ok else \
        "検証エラー：前のデータのままです / Validation errors, nothing changed"
    body = report.summary(lang="ja") + "\n\n" + report.summary(lang="en")
    return f"{head}\n{body}".strip()


def unanswered_report(state: BotState, days: int, now: datetime) -> str:
    """Questions the concierge could not answer, or answered unsure, from every channel."""
    rows = state.unanswered(days)
    head = f"未回答の質問（{days}日間）/ Unanswered questions ({days} days)"
    if not rows:
        return f"{head}\n— なし / none"
    lines = [head]
    tz = now.tzinfo
    for row in rows:
        when = datetime.fromtimestamp(row.last_asked, tz).strftime("%m/%d %H:%M")
        marks = " · 自信なし / unsure" if row.outcome == LOW_CONFIDENCE else ""
        if "alexa" in row.channels:
            marks += " · Alexa"
        lines.append(f"• {row.count}× 「{row.text}」 {row.house_id} ({when}){marks}")
    return "\n".join(lines)


def stats_report(state: BotState, now: datetime) -> str:
    today = now.date().isoformat()
    lines = ["利用状況 / Usage"]
    for days in STATS_DAYS:
        s = state.stats(days, today)
        rate = f"{100 * s.abstained / s.asked:.0f}%" if s.asked else "-"
        lines.append(f"{days}日間 / {days} days: 質問 {s.asked} questions, 未回答 {s.abstained} unanswered ({rate})")
        lines.append(f"  自信なし / unsure {s.low_confidence}, 利用不可・エラー / unavailable or error {s.down}")
        if days == STATS_DAYS[0]:
            for h in s.houses:
                lines.append(f"  • {h.house_id}: {h.asked} / {h.abstained}")
            intents: dict[str, int] = {}
            for row in state.questions.breakdown(days, today):
                intents[row.intent] = intents.get(row.intent, 0) + row.count
            if intents:
                ranked = sorted(intents.items(), key=lambda kv: (-kv[1], kv[0]))
                lines.append("  種類 / by intent: " + ", ".join(f"{k} {v}" for k, v in ranked))
    s = state.stats(STATS_DAYS[0], today)
    lines.append(f"登録グループ / bound groups: {s.bound_groups}")
    lines.append(f"朝のお知らせ / morning messages: {s.morning_groups}")
    return "\n".join(lines)
