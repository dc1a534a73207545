"""Intent + slots -> the question text the engine would get from a LINE message.

Why: the engine answers text questions for every channel; turning an Alexa intent back
into the sentence a stayer would have typed keeps all answering logic in one place (the
garbage, sorting and bus answerers) instead of a second, Alexa-only path.

AMAZON.DATE values arrive resolved by Alexa ("2026-12-04", "2026-W49", "2026-W49-WE",
"2026-12", "XXXX-12-04"); today/tomorrow are phrased as such because that is what people
ask and what the engine recognises best. An unresolved value is passed through as said.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from text.dates import month_day, month_name

_DAY = re.compile(r"^(\d{4}|XXXX)-(\d{2})-(\d{2})$")
_WEEK = re.compile(r"^(\d{4})-W(\d{1,2})(-WE)?$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def garbage_question(value: str | None, now: datetime, lang: str) -> str:
    """ "12月4日のごみは？" / "What garbage goes out on December 4?"."""
    when = _when(value, now, lang)
    if lang == "ja":
        return f"{when}のごみは？" if when else "ごみの日はいつ？"
    return f"What garbage goes out {when}?" if when else "When are the garbage days?"


def sorting_question(item: str, lang: str) -> str:
    return f"{item}は何ごみ？" if lang == "ja" else f"What kind of garbage is {item}?"


def bus_question(destination: str | None, lang: str) -> str:
    if lang == "ja":
        return f"次の{destination}行きのバスは？" if destination else "次のバスは何時？"
    return f"When is the next bus to {destination}?" if destination else "When is the next bus?"


def _when(value: str | None, now: datetime, lang: str) -> str:
    """The spoken form of an AMAZON.DATE value ('' when there is none)."""
    value = (value or "").strip()
    if not value:
        return ""
    today = now.date()
    m = _DAY.match(value)
    if m:
        month, day_ = int(m.group(2)), int(m.group(3))
        year = today.year if m.group(1) == "XXXX" else int(m.group(1))
        try:
            d = date(year, month, day_)
        except ValueError:
            return value
        if m.group(1) == "XXXX" and d < today:
            try:
                d = date(year + 1, month, day_)
            except ValueError:
                return value
        return _relative_day(d, today, lang)
    m = _WEEK.match(value)
    if m:
        year, week, weekend = int(m.group(1)), int(m.group(2)), bool(m.group(3))
        try:
            monday = date.fromisocalendar(year, week, 1)
        except ValueError:
            return value
        this_monday = today - timedelta(days=today.weekday())
        offset = (monday - this_monday).days // 7
        if offset in (0, 1):
            if lang == "ja":
                return ("今週" if offset == 0 else "来週") + ("末" if weekend else "")
            return ("this " if offset == 0 else "next ") + ("weekend" if weekend else "week")
        return (
            f"{month_day(monday, 'ja')}の週"
            if lang == "ja"
            else f"the week of {month_day(monday, 'en')}"
        )
    m = _MONTH.match(value)
    if m and 1 <= int(m.group(2)) <= 12:
        month = int(m.group(2))
        return month_name(month, "ja") if lang == "ja" else f"in {month_name(month, 'en')}"
    if value == "PRESENT_REF":
        return "今日" if lang == "ja" else "today"
    return value if lang == "ja" else _en_unresolved(value)


def _relative_day(d: date, today: date, lang: str) -> str:
    delta = (d - today).days
    if lang == "ja":
        named = {0: "今日", 1: "明日", 2: "明後日"}
        return named.get(delta, month_day(d, "ja"))
    named_en = {0: "today", 1: "tomorrow", 2: "the day after tomorrow"}
    return named_en.get(delta, f"on {month_day(d, 'en')}")


def _en_unresolved(value: str) -> str:
    """A raw phrase ("tomorrow", "friday") as it would follow "What garbage goes out"."""
    lowered = value.lower()
    if lowered in ("today", "tomorrow", "tonight") or lowered.startswith(("this ", "next ", "on ")):
        return value
    return f"on {value}"
