"""Garbage answers computed from the calendar and the sorting dictionary, never guessed.

:class:`GarbageAnswerer` takes garbage-day questions ("明日は何のごみ？", "What goes out on
Friday?", "次のペットボトルの日は？") and sorting questions ("電池は何ごみ？", "how do I throw
away a spray can?"); anything else returns None so the engine falls back to retrieval.
:func:`garbage_briefing` gives the morning briefing's garbage part, and
:func:`validate_area_garbage` the problems `concierge validate` reports.

Data is loaded lazily per knowledge area and kept until one of its files changes, so a
warm answer is only date arithmetic on cached months.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.engine.contract import Answer, BriefingLine, HouseContext, Question, Source
from bot.garbage.dates import AreaSchedule, DayInfo, first_day_for_next
from bot.garbage.intent import (
    DAY,
    GARBAGE_DAY,
    SORTING,
    WEEK,
    Signals,
    analyze,
    concepts_in,
    decide,
)
from bot.garbage.matcher import CONFIDENT, ItemMatch, MatchScores, SortingMatcher
from ingest.garbage.calendars import CalendarArea, Category, GarbageCalendar, Period
from ingest.garbage.dictionary import SortingDict, SortingEntry
from ingest.garbage.validate import load_area_garbage_data
from ingest.knowledge import Area, House, Knowledge
from ingest.problems import Problem
from text.dates import format_date, format_time, hh_mm, month_day, weekday_name
from text.normalize import fold
from text.phrases import phrase, register

# --------------------------------------------------------------------------- wording

#: English names for common Japanese category names, for data that gives none (5374 files).
CATEGORY_EN = {
    "燃やせるごみ": "Burnable", "燃やすごみ": "Burnable", "燃えるごみ": "Burnable", "可燃ごみ": "Burnable",
    "燃やせないごみ": "Non-burnable", "燃やさないごみ": "Non-burnable", "燃えないごみ": "Non-burnable",
    "不燃ごみ": "Non-burnable", "資源": "Recyclables", "資源ごみ": "Recyclables", "資源物": "Recyclables",
    "あきびん": "Empty bottles", "空きびん": "Empty bottles", "びん": "Bottles", "生ごみ": "Food waste",
    "プラスチック": "Plastics", "プラスチック容器包装": "Plastic containers and packaging",
    "プラスチック製容器包装": "Plastic containers and packaging",
    "容器包装プラスチック": "Plastic containers and packaging",
    "缶・びん・ペットボトル": "Cans, bottles and PET bottles",
    "びん・缶・ペットボトル": "Bottles, cans and PET bottles",
    "雑がみ": "Mixed paper", "紙類": "Paper", "古紙": "Paper", "枝・葉・草": "Branches, leaves and grass",
    "危険ごみ": "Hazardous waste", "有害ごみ": "Hazardous waste", "小型家電": "Small appliances",
    "粗大ごみ": "Oversized", "有料粗大ごみ": "Oversized (fee charged)", "市で収集しない": "Not collected by the city",
    "有料戸別収集": "Paid door-to-door collection",
}

#: From this hour, "today" for a calendar without a put-out time comes with the next day after it.
AFTERNOON = 12

_TEXT: dict[str, dict[str, str]] = {
    "ja": {
        "today": "今日", "tomorrow": "明日", "day_after": "明後日", "tonight": "明日の朝",
        "day_has": "{when}は{cats}の日です。",
        "day_none": "{when}はごみの収集がありません。",
        "cat_yes": "{when}は{cat}の収集があります。",
        "cat_no": "{when}は{cat}の収集はありません。",
        "put_out": "{time}までに出してください。",
        "passed": "今日の出す時刻（{time}）は過ぎています。",
        "maybe_passed": "収集は朝のことが多いので、今日の分はもう終わっているかもしれません。その次は{date}です。",
        "closed": "{note}のため、{start}から{end}までは収集がありません。",
        "holiday_collect": "{name}（祝日）ですが、収集はカレンダーどおりです。",
        "holiday_skip": "{name}（祝日）のため収集はありません。",
        "next_cat": "次の{cat}の日は{date}です。",
        "every": "{cat}は毎週{days}です。",
        "next_any": "次の収集は{date}の{cats}です。",
        "no_schedule": "{cat}は定期の収集日がありません。",
        "no_next": "{cat}の次の収集日はカレンダーにありません。",
        "outside": "カレンダーのデータは{start}から{end}までです。",
        "ended": "このごみ収集カレンダーは{end}で終わっていて、それ以降の収集日はわかりません。"
                 "{who}にお問い合わせください。",
        "not_started": "このごみ収集カレンダーは{start}からのもので、それより前の収集日はわかりません。"
                       "{who}にお問い合わせください。",
        "caretaker": "管理人",
        "week_title": "{area}のごみ収集（{start}〜{end}）",
        "span": "{start}〜{end}",
        "no_collection": "収集なし",
        "area_unknown": "このお住まいのごみ収集地区がわからないため、収集日をお答えできません。",
        "sort_one": "{item}は「{cat}」です。",
        "sort_many": "{phrase}は種類によって分別が異なります。",
        "sort_next": "次の{cat}の収集は{date}です。",
        "sort_on_day": "{when}は{cat}の収集日です。",
        "sort_not_on_day": "{when}は{cat}の収集日ではありません。",
        "unknown_item": "「{phrase}」は分別表に見つかりませんでした。",
        "related": "関連する注意書き：",
        "brief_today": "今日は{cats}の日です{by}。",
        "brief_today_none": "今日はごみの収集はありません。",
        "brief_tomorrow": "明日は{cats}の日です。",
        "brief_tomorrow_none": "明日は収集がありません。",
        "brief_by": "（{time}までに）",
        "list_sep": "、", "label": "ごみ収集カレンダー（{area}）", "sorting_label": "ごみ分別表",
    },
    "en": {
        "today": "Today", "tomorrow": "Tomorrow", "day_after": "The day after tomorrow",
        "tonight": "Tomorrow morning",
        "day_has": "{when}: {cats}.",
        "day_none": "{when}: no garbage collection.",
        "cat_yes": "{when}: yes, {cat} is collected.",
        "cat_no": "{when}: no {cat} collection.",
        "put_out": "Put it out by {time}.",
        "passed": "Today's put-out time ({time}) has passed.",
        "maybe_passed": "Collection is usually in the morning, so today's may be over; the one after is {date}.",
        "closed": "Nothing is collected from {start} to {end} ({note}).",
        "holiday_collect": "It is a national holiday ({name}), but collection follows the calendar.",
        "holiday_skip": "It is a national holiday ({name}), so there is no collection.",
        "next_cat": "Next {cat} collection: {date}.",
        "every": "{cat}: every {days}.",
        "next_any": "Next collection: {date} ({cats}).",
        "no_schedule": "{cat} has no regular collection day.",
        "no_next": "The calendar has no upcoming {cat} collection.",
        "outside": "The calendar data covers {start} to {end} only.",
        "ended": "This garbage calendar ended on {end}, so I don't know the collection days after that. "
                 "Please ask {who}.",
        "not_started": "This garbage calendar starts on {start}, so I don't know the collection days before "
                       "that. Please ask {who}.",
        "caretaker": "the caretaker",
        "week_title": "Garbage collection for {area} ({start} – {end})",
        "span": "{start} – {end}",
        "no_collection": "no collection",
        "area_unknown": "I can't tell the collection days because this house's garbage area is not set up.",
        "sort_one": "{item}: {cat}.",
        "sort_many": "It depends on the kind of {phrase}:",
        "sort_next": "Next {cat} collection: {date}.",
        "sort_on_day": "{when}: {cat} is collected.",
        "sort_not_on_day": "{when}: no {cat} collection.",
        "unknown_item": "I couldn't find \"{phrase}\" in the garbage sorting list.",
        "related": "Related notes:",
        "brief_today": "Today's garbage: {cats}{by}.",
        "brief_today_none": "No garbage collection today.",
        "brief_tomorrow": "Tomorrow: {cats}.",
        "brief_tomorrow_none": "No collection tomorrow.",
        "brief_by": " (put out by {time})",
        "list_sep": ", ", "label": "Garbage calendar ({area})", "sorting_label": "Garbage sorting list",
    },
    "zh": {
        "today": "今天", "tomorrow": "明天", "day_after": "后天", "tonight": "明天早上",
        "day_has": "{when}收：{cats}。",
        "day_none": "{when}没有垃圾收集。",
        "cat_yes": "{when}收{cat}。",
        "cat_no": "{when}不收{cat}。",
        "put_out": "请在{time}前扔出。",
        "passed": "今天的投放时间（{time}）已过。",
        "maybe_passed": "通常在早上收集，今天的可能已经结束；再下一次是{date}。",
        "closed": "{start}至{end}停止收集（{note}）。",
        "holiday_collect": "这天是法定假日（{name}），但照常收集。",
        "holiday_skip": "这天是法定假日（{name}），没有收集。",
        "next_cat": "下一次{cat}收集：{date}。",
        "every": "{cat}：每周{days}。",
        "next_any": "下一次收集：{date}（{cats}）。",
        "no_schedule": "{cat}没有固定的收集日。",
        "no_next": "日历中没有{cat}的下一次收集日。",
        "outside": "日历数据只包括{start}至{end}。",
        "ended": "这份垃圾收集日历已于{end}结束，之后的收集日无法得知。请咨询{who}。",
        "not_started": "这份垃圾收集日历从{start}开始，之前的收集日无法得知。请咨询{who}。",
        "caretaker": "管理员",
        "week_title": "{area}的垃圾收集（{start}～{end}）",
        "span": "{start}～{end}",
        "no_collection": "不收集",
        "area_unknown": "这个住处的垃圾收集地区未设置，无法回答收集日。",
        "sort_one": "{item}：{cat}。",
        "sort_many": "{phrase}按种类分别处理：",
        "sort_next": "下一次{cat}收集：{date}。",
        "sort_on_day": "{when}收{cat}。",
        "sort_not_on_day": "{when}不收{cat}。",
        "unknown_item": "垃圾分类表中没有找到“{phrase}”。",
        "related": "相关说明：",
        "brief_today": "今天收：{cats}{by}。",
        "brief_today_none": "今天没有垃圾收集。",
        "brief_tomorrow": "明天收：{cats}。",
        "brief_tomorrow_none": "明天没有收集。",
        "brief_by": "（{time}前）",
        "list_sep": "、", "label": "垃圾收集日历（{area}）", "sorting_label": "垃圾分类表",
    },
    "ko": {
        "today": "오늘", "tomorrow": "내일", "day_after": "모레", "tonight": "내일 아침",
        "day_has": "{when}: {cats} 수거일입니다.",
        "day_none": "{when}: 쓰레기 수거가 없습니다.",
        "cat_yes": "{when}: {cat} 수거가 있습니다.",
        "cat_no": "{when}: {cat} 수거가 없습니다.",
        "put_out": "{time}까지 내놓으세요.",
        "passed": "오늘 배출 시간({time})이 지났습니다.",
        "maybe_passed": "수거는 보통 아침이라 오늘 수거는 이미 끝났을 수 있습니다. 그다음은 {date}입니다.",
        "closed": "{start}부터 {end}까지 수거가 없습니다 ({note}).",
        "holiday_collect": "공휴일({name})이지만 달력대로 수거합니다.",
        "holiday_skip": "공휴일({name})이라 수거가 없습니다.",
        "next_cat": "다음 {cat} 수거일: {date}.",
        "every": "{cat}: 매주 {days}.",
        "next_any": "다음 수거: {date} ({cats}).",
        "no_schedule": "{cat}(은) 정기 수거일이 없습니다.",
        "no_next": "달력에 다음 {cat} 수거일이 없습니다.",
        "outside": "달력 데이터는 {start}부터 {end}까지입니다.",
        "ended": "이 쓰레기 수거 달력은 {end}에 끝나서 그 이후의 수거일은 알 수 없습니다. {who}에게 문의해 주세요.",
        "not_started": "이 쓰레기 수거 달력은 {start}부터라서 그 이전의 수거일은 알 수 없습니다. "
                       "{who}에게 문의해 주세요.",
        "caretaker": "관리인",
        "week_title": "{area} 쓰레기 수거 ({start}~{end})",
        "span": "{start}~{end}",
        "no_collection": "수거 없음",
        "area_unknown": "이 숙소의 쓰레기 수거 지역이 설정되지 않아 수거일을 알려드릴 수 없습니다.",
        "sort_one": "{item}: {cat}.",
        "sort_many": "{phrase}(은) 종류에 따라 다릅니다:",
        "sort_next": "다음 {cat} 수거일: {date}.",
        "sort_on_day": "{when}: {cat} 수거일입니다.",
        "sort_not_on_day": "{when}: {cat} 수거일이 아닙니다.",
        "unknown_item": "분리수거 목록에서 \"{phrase}\"을(를) 찾지 못했습니다.",
        "related": "관련 안내:",
        "brief_today": "오늘은 {cats} 수거일입니다{by}.",
        "brief_today_none": "오늘은 쓰레기 수거가 없습니다.",
        "brief_tomorrow": "내일은 {cats} 수거일입니다.",
        "brief_tomorrow_none": "내일은 수거가 없습니다.",
        "brief_by": " ({time}까지)",
        "list_sep": ", ", "label": "쓰레기 수거 달력 ({area})", "sorting_label": "분리수거 목록",
    },
}


# Written per language above for reading; looked up as ``garbage.<key>`` in the one catalogue.
register({key: {lg: table[key] for lg, table in _TEXT.items()} for key in _TEXT["en"]}, "garbage")


def _lang(lang: str) -> str:
    return lang if lang in _TEXT else "en"


def _t(lang: str, key: str, **values: Any) -> str:
    return phrase(f"garbage.{key}", lang, **values)


def full_date(day: date, lang: str) -> str:
    """A date with its year ("2025年9月30日", "September 30, 2025"): a calendar's first or
    last day may lie in another year than the question, and "9月30日" alone misleads."""
    return month_day(day, lang, year=True)


def out_of_range(schedule: AreaSchedule, day: date) -> bool:
    """True when a calendar made of explicit dates (Sapporo's, Hakodate's) does not cover ``day``."""
    return schedule.outside_data(day)


def outside_line(schedule: AreaSchedule, day: date, lang: str, who: str) -> str:
    """"This calendar ended on <date with year>; ask <contact>" (or "starts on")."""
    assert schedule.data_range is not None
    start, end = schedule.data_range
    if day > end:
        return _t(lang, "ended", end=full_date(end, lang), who=who)
    return _t(lang, "not_started", start=full_date(start, lang), who=who)


def contact_of(house: House, lang: str) -> str:
    """The house's first contact as "label (phone)", else "the caretaker"."""
    if not house.contacts:
        return _t(lang, "caretaker")
    c = house.contacts[0]
    return f"{c.label_in(lang)}（{c.phone}）" if _lang(lang) in ("ja", "zh") else f"{c.label_in(lang)} ({c.phone})"


def category_en(name: str, en: str = "") -> str:
    """The English name from the data, else from the common-name table, else ''."""
    return en or CATEGORY_EN.get(name, "")


def category_label(category: Category, lang: str, *, with_japanese: bool = True) -> str:
    """A category as written in answers: the data's name in Japanese; the English name
    (with the Japanese one, which is what signs and bags say) in other languages."""
    if _lang(lang) == "ja":
        return category.name
    en = category_en(category.name, category.en)
    if not en or en == category.name:
        return category.name
    return f"{en} ({category.name})" if with_japanese else en


def _sep(lang: str) -> str:
    """Sentence separator: none between Japanese or Chinese sentences, a space otherwise."""
    return "" if _lang(lang) in ("ja", "zh") else " "


def _sentence(text: str, lang: str) -> str:
    """A data note as a sentence (staff often leave off the final 。)."""
    text = text.strip()
    if text and _lang(lang) in ("ja", "zh") and text[-1] not in "。．.!！?？）)」":
        return text + "。"
    return text


def display_phrase(original: str, folded_phrase: str) -> str:
    """The stayer's own spelling of a folded phrase ("ぴざの箱" -> "ピザの箱")."""
    text = unicodedata.normalize("NFKC", original)
    folded_chars = [fold(c) for c in text]
    joined, index = "", []
    for i, chars in enumerate(folded_chars):
        if chars.strip():
            joined += chars
            index += [i] * len(chars)
    key = folded_phrase.replace(" ", "")
    at = joined.find(key)
    if at < 0 or not key:
        return folded_phrase
    start, end = index[at], index[at + len(key) - 1] + 1
    return text[start:end]


def _join(parts: list[str], lang: str) -> str:
    return _t(lang, "list_sep").join(parts)


def _when(day: date, relative: str | None, today: date, lang: str) -> str:
    """"明日12月4日（金）" / "Tomorrow (Friday, December 4)" / "Friday, December 4"."""
    if relative is None:
        offset = (day - today).days
        relative = {0: "today", 1: "tomorrow"}.get(offset)
    dated = format_date(day, lang)
    if relative is None:
        return dated
    word = _t(lang, relative)
    return f"{word} ({dated})" if _lang(lang) in ("en", "ko") else f"{word}{dated}"


# --------------------------------------------------------------------------- data cache


@dataclass
class AreaGarbage:
    """One knowledge area's garbage data, loaded once and cached."""

    calendar: GarbageCalendar | None
    sorting: SortingDict | None
    problems: list[Problem]
    matcher: SortingMatcher | None = None
    _schedules: dict[str, AreaSchedule] = field(default_factory=dict)

    def calendar_area(self, garbage_area: str) -> CalendarArea | None:
        """The house's calendar area; a calendar with a single area needs no name."""
        if self.calendar is None:
            return None
        found = self.calendar.area(garbage_area) if garbage_area else None
        if found is None and len(self.calendar.areas) == 1 and not garbage_area:
            found = self.calendar.areas[0]
        return found

    def schedule(self, area: CalendarArea) -> AreaSchedule:
        assert self.calendar is not None
        cached = self._schedules.get(area.name)
        if cached is None:
            cached = self._schedules[area.name] = AreaSchedule(self.calendar, area)
        return cached


def _signature(area: Any) -> tuple[tuple[str, float, int], ...]:
    paths: list[Path] = []
    if area.garbage_dir is not None:
        paths += sorted(p for p in area.garbage_dir.iterdir() if p.is_file())
    for p in (area.garbage_yaml, area.sorting_csv):
        if p is not None:
            paths.append(p)
    out = []
    for p in paths:
        st = p.stat()
        out.append((str(p), st.st_mtime, st.st_size))
    return tuple(out)


def load_area_garbage(area: Area, root: Path, scores: MatchScores | None = None) -> AreaGarbage:
    """The area's calendar and sorting dictionary (ingest's loader) plus a sorting matcher."""
    got = load_area_garbage_data(area, root)
    sorting = got.sorting
    matcher = SortingMatcher(sorting, scores) if sorting is not None and sorting.entries else None
    return AreaGarbage(got.calendar, sorting, got.problems, matcher)


class GarbageData:
    """Lazily loaded, per-area cache that reloads an area when one of its files changes."""

    def __init__(self, root: Path, scores: MatchScores | None = None):
        self.root = Path(root)
        self.scores = scores
        self._cache: dict[str, tuple[tuple[tuple[str, float, int], ...], AreaGarbage]] = {}
        self._lock = threading.Lock()

    def for_area(self, area: Any) -> AreaGarbage:
        signature = _signature(area)
        with self._lock:
            cached = self._cache.get(area.id)
            if cached is not None and cached[0] == signature:
                return cached[1]
            data = load_area_garbage(area, self.root, self.scores)
            self._cache[area.id] = (signature, data)
            return data


# --------------------------------------------------------------------------- categories


#: When no category carries a concept, the categories that usually hold it ("資源ごみ" in a
#: town that collects cans, bottles and paper separately).
CONCEPT_FALLBACK = {"resource": frozenset({"can", "bottle", "pet", "paper", "plastic"})}


def resolve_categories(signals: Signals, area: CalendarArea) -> list[Category]:
    """Categories the question names: exact names first, else by concept ("燃えるごみ")."""
    folded = signals.folded
    # "non-burnable" must not name "Burnable" too: an English name counts only as a whole word
    exact = [c for c in area.categories if fold(c.name) in folded
             or (c.en and re.search(rf"(?<![\w-]){re.escape(fold(c.en))}(?![\w-])", folded))]
    if exact:
        return exact
    if not signals.concepts:
        return []
    concepts = {c.name: concepts_in(f"{fold(c.name)} {fold(c.en or category_en(c.name))}") for c in area.categories}
    found = [c for c in area.categories if signals.concepts & concepts[c.name]]
    if not found:
        wanted = frozenset().union(*(CONCEPT_FALLBACK.get(k, frozenset()) for k in signals.concepts))
        found = [c for c in area.categories if wanted & concepts[c.name]]
    return found


# --------------------------------------------------------------------------- answers


@dataclass
class _Reply:
    lines: list[str]
    speech: list[str]
    data: dict[str, Any] = field(default_factory=dict)
    sources: list[Source] = field(default_factory=list)
    confidence: float = 0.95
    abstained: bool = False
    who: str = ""  # whom to ask when the data cannot answer (the house's first contact)


class GarbageAnswerer:
    """Answers garbage-day and sorting questions from the house's calendar area."""

    name = "garbage"

    def __init__(self, knowledge: Knowledge, match_scores: MatchScores | None = None):
        self.knowledge = knowledge
        self.data = GarbageData(knowledge.root, match_scores)

    def briefing(self, house: House, now: datetime, lang: str) -> GarbageBriefing | None:
        """The garbage part of the morning briefing, from this answerer's cached data."""
        return garbage_briefing(self.data, self.knowledge, house, now, lang)

    def brief(self, ctx: HouseContext, now: datetime, lang: str) -> BriefingLine | None:
        """:class:`~bot.engine.contract.BriefingPart`: today's garbage, cited to the calendar."""
        got = self.briefing(ctx.house, now, lang)
        if got is None or not got.text.strip():
            return None
        data = {"today": got.today, "tomorrow": got.tomorrow, "put_out_by": got.put_out_by,
                "text": got.text.strip()}
        return BriefingLine("garbage", got.text.strip(), data, _calendar_file_source(self.knowledge, ctx.area, lang))

    # -- entry point ----------------------------------------------------------------

    def answer(self, question: Question, ctx: HouseContext) -> Answer | None:
        if ctx.area is None:
            return None
        data = self.data.for_area(ctx.area)
        if data.calendar is None and data.matcher is None:
            return None
        now = question.now.astimezone(self.knowledge.timezone)
        signals = analyze(question.text, now.date())
        cal_area = data.calendar_area(ctx.house.garbage_area)
        categories = resolve_categories(signals, cal_area) if cal_area is not None else []
        matches: list[ItemMatch] = []
        if data.matcher is not None and (signals.item_phrase or signals.words):
            matches = data.matcher.match(signals.item_text, signals.item_phrase, signals.words,
                                          signals.spelling)
        item_is_modifier = bool(matches) and matches[0].modifier
        item_found = bool(matches) and matches[0].confidence >= CONFIDENT and not item_is_modifier
        if item_found and categories and not self._named_exactly(signals, categories):
            item_categories = {m.entry.category for m in matches}
            if not item_categories & {c.name for c in categories}:
                categories = []
        item_is_message = (item_found and data.matcher is not None
                           and data.matcher.covers(matches[0], signals.item_phrase, signals.words))
        intent = decide(signals, item_found, bool(categories), item_is_message, item_is_modifier)
        lang = ctx.lang if ctx.lang in _TEXT else "en"
        if intent == GARBAGE_DAY:
            if data.calendar is None:
                return None
            if cal_area is None:
                return self._area_unknown(ctx, data, lang)
            reply = self._garbage_day(signals, data.calendar, cal_area, data.schedule(cal_area),
                                      categories, now, lang, who=contact_of(ctx.house, lang))
        elif intent == SORTING:
            if data.matcher is None or data.sorting is None:
                return None
            if item_found:
                reply = self._sorting(signals, data, cal_area, matches, now, lang)
            else:
                reply = self._unknown_item(question, ctx, signals, data, lang)
        else:
            return None
        return Answer(
            text=re.sub(r"\n{3,}", "\n\n", "\n".join(reply.lines)).strip(),
            lang=lang,
            intent=intent,
            confidence=reply.confidence,
            abstained=reply.abstained,
            sources=reply.sources,
            speech=_sep(lang).join(s for s in reply.speech if s),
            data=reply.data,
        )

    @staticmethod
    def _named_exactly(signals: Signals, categories: list[Category]) -> bool:
        return any(fold(c.name) in signals.folded for c in categories)

    # -- garbage day ----------------------------------------------------------------

    def _calendar_source(self, cal_area: CalendarArea, lang: str) -> Source:
        return Source(path=cal_area.source, heading="", score=1.0,
                      label=_t(lang, "label", area=cal_area.name))

    def _garbage_day(self, signals: Signals, calendar: GarbageCalendar, area: CalendarArea,
                     schedule: AreaSchedule, categories: list[Category], now: datetime,
                     lang: str, who: str = "") -> _Reply:
        reply = _Reply([], [], sources=[self._calendar_source(area, lang)], who=who)
        when = signals.when
        today = now.date()
        asked = list(when.days) if when.kind in (DAY, WEEK) else [first_day_for_next(now, area.put_out_by)]
        if asked and all(out_of_range(schedule, day) for day in asked):
            # The calendar has ended (or not begun): say so, never "no collection".
            self._outside(reply, schedule, asked[0], lang)
            return reply
        if when.kind == DAY:
            for day in when.days:
                self._one_day(reply, schedule, area, categories, day, when.relative, now, lang)
        elif when.kind == WEEK:
            if categories and not any(c in schedule.day(d).categories for d in when.days for c in categories):
                # "今週の燃やさないごみっていつ": not this week (seven "no collection" lines said it
                # only by omission), and when it is next
                span = _t(lang, "span", start=format_date(when.days[0], lang), end=format_date(when.days[-1], lang))
                for category in categories:
                    line = _t(lang, "cat_no", when=span, cat=category_label(category, lang))
                    reply.lines.append(line)
                    reply.speech.append(line)
                    self._next_of(reply, schedule, area, category, when.days[-1] + timedelta(days=1), now, lang)
            else:
                self._week(reply, schedule, area, when.days, lang, categories)
        elif categories:
            start = first_day_for_next(now, area.put_out_by)
            for category in categories:
                if signals.asks_weekdays:
                    self._weekdays_of(reply, schedule, category, start, lang)
                self._next_of(reply, schedule, area, category, start, now, lang)
        else:
            nxt = schedule.next_collection_day(first_day_for_next(now, area.put_out_by))
            if nxt is not None:
                line = _t(lang, "next_any", date=_when(nxt.day, None, today, lang),
                          cats=_join([category_label(c, lang) for c in nxt.categories], lang))
                reply.lines.append(line)
                reply.speech.append(line)
                if self._maybe_over(nxt.day, area, now):
                    after = schedule.next_collection_day(today + timedelta(days=1))
                    if after is not None:
                        reply.lines.append(_t(lang, "maybe_passed", date=_when(after.day, None, today, lang)))
            self._week(reply, schedule, area, tuple(today + timedelta(days=i) for i in range(7)), lang, [])
        reply.lines += [f"※{remark}" for remark in area.remarks]  # 5374 *n remarks, shown as the app does
        return reply

    def _one_day(self, reply: _Reply, schedule: AreaSchedule, area: CalendarArea,
                 categories: list[Category], day: date, relative: str | None, now: datetime,
                 lang: str, add_next: bool = True) -> None:
        info = schedule.day(day)
        today = now.date()
        when = _when(day, relative, today, lang)
        if info.outside_data:
            line = f"{when}: " + outside_line(schedule, day, lang, reply.who or _t(lang, "caretaker"))
            reply.lines.append(line)
            reply.speech.append(line)
            reply.confidence = min(reply.confidence, 0.6)
            return
        put_out = area.put_out_by
        passed = day == today and put_out is not None and now.time().replace(tzinfo=None) >= put_out
        if categories:
            for category in categories:
                collected = category in info.categories
                line = _t(lang, "cat_yes" if collected else "cat_no", when=when,
                          cat=category_label(category, lang))
                reply.lines.append(line)
                reply.speech.append(line)
                if not collected:
                    self._why_not(reply, schedule, info, lang)
                    if info.categories and category is categories[-1]:
                        # "Is tomorrow the non-burnable day?" -- no, and here is what it is.
                        reply.lines.append(_t(lang, "day_has", when=when,
                                              cats=_join([category_label(c, lang) for c in info.categories], lang)))
                        reply.speech.append(reply.lines[-1])
                    if add_next:
                        self._next_of(reply, schedule, area, category, day + timedelta(days=1), now, lang,
                                      speak=True)
                elif passed and put_out is not None:
                    reply.lines.append(_t(lang, "passed", time=format_time(put_out, lang)))
                    self._next_of(reply, schedule, area, category, day + timedelta(days=1), now, lang)
                elif put_out is not None:
                    reply.lines.append(_t(lang, "put_out", time=format_time(put_out, lang)))
            return
        if info.categories:
            line = _t(lang, "day_has", when=when,
                      cats=_join([category_label(c, lang) for c in info.categories], lang))
            reply.lines.append(line)
            reply.speech.append(line)
            if info.holiday:
                reply.lines.append(_t(lang, "holiday_collect", name=info.holiday))
            if passed and put_out is not None:
                reply.lines.append(_t(lang, "passed", time=format_time(put_out, lang)))
            elif put_out is not None:
                reply.lines.append(_t(lang, "put_out", time=format_time(put_out, lang)))
        else:
            line = _t(lang, "day_none", when=when)
            reply.lines.append(line)
            reply.speech.append(line)
            self._why_not(reply, schedule, info, lang)
        if add_next and (not info.categories or passed):
            nxt = schedule.next_collection_day(day + timedelta(days=1))
            if nxt is not None:
                line = _t(lang, "next_any", date=format_date(nxt.day, lang),
                          cats=_join([category_label(c, lang) for c in nxt.categories], lang))
                reply.lines.append(line)
                reply.speech.append(line)

    def _weekdays_of(self, reply: _Reply, schedule: AreaSchedule, category: Category, start: date,
                     lang: str) -> None:
        """"Which days is burnable?": the weekdays it is collected on every week (judged
        over the next eight weeks, so a holiday or a closure does not hide a weekday)."""
        counts = [0] * 7
        for i in range(56):
            day = start + timedelta(days=i)
            if schedule.collects_on(category, day):
                counts[day.weekday()] += 1
        weekly = [wd for wd in range(7) if counts[wd] >= 6]
        if weekly:
            line = _t(lang, "every", cat=category_label(category, lang),
                      days=_join([weekday_name(wd, lang) for wd in weekly], lang))
            reply.lines.append(line)
            reply.speech.append(line)

    def _why_not(self, reply: _Reply, schedule: AreaSchedule, info: DayInfo, lang: str) -> None:
        if info.closed is not None:
            reply.lines.append(self._closed_line(info.closed, lang))
        elif info.outside_data and schedule.data_range is not None:
            reply.lines.append(outside_line(schedule, info.day, lang, reply.who or _t(lang, "caretaker")))
            reply.confidence = 0.6
        elif info.holiday and schedule.area.holidays == "skip":
            reply.lines.append(_t(lang, "holiday_skip", name=info.holiday))

    @staticmethod
    def _outside(reply: _Reply, schedule: AreaSchedule, day: date, lang: str, speak: bool = True) -> None:
        """The calendar does not cover ``day``: it ended (or starts later); ask the contact."""
        line = outside_line(schedule, day, lang, reply.who or _t(lang, "caretaker"))
        if line in reply.lines:
            return
        reply.lines.append(line)
        if speak:
            reply.speech.append(line)
        reply.confidence = min(reply.confidence, 0.6)
        if schedule.data_range is not None:
            reply.data["calendar_range"] = [d.isoformat() for d in schedule.data_range]

    @staticmethod
    def _closed_line(period: Period, lang: str) -> str:
        note = period.note or ("年末年始" if _lang(lang) == "ja" else "closed")
        return _t(lang, "closed", note=note, start=format_date(period.start, lang),
                  end=format_date(period.end, lang))

    @staticmethod
    def _maybe_over(day: date, area: CalendarArea, now: datetime) -> bool:
        """Whether "next" naming ``day`` should also name the one after: it is today, in the
        afternoon, and the data gives no put-out time (5374 calendars rarely do); at 18:00
        "today" alone sends the stayer out with a bag the truck took this morning."""
        return day == now.date() and area.put_out_by is None and now.hour >= AFTERNOON

    def _next_of(self, reply: _Reply, schedule: AreaSchedule, area: CalendarArea, category: Category,
                 start: date, now: datetime, lang: str, speak: bool = True) -> date | None:
        label = category_label(category, lang)
        if category.days.is_empty:
            reply.lines.append(_t(lang, "no_schedule", cat=label))
            if category.note:
                reply.lines.append(category.note)
            if speak:
                reply.speech.append(_t(lang, "no_schedule", cat=label))
            return None
        nxt = schedule.next_date(category, start)
        if nxt is None:
            if out_of_range(schedule, start):
                self._outside(reply, schedule, start, lang, speak)
                return None
            reply.lines.append(_t(lang, "no_next", cat=label))
            if schedule.data_range is not None:
                reply.lines.append(_t(lang, "outside", start=full_date(schedule.data_range[0], lang),
                                      end=full_date(schedule.data_range[1], lang)))
            reply.confidence = min(reply.confidence, 0.6)
            return None
        when = _when(nxt, None, now.date(), lang)
        line = _t(lang, "next_cat", cat=label, date=when)
        if area.put_out_by is not None:
            line += _sep(lang) + _t(lang, "put_out", time=format_time(area.put_out_by, lang))
        reply.lines.append(line)
        if speak:
            reply.speech.append(_t(lang, "next_cat", cat=label, date=when))
        if self._maybe_over(nxt, area, now):
            after = schedule.next_date(category, nxt + timedelta(days=1))
            if after is not None:
                reply.lines.append(_t(lang, "maybe_passed", date=_when(after, None, now.date(), lang)))
        closure = next((p for p in schedule.calendar.no_collection if start <= p.end and p.start <= nxt), None)
        if closure is not None and self._closed_line(closure, lang) not in reply.lines:
            reply.lines.append(self._closed_line(closure, lang))
        if category.note and _lang(lang) == "ja":
            reply.lines.append(f"（{category.note}）")
        reply.data.setdefault("next", []).append({"category": category.name, "en": category_en(category.name,
                                                  category.en), "date": nxt.isoformat()})
        return nxt

    def _week(self, reply: _Reply, schedule: AreaSchedule, area: CalendarArea, days: tuple[date, ...],
              lang: str, categories: list[Category]) -> None:
        infos = [schedule.day(d) for d in days]
        reply.data["week"] = [
            {"date": info.day.isoformat(),
             "categories": [{"name": c.name, "en": category_en(c.name, c.en)} for c in info.categories]}
            for info in infos
        ]
        if reply.lines:
            reply.lines.append("")
        reply.lines.append(_t(lang, "week_title", area=area.name, start=format_date(days[0], lang),
                              end=format_date(days[-1], lang)))
        wanted = {id(c) for c in categories}
        shown_closures: list[Period] = []
        for info in infos:
            cats = [c for c in info.categories if not wanted or id(c) in wanted]
            if wanted and not cats and info.closed is None:
                continue  # "今週の燃やすごみ": its days, not five "no collection" lines between them
            text = _join([category_label(c, lang) for c in cats], lang) if cats else _t(lang, "no_collection")
            if info.closed is not None and not cats:
                text += f"（{info.closed.note}）" if _lang(lang) == "ja" and info.closed.note else ""
                if info.closed not in shown_closures:
                    shown_closures.append(info.closed)
            reply.lines.append(f"{format_date(info.day, lang)}: {text}")
        if not reply.speech:
            spoken = [f"{format_date(i.day, lang)} "
                      f"{_join([category_label(c, lang, with_japanese=False) for c in i.categories], lang)}"
                      for i in infos if i.categories][:2]
            reply.speech.append(" / ".join(spoken) if spoken else _t(lang, "week_title", area=area.name,
                                                                      start=format_date(days[0], lang),
                                                                      end=format_date(days[-1], lang)))
        for period in shown_closures:
            reply.lines.append(self._closed_line(period, lang))
        if area.put_out_by is not None and any(i.categories for i in infos):
            reply.lines.append(_t(lang, "put_out", time=format_time(area.put_out_by, lang)))

    def _area_unknown(self, ctx: HouseContext, data: AreaGarbage, lang: str) -> Answer:
        lines = [_t(lang, "area_unknown"), self._ask_line(ctx, lang)]
        sources = []
        if data.calendar is not None:
            sources.append(Source(path=data.calendar.source, heading="", score=0.3, label=""))
        return Answer(text="\n".join(lines), lang=lang, intent=GARBAGE_DAY, confidence=0.3,
                      abstained=True, sources=sources, speech=lines[0])

    @staticmethod
    def _ask_line(ctx: HouseContext, lang: str) -> str:
        contacts = ctx.house.contacts
        if contacts:
            contact = contacts[0]
            return phrase("ask_contact", lang, label=contact.label_in(lang), phone=contact.phone)
        return phrase("ask_caretaker", lang)

    # -- sorting --------------------------------------------------------------------

    def _sorting(self, signals: Signals, data: AreaGarbage, cal_area: CalendarArea | None,
                 matches: list[ItemMatch], now: datetime, lang: str) -> _Reply:
        assert data.sorting is not None
        reply = _Reply([], [], confidence=round(matches[0].confidence, 3))
        entries = [m.entry for m in matches]
        if len(entries) == 1:
            entry = entries[0]
            line = _t(lang, "sort_one", item=self._item_name(entry, lang),
                      cat=self._entry_category(entry, cal_area, lang))
            reply.lines.append(line)
            reply.speech.append(line)
            note = self._entry_note(entry, lang)
            if note:
                reply.lines.append(_sentence(note, lang))
        else:
            phrase = self._item_phrase(signals, entries, lang)
            reply.lines.append(_t(lang, "sort_many", phrase=phrase))
            reply.speech.append(_t(lang, "sort_many", phrase=phrase))
            for entry in entries:
                note = self._entry_note(entry, lang)
                line = f"・{self._item_name(entry, lang)}: {self._entry_category(entry, cal_area, lang)}"
                suffix = (f"（{note}）" if _lang(lang) == "ja" else f" — {note}") if note else ""
                reply.lines.append(line + suffix)
        reply.sources = [Source(path=data.sorting.source, heading=m.entry.item, score=round(m.confidence, 3),
                                label=f"{_t(lang, 'sorting_label')} › {m.entry.item}") for m in matches]
        if cal_area is not None and data.calendar is not None:
            self._sorting_dates(reply, signals, data, cal_area, entries, now, lang)
        reply.data["items"] = [{"item": e.item, "category": e.category, "note": e.note,
                                "item_en": e.item_en, "category_en": e.category_en} for e in entries]
        return reply

    def _sorting_dates(self, reply: _Reply, signals: Signals, data: AreaGarbage, cal_area: CalendarArea,
                       entries: list[SortingEntry], now: datetime, lang: str) -> None:
        schedule = data.schedule(cal_area)
        start = first_day_for_next(now, cal_area.put_out_by)
        seen: set[str] = set()
        used_calendar = False
        for entry in entries:
            category = cal_area.category(entry.category)
            if category is None or category.name in seen:
                continue
            seen.add(category.name)
            used_calendar = True
            if signals.when.kind == DAY:
                for day in signals.when.days:
                    key = "sort_on_day" if schedule.collects_on(category, day) else "sort_not_on_day"
                    reply.lines.append(_t(lang, key, when=_when(day, signals.when.relative, now.date(), lang),
                                          cat=category_label(category, lang)))
            self._next_of(reply, schedule, cal_area, category, start, now, lang, speak=len(entries) == 1)
        if used_calendar:
            reply.sources.append(self._calendar_source(cal_area, lang))

    @staticmethod
    def _item_name(entry: SortingEntry, lang: str) -> str:
        if _lang(lang) != "ja" and entry.item_en and entry.item_en != entry.item:
            return f"{entry.item_en} ({entry.item})"
        return entry.item

    @staticmethod
    def _entry_category(entry: SortingEntry, cal_area: CalendarArea | None, lang: str) -> str:
        if _lang(lang) == "ja":
            return entry.category
        category = cal_area.category(entry.category) if cal_area is not None else None
        en = entry.category_en or (category_en(category.name, category.en) if category else "") \
            or category_en(entry.category)
        return f"{en} ({entry.category})" if en and en != entry.category else entry.category

    @staticmethod
    def _entry_note(entry: SortingEntry, lang: str) -> str:
        if _lang(lang) != "ja" and entry.note_en:
            return entry.note_en
        return entry.note

    @staticmethod
    def _item_phrase(signals: Signals, entries: list[SortingEntry], lang: str) -> str:
        if signals.item_phrase and not signals.item_phrase.isascii():
            return display_phrase(signals.text, signals.item_phrase)
        if _lang(lang) != "ja" and signals.words:
            return " ".join(signals.words)
        return signals.item_phrase or entries[0].item

    def _unknown_item(self, question: Question, ctx: HouseContext, signals: Signals, data: AreaGarbage,
                      lang: str) -> _Reply:
        assert data.sorting is not None
        phrase = display_phrase(signals.text, signals.item_phrase) if signals.item_phrase else ""
        phrase = phrase or " ".join(signals.words)
        reply = _Reply([_t(lang, "unknown_item", phrase=phrase)], [_t(lang, "unknown_item", phrase=phrase)],
                       confidence=0.4)
        notes = self._notes_about(phrase, data)
        if notes:
            reply.lines.append(_t(lang, "related"))
            reply.lines += [f"・{n}" for n in notes]
        retrieved = ctx.retrieve(Question(text=question.text, house_id=question.house_id, now=question.now,
                                          lang=ctx.lang, audience=question.audience, channel=question.channel))
        reply.lines.append("")
        reply.lines.append(retrieved.text)
        reply.sources = list(retrieved.sources)
        reply.confidence = min(0.5, max(0.2, float(retrieved.confidence)))
        reply.abstained = retrieved.abstained and not notes
        if not retrieved.abstained and retrieved.speech:
            reply.speech.append(retrieved.speech)
        return reply

    @staticmethod
    def _notes_about(phrase: str, data: AreaGarbage) -> list[str]:
        """Dictionary and calendar notes that mention the unknown item (retrieval over the notes)."""
        key = fold(phrase).replace(" ", "")
        if len(key) < 2:
            return []
        out: list[str] = []
        for entry in data.sorting.entries if data.sorting else []:
            if entry.note and key in fold(entry.note):
                out.append(f"{entry.item}: {entry.note}")
        if data.calendar is not None:
            for area in data.calendar.areas:
                for c in area.categories:
                    if c.note and key in fold(c.note):
                        out.append(f"{c.name}: {c.note}")
        return list(dict.fromkeys(out))[:3]


# --------------------------------------------------------------------------- briefing


_CALENDAR_LABEL = {"ja": "ごみ収集カレンダー", "en": "Garbage calendar", "zh": "垃圾收集日历", "ko": "쓰레기 수거 달력"}


def _calendar_file_source(knowledge: Knowledge, area: Area | None, lang: str) -> Source | None:
    """The calendar file or folder the briefing's garbage line comes from."""
    if area is None:
        return None
    for p in (area.garbage_yaml, area.garbage_dir):
        if p:
            rel = knowledge.rel(Path(p))
            label = _CALENDAR_LABEL.get(lang, _CALENDAR_LABEL["en"])
            return Source(path=rel, label=f"{label} ({rel})")
    return None


@dataclass
class GarbageBriefing:
    """The garbage part of the morning briefing (Alexa and LINE add the weather)."""

    today: list[str]
    tomorrow: list[str]
    put_out_by: str | None
    text: str


def garbage_briefing(garbage: GarbageData, knowledge: Knowledge, house: House, now: datetime,
                     lang: str) -> GarbageBriefing | None:
    """Today's and tomorrow's garbage for ``house``; None when its area has no calendar."""
    area = knowledge.area_of(house)
    if area is None:
        return None
    data = garbage.for_area(area)
    cal_area = data.calendar_area(house.garbage_area)
    if cal_area is None:
        return None
    schedule = data.schedule(cal_area)
    local = now.astimezone(knowledge.timezone)
    today, tomorrow = schedule.day(local.date()), schedule.day(local.date() + timedelta(days=1))
    if today.outside_data:  # the calendar ended: say so rather than "no collection today"
        return GarbageBriefing(today=[], tomorrow=[], put_out_by=None,
                               text=outside_line(schedule, local.date(), lang, contact_of(house, lang)))

    def names(info: DayInfo) -> list[str]:
        return [category_label(c, lang, with_japanese=False) for c in info.categories]

    put_out = cal_area.put_out_by
    by = _t(lang, "brief_by", time=format_time(put_out, lang)) if put_out else ""
    sentences = [
        _t(lang, "brief_today", cats=_join(names(today), lang), by=by) if today.categories
        else _t(lang, "brief_today_none"),
        _t(lang, "brief_tomorrow", cats=_join(names(tomorrow), lang)) if tomorrow.categories
        else _t(lang, "brief_tomorrow_none"),
    ]
    return GarbageBriefing(
        today=names(today),
        tomorrow=names(tomorrow),
        put_out_by=hh_mm(put_out) if put_out else None,
        text=("" if _lang(lang) in ("ja", "zh") else " ").join(sentences),
    )
