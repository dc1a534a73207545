"""How dates, weekdays and clock times are written in answers, in ja/en/zh/ko.

Why one module: garbage days, bus times, LINE's weekly table and Alexa's questions all
write dates; with a weekday table per answerer they drifted ("Fri" here, "Friday" there,
a zh table missing). The display tables live here, and parsers that need more spellings
build on them. Unknown languages are written as English.

The styles, for Friday 4 December at 8:05:

- :func:`format_date`  "12月4日（金）", "Friday, December 4", "12月4日（周五）", "12월 4일 (금)"
- :func:`numeric_date` "12/4 (金)", "12/4 (Fri)" (tables with little room)
- :func:`month_day`    "12月4日", "December 4", "12월 4일" (optionally with the year)
- :func:`format_clock` "8時5分" / "8時05分" (``padded``, timetables), "8시 5분", "8:05"
- :func:`hh_mm`        "08:05" (data fields and settings)
"""

from __future__ import annotations

from datetime import date, datetime, time

_JA_CHARS = tuple("月火水木金土日")
_ZH_CHARS = tuple("一二三四五六日")
_KO_CHARS = tuple("월화수목금토일")

#: Weekday names by language, Monday first (index == ``date.weekday()``).
WEEKDAYS_SHORT: dict[str, tuple[str, ...]] = {
    "ja": _JA_CHARS,
    "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
    "zh": _ZH_CHARS,
    "ko": _KO_CHARS,
}
WEEKDAYS_LONG: dict[str, tuple[str, ...]] = {
    "ja": tuple(f"{c}曜日" for c in _JA_CHARS),
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
    "zh": tuple(f"星期{c}" for c in _ZH_CHARS),
    "ko": tuple(f"{c}요일" for c in _KO_CHARS),
}

#: English month names, January first (index == month - 1).
MONTHS_EN: tuple[str, ...] = ("January", "February", "March", "April", "May", "June", "July",
                              "August", "September", "October", "November", "December")
MONTHS_EN_SHORT: tuple[str, ...] = tuple(m[:3] for m in MONTHS_EN)


def _lang(lang: str) -> str:
    return lang if lang in WEEKDAYS_SHORT else "en"


def weekday_name(day: date | int, lang: str, *, short: bool = False) -> str:
    """"金" / "金曜日", "Fri" / "Friday", "五" / "星期五", "금" / "금요일" for a date or index."""
    index = day if isinstance(day, int) else day.weekday()
    table = WEEKDAYS_SHORT if short else WEEKDAYS_LONG
    return table[_lang(lang)][index]


def month_name(month: int, lang: str, *, short: bool = False) -> str:
    """"12月", "December" ("Dec" when ``short``), "12월"."""
    lang = _lang(lang)
    if lang in ("ja", "zh"):
        return f"{month}月"
    if lang == "ko":
        return f"{month}월"
    return (MONTHS_EN_SHORT if short else MONTHS_EN)[month - 1]


def month_day(day: date, lang: str, *, year: bool = False) -> str:
    """"12月4日", "December 4", "12월 4일"; with ``year``: "2026年12月4日", "December 4, 2026"."""
    lang = _lang(lang)
    if lang in ("ja", "zh"):
        return (f"{day.year}年" if year else "") + f"{day.month}月{day.day}日"
    if lang == "ko":
        return (f"{day.year}년 " if year else "") + f"{day.month}월 {day.day}일"
    return f"{MONTHS_EN[day.month - 1]} {day.day}" + (f", {day.year}" if year else "")


def format_date(day: date, lang: str) -> str:
    """A date with its weekday, as answers write it: "12月4日（金）", "Friday, December 4"."""
    lang = _lang(lang)
    wd = weekday_name(day, lang, short=True)
    if lang == "en":
        return f"{weekday_name(day, lang)}, {month_day(day, lang)}"
    if lang == "zh":
        return f"{month_day(day, lang)}（周{wd}）"
    if lang == "ko":
        return f"{month_day(day, lang)} ({wd})"
    return f"{month_day(day, lang)}（{wd}）"


def numeric_date(day: date, lang: str) -> str:
    """"12/4 (金)", "12/4 (Fri)": month/day and the short weekday, for narrow tables."""
    return f"{day.month}/{day.day} ({weekday_name(day, lang, short=True)})"


def format_clock(hour: int, minute: int, lang: str, *, padded: bool = False) -> str:
    """A clock time as written: "8時30分" ("8時" on the hour), "8시 30분", "8:30".

    ``padded`` writes Japanese and Korean minutes always, as two digits ("8時05分",
    "8時00分"), the way timetables do. Hours past 24 (after midnight in a timetable) stay.
    """
    lang = _lang(lang)
    if lang in ("ja", "ko"):
        h, m = ("時", "分") if lang == "ja" else ("시", "분")
        sep = "" if lang == "ja" else " "
        if padded:
            return f"{hour}{h}{sep}{minute:02d}{m}"
        return f"{hour}{h}{sep}{minute}{m}" if minute else f"{hour}{h}"
    return f"{hour}:{minute:02d}"


def format_time(value: time | datetime, lang: str, *, padded: bool = False) -> str:
    """:func:`format_clock` of a ``time`` or ``datetime``."""
    return format_clock(value.hour, value.minute, lang, padded=padded)


def twelve_hour(hour: int, minute: int) -> str:
    """"8:30 AM", "9 PM": English clock time as spoken; 24:10 is "12:10 AM"."""
    h = hour % 24
    suffix = "AM" if h < 12 else "PM"
    h12 = h % 12 or 12
    return f"{h12}:{minute:02d} {suffix}" if minute else f"{h12} {suffix}"


def hh_mm(value: time | datetime) -> str:
    """"08:05": the zero-padded 24-hour form used in data and settings."""
    return f"{value.hour:02d}:{value.minute:02d}"
