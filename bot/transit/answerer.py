"""The transit answerer: exact next-bus answers computed from the area's GTFS index.

Why computed and not retrieved: "when is the next bus" has one right answer that depends
on the minute, the weekday and the holiday calendar; a guide paragraph cannot give it.
This module ties the pieces together (``bus_intent`` reads the question, ``bus_query``
reads the timetable) and puts the outcome into Japanese or English. When no bus runs it
says so, gives the next service day's first bus, and adds the taxi section of the area
guide through ``ctx.retrieve``. Anything that is not a timetable question returns None so
the engine falls back to retrieval over the transit guide.
"""

from __future__ import annotations

import logging
import math
import re
import threading
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from bot.engine.contract import Answer, BriefingLine, HouseContext, Question, Source
from bot.transit.intent import BusRequest, Match, PlaceMatcher, parse_request, without_time_words
from bot.transit.query import (
    Departure,
    IndexCache,
    Outcome,
    Place,
    Route,
    Stop,
    TransitIndex,
    day_break_after,
    plan,
)
from ingest.knowledge import House, Knowledge
from text.dates import format_date, format_time, month_day, month_name, weekday_name
from text.detect import reply_lang
from text.phrases import phrase, register
from text.romaji import romanize

TAXI_QUERY = {"ja": "タクシー", "en": "taxi"}
TAXI_BRIEF_CHARS = 260


# -- wording: the trip answer's sentences in ja/en/zh/ko (the phrase catalogue's ``bus.*``) --

_BUS: dict[str, dict[str, str]] = {
    "ja": {
        "bound": "{name}行き",
        "brief_next": "次のバスは {t} {origin}発（{bound}{arr}）です。", "brief_arr": "、{dest}着 {a}",
        "brief_none": "今日はもう{origin}からのバスはありません（次は {t} 発）。",
        "next": "次のバス", "last": "最終のバス", "first": "始発のバス", "around": "{tt}ごろのバス",
        "arrive_by": "{tt}までに着くバス", "to": "{dest}へ行く", "arr": "（{dest}着 {a}）",
        "lead": "{origin}から{to}{what}は {t} 発です{arr}。", "say": "{to}{what}は、{t}に{origin}を出ます。",
        "last_today": "これが今日の最終です。", "last_on": "これが{day}の最終です。",
        "day_tomorrow": "明日", "day_on": "{date}",
        "expired_on": "この時刻表データは {date} で終わっていて、{day}のバスは分かりません。"
                      "最新の時刻はバス会社か{who}に確認してください。", "after_that": "その次は {nf} 発です。",
        "expired": "この時刻表データは {date} で終わっていて、今日のバスは分かりません。"
                   "最新の時刻はバス会社か{who}に確認してください。",
        "expired_brief": "バスの時刻表データは {date} で終わっています。",
        "caretaker": "管理人",
        "transfer": "{origin}から{dest}へ直通するバスはありません。{hub}で乗り換えると行けます。",
        "transfer_say": "直通はありません。{t1}のバスで{hub}へ行き、{t2}のバスに乗り換えます。",
        "no_direct": "{origin}から{to}バスは、時刻表では見つかりませんでした（直通の便がありません）。",
        "none_by": "{tt}までに{dest}に着くバスは、{origin}からはありません。",
        "none_around": "その時間帯に{origin}から{to}バスはありません。",
        "none_day": "その日は{origin}から{to}バスはありません。",
        "none_more": "今日はもう{origin}から{to}バスはありません。最終は {lt} 発でした。",
        "none_today": "今日は{origin}から{to}バスは走っていません。",
        "next_one": "次は {nf} 発です。",
        "late_night": "深夜{hm}", "tomorrow_at": "明日 {hm}",
        "taxi": "タクシー: ", "timetable": "{agency} 時刻表",
    },
    "en": {
        "bound": "for {name}",
        "brief_next": "Next bus: {t} from {origin}, {bound}{arr}.", "brief_arr": ", arriving at {dest} {a}",
        "brief_none": "No more buses from {origin} today (next: {t}).",
        "next": "The next bus", "last": "The last bus", "first": "The first bus", "around": "The bus around {tt}",
        "arrive_by": "To arrive by {tt}, the bus", "to": " to {dest}", "arr": ", arriving at {a}",
        "lead": "{what} from {origin}{to} leaves at {t}{arr}.", "say": "{what}{to} leaves {origin} at {t}.",
        "last_today": "That is the last bus today.", "last_on": "That is the last bus {day}.",
        "day_tomorrow": "tomorrow", "day_on": "on {date}",
        "expired_on": "This timetable ended on {date}, so it cannot tell the buses {day};"
                      " please check with the bus company or {who}.",
        "after_that": "After that, the next one is at {nf}.",
        "expired": "This timetable ended on {date}, so it cannot tell today's buses;"
                   " please check with the bus company or {who}.",
        "expired_brief": "The bus timetable data ended on {date}.",
        "caretaker": "the caretaker",
        "transfer": "No bus goes directly from {origin} to {dest}; change at {hub}.",
        "transfer_say": "There is no direct bus. Take the {t1} bus to {hub} and change to the {t2} bus.",
        "no_direct": "The timetable has no direct bus from {origin}{to}.",
        "none_by": "No bus from {origin} gets to {dest} by {tt}.",
        "none_around": "There is no bus from {origin}{to} around that time.",
        "none_day": "There is no bus from {origin}{to} that day.",
        "none_more": "There are no more buses from {origin}{to} today. The last one left at {lt}.",
        "none_today": "There is no bus from {origin}{to} today.",
        "next_one": "The next one leaves at {nf}.",
        "late_night": "{hm} (after midnight)", "tomorrow_at": "{hm} tomorrow",
        "taxi": "Taxi: ", "timetable": "{agency} timetable",
    },
    "zh": {
        "bound": "开往{name}",
        "brief_next": "下一班车：{t}从{origin}发车（{bound}{arr}）。", "brief_arr": "，{a}到达{dest}",
        "brief_none": "今天从{origin}出发的车已经没有了（下一班：{t}）。",
        "next": "下一班车", "last": "末班车", "first": "首班车", "around": "{tt}左右的车",
        "arrive_by": "{tt}前到达的车", "to": "开往{dest}", "arr": "（{a}到达{dest}）",
        "lead": "从{origin}{to}的{what}{t}发车{arr}。", "say": "{to}的{what}{t}从{origin}发车。",
        "last_today": "这是今天的末班车。", "last_on": "这是{day}的末班车。",
        "day_tomorrow": "明天", "day_on": "{date}",
        "expired_on": "这份时刻表已于{date}结束，无法告诉您{day}的班次，请向巴士公司或{who}确认最新时间。",
        "after_that": "再下一班是{nf}。",
        "expired": "这份时刻表已于{date}结束，无法告诉您今天的班次，请向巴士公司或{who}确认最新时间。",
        "expired_brief": "巴士时刻表数据已于{date}结束。",
        "caretaker": "管理员",
        "transfer": "从{origin}到{dest}没有直达车，请在{hub}换乘。",
        "transfer_say": "没有直达车。乘{t1}的车到{hub}，再换乘{t2}的车。",
        "no_direct": "时刻表中没有从{origin}{to}的直达车。",
        "none_by": "没有从{origin}出发、{tt}前到达{dest}的车。",
        "none_around": "那个时间段没有从{origin}{to}的车。",
        "none_day": "那天没有从{origin}{to}的车。",
        "none_more": "今天从{origin}{to}的车已经没有了。末班车{lt}已发车。",
        "none_today": "今天没有从{origin}{to}的车。",
        "next_one": "下一班{nf}发车。",
        "late_night": "凌晨{hm}", "tomorrow_at": "明天 {hm}",
        "taxi": "出租车：", "timetable": "{agency} 时刻表",
    },
    "ko": {
        "bound": "{name}행",
        "brief_next": "다음 버스: {t}에 {origin} 출발 ({bound}{arr}).", "brief_arr": ", {dest} 도착 {a}",
        "brief_none": "오늘은 더 이상 {origin}에서 출발하는 버스가 없습니다 (다음: {t}).",
        "next": "다음 버스", "last": "막차", "first": "첫차", "around": "{tt}쯤 버스",
        "arrive_by": "{tt}까지 도착하는 버스", "to": "{dest}행 ", "arr": " ({dest} 도착 {a})",
        "lead": "{origin}에서 {to}{what}는 {t}에 출발합니다{arr}.",
        "say": "{to}{what}는 {t}에 {origin}에서 출발합니다.",
        "last_today": "오늘의 막차입니다.", "last_on": "{day}의 막차입니다.",
        "day_tomorrow": "내일", "day_on": "{date}",
        "expired_on": "이 시간표는 {date}에 끝나서 {day} 버스는 알 수 없습니다. "
                      "버스 회사나 {who}에게 최신 시간을 확인해 주세요.", "after_that": "그다음은 {nf}에 출발합니다.",
        "expired": "이 시간표는 {date}에 끝나서 오늘 버스는 알 수 없습니다. "
                   "버스 회사나 {who}에게 최신 시간을 확인해 주세요.",
        "expired_brief": "버스 시간표 데이터는 {date}에 끝났습니다.",
        "caretaker": "관리인",
        "transfer": "{origin}에서 {dest}까지 직행 버스가 없습니다. {hub}에서 갈아타세요.",
        "transfer_say": "직행이 없습니다. {t1} 버스로 {hub}까지 가서 {t2} 버스로 갈아타세요.",
        "no_direct": "시간표에 {origin}에서 {to}직행 버스가 없습니다.",
        "none_by": "{tt}까지 {dest}에 도착하는 버스가 {origin}에서는 없습니다.",
        "none_around": "그 시간대에 {origin}에서 {to}버스가 없습니다.",
        "none_day": "그날은 {origin}에서 {to}버스가 없습니다.",
        "none_more": "오늘은 더 이상 {origin}에서 {to}버스가 없습니다. 막차는 {lt}에 출발했습니다.",
        "none_today": "오늘은 {origin}에서 {to}버스가 운행하지 않습니다.",
        "next_one": "다음 버스는 {nf}에 출발합니다.",
        "late_night": "새벽 {hm}", "tomorrow_at": "내일 {hm}",
        "taxi": "택시: ", "timetable": "{agency} 시간표",
    },
}
register({key: {lg: table[key] for lg, table in _BUS.items()} for key in _BUS["en"]}, "bus")


def _b(lang: str, key: str, **values: Any) -> str:
    return phrase(f"bus.{key}", lang, **values)


# -- names in the answer's language ---------------------------------------------------


def stop_name(stop: Stop, lang: str) -> str:
    """Japanese name for ja; English (or romanised reading) with the Japanese for en,
    so a guest can match the answer against the sign at the stop."""
    if lang == "ja":
        return stop.name
    en = stop.en or (romanize(stop.kana) if stop.kana else "")
    return f"{en} ({stop.name})" if en and en != stop.name else stop.name


def spoken_name(stop: Stop, lang: str) -> str:
    """The name as said aloud: one language only."""
    if lang == "ja":
        return stop.name
    return stop.en or (romanize(stop.kana) if stop.kana else stop.name)


def route_name(route: Route, lang: str) -> str:
    if lang == "ja":
        return route.long_name or route.short_name
    return route.long_en or route.short_en or route.long_name or route.short_name


def bound_for(dep: Departure, lang: str) -> str:
    """「北見バスターミナル行き」 / "for Kitami Bus Terminal" / 开往… / …행."""
    hs = dep.headsign or dep.last_stop.name
    if lang == "ja":
        return _b(lang, "bound", name=hs)
    en = dep.headsign_en or (dep.last_stop.en if hs == dep.last_stop.name else "")
    if not en and hs == dep.last_stop.name and dep.last_stop.kana:
        en = romanize(dep.last_stop.kana)
    return _b(lang, "bound", name=en or hs)


def clock(moment: datetime, now: datetime, lang: str, same_day_as: datetime | None = None) -> str:
    """"8時05分" / "8:05", with the day when it is not today ("明日 6時10分").

    ``same_day_as``: an arrival on the same date as its departure needs no date again."""
    hm = format_time(moment, reply_lang(lang), padded=True)
    if same_day_as is not None and same_day_as.date() == moment.date():
        return hm
    days = (moment.date() - now.date()).days
    if days == 0:
        return hm
    if days == 1 and moment < day_break_after(now):
        return _b(lang, "late_night", hm=hm)
    if days == 1:
        return _b(lang, "tomorrow_at", hm=hm)
    if lang == "ja":
        return f"{format_date(moment, 'ja')}{hm}"  # "12月4日（金）8時05分"
    if lang in ("zh", "ko"):
        return f"{format_date(moment, lang)} {hm}"  # "12月4日（周五） 8:05", "12월 4일 (금) 8시 05분"
    wd, month = weekday_name(moment, "en", short=True), month_name(moment.month, "en", short=True)
    return f"{wd} {moment.day} {month}, {hm}"  # "Fri 4 Dec, 8:05"


# -- the answerer --------------------------------------------------------------------


@dataclass
class _Context:
    """One question's resolved inputs."""

    index: TransitIndex
    matcher: PlaceMatcher
    request: BusRequest
    now: datetime
    lang: str
    area_id: str
    who: str = ""  # whom to ask when the timetable cannot answer (the house's first contact)


class BusAnswerer:
    """Answers timetable questions for the asking house from its area's GTFS index."""

    name = "transit"

    def __init__(self, knowledge: Knowledge, index_dir: Path):
        """``index_dir`` is the store's transit folder (``ingest.transit.schema.transit_dir``)."""
        self.knowledge = knowledge
        self.cache = IndexCache(Path(index_dir), knowledge.timezone)
        self._matchers: dict[tuple[str, tuple[int, int, int]], PlaceMatcher] = {}
        self._lock = threading.Lock()

    def next_bus_sentence(self, house: House, now: datetime, lang: str,
                          destination: str | None = None) -> str | None:
        """One sentence on the next bus from the house's stop (the briefing's bus line)."""
        return next_bus_sentence(self.cache, self.knowledge, house, now, lang, destination)

    def brief(self, ctx: HouseContext, now: datetime, lang: str) -> BriefingLine | None:
        """:class:`~bot.engine.contract.BriefingPart`: the next bus from the house's stop."""
        sentence = (self.next_bus_sentence(ctx.house, now, lang) or "").strip()
        return BriefingLine("bus", sentence, sentence) if sentence else None

    def matcher(self, area_id: str, index: TransitIndex) -> PlaceMatcher:
        key = (area_id, index.signature)
        with self._lock:
            m = self._matchers.get(key)
            if m is None:
                m = PlaceMatcher(index.places)
                self._matchers = {k: v for k, v in self._matchers.items() if k[0] != area_id}
                self._matchers[key] = m
            return m

    def answer(self, question: Question, ctx: HouseContext) -> Answer | None:
        request = parse_request(question.text)
        if request is None or ctx.area is None:
            return None
        index = self.cache.get(ctx.area.id)
        if index is None:
            return None
        lang = ctx.lang if ctx.lang in ("ja", "en", "zh", "ko") else "en"
        c = _Context(index, self.matcher(ctx.area.id, index), request,
                     question.now.astimezone(index.tz), lang, ctx.area.id, contact_of(ctx.house, lang))
        origins = self._origins(c, list(ctx.house.stops or []))
        if not origins:
            return None
        if request.kind == "where":
            return _where_answer(c, origins, ctx.house)
        near = frozenset(s.idx for g in origins for s in g)
        dest = self._destination(c, near)
        if dest is None and request.dest_phrase:
            here = c.matcher.match(request.dest_phrase)
            if here and here[0].place.stops & near:
                return _where_answer(c, origins, ctx.house, already_there=True)
            return None  # a place the timetable does not know: let the guides answer
        return _trip_answer(c, origins, dest, question, ctx)

    def _origins(self, c: _Context, stop_ids: list[str]) -> list[list[Stop]]:
        """Boarding stops to try, nearest first: a named "from X", else the house's stops."""
        if c.request.origin_phrase:
            found = c.matcher.match(c.request.origin_phrase)
            if found:
                return [[c.index.stops[i] for i in sorted(found[0].place.stops)]]
        groups = [g for g in (c.index.boarding_group(s) for s in stop_ids) if g]
        return groups

    def _destination(self, c: _Context, exclude: frozenset[int]) -> Match | None:
        if c.request.dest_phrase:
            found = c.matcher.match(c.request.dest_phrase, exclude)
            if found:
                return found[0] if len(found) == 1 else _merge(found)
        found = [m for m in c.matcher.match(without_time_words(c.request.text), exclude) if m.score >= 0.5]
        if found:
            return found[0] if len(found) == 1 else _merge(found)
        return None


def _merge(matches: list[Match]) -> Match:
    """Equally good places (e.g. two "…駅前" stops) are all acceptable destinations."""
    stops = frozenset().union(*(m.place.stops for m in matches))
    first = matches[0]
    return Match(Place(first.place.key, stops, first.place.names, first.place.is_headsign),
                 first.score, first.name)


# -- trips ---------------------------------------------------------------------------


def _trip_answer(c: _Context, groups: list[list[Stop]], dest: Match | None, question: Question,
                 ctx: HouseContext) -> Answer:
    dest_stops = [c.index.stops[i] for i in sorted(dest.place.stops)] if dest else None
    r = c.request
    outcome: Outcome | None = None
    origins = groups[0]
    for group in groups:
        o = plan(c.index, group, dest_stops, c.now, r.kind, day_offset=_day_offset(r, c.now),
                 weekday=r.weekday, hour=r.hour, minute=r.minute, meridiem=r.meridiem)
        if o.departures or o.next_first or o.last_left:
            outcome, origins = o, group
            break
        outcome = outcome or o
    assert outcome is not None
    dest_label, dest_spoken = _dest_label(c, dest, outcome)
    lines, speech = _describe(c, outcome, origins, dest_label, dest_spoken)
    sources = [Source(path=f"areas/{c.area_id}/gtfs/", heading="", score=1.0,
                      label=_feed_label(c))]
    if not outcome.departures:
        taxi_text, taxi_sources = _taxi(question, ctx, c.lang)
        if taxi_text:
            lines.append("")
            lines.append(_b(c.lang, "taxi") + taxi_text)
            sources.extend(taxi_sources)
    confidence = 0.95 if dest is None or dest.score >= 0.6 else 0.8
    return Answer(
        text="\n".join(lines).strip(),
        lang=c.lang,
        intent="transit",
        confidence=confidence,
        sources=sources,
        speech=speech,
        data=_data(c, outcome, origins, dest_label),
    )


def _day_offset(r: BusRequest, now: datetime) -> int | None:
    """Days from today to the day asked: "明日" says it, "1/2" is its next occurrence."""
    if r.date is None:
        return r.day_offset
    month, day = r.date
    for year in (now.year, now.year + 1):
        try:
            asked = date(year, month, day)
        except ValueError:
            return r.day_offset
        if asked >= now.date():
            return (asked - now.date()).days
    return r.day_offset


def _dest_label(c: _Context, dest: Match | None, outcome: Outcome) -> tuple[str, str]:
    """(written, spoken) name of the destination actually reached."""
    if dest is None:
        return "", ""
    shown = next((d.dest for d in [*outcome.departures, outcome.next_first, outcome.last_left]
                  if d is not None and d.dest is not None), None)
    if shown is None and dest.place.is_headsign:
        names = dest.place.names
        label = names[0] if c.lang == "ja" or len(names) == 1 else names[1]
        return label, label
    stop = shown if shown is not None else c.index.stops[min(dest.place.stops)]
    return stop_name(stop, c.lang), spoken_name(stop, c.lang)


def about(moment: datetime, now: datetime, lang: str) -> str:
    """A requested time, as said: "9時ごろ" / "around 9:00"."""
    if lang == "ja":
        hm = format_time(moment, "ja")
        days = (moment.date() - now.date()).days
        day = "明日" if days == 1 else month_day(moment, "ja") if days > 1 else ""
        return f"{day}{hm}"
    return clock(moment, now, lang)


def _describe(c: _Context, o: Outcome, origins: list[Stop], dest: str,
              dest_spoken: str) -> tuple[list[str], str]:
    """The written lines and the one-or-two-sentence spoken form."""
    ja = c.lang == "ja"
    now = c.now
    origin = stop_name(origins[0], c.lang)
    origin_spoken = spoken_name(origins[0], c.lang)
    lines: list[str] = []
    if o.departures:
        first = o.departures[0]
        if o.kind == "arrive_by":
            first = o.departures[-1]
        elif o.kind == "around" and o.target is not None:
            target = o.target
            first = min(o.departures, key=lambda d: abs((d.dep - target).total_seconds()))
        t = clock(first.dep, now, c.lang)
        a = clock(first.arr, now, c.lang, first.dep) if first.arr and dest else ""
        lg = c.lang
        what = _b(lg, o.kind if o.kind in ("last", "first") else "next")
        if o.kind == "around" and o.target is not None:
            what = _b(lg, "around", tt=about(o.target, now, lg))
        if o.kind == "arrive_by" and o.target is not None:
            what = _b(lg, "arrive_by", tt=about(o.target, now, lg))
        arr = _b(lg, "arr", dest=dest, a=a) if a else ""
        lead = _b(lg, "lead", origin=origin, to=_b(lg, "to", dest=dest) if dest else "", what=what, t=t, arr=arr)
        speech = _b(lg, "say", to=_b(lg, "to", dest=dest_spoken) if dest else "", what=what, t=t,
                    origin=origin_spoken)
        lines.append(lead)
        lines.extend(_row(d, now, c.lang, bool(dest)) for d in o.departures)
        if o.is_last and o.kind in ("next", "last"):
            day = _day_asked(o, now, lg)
            lines.append(_b(lg, "last_on", day=day) if day else _b(lg, "last_today"))
            if o.next_first is not None and o.kind == "next":
                lines.append(_b(lg, "after_that", nf=clock(o.next_first.dep, now, lg)))
        return lines, speech

    # nothing in the window
    lg = c.lang
    to = _b(lg, "to", dest=dest) if dest else ""
    if o.expired_on is not None:
        d = o.expired_on
        day = _day_asked(o, now, lg)
        msg = _b(lg, "expired_on" if day else "expired", date=month_day(d, lg, year=True), day=day,
                 who=c.who or _b(lg, "caretaker"))
        return [msg], msg
    if o.transfer is not None:
        leg1, leg2 = o.transfer
        hub = stop_name(leg1.dest or leg2.origin, lg)
        msg = _b(lg, "transfer", origin=origin, dest=dest, hub=hub)
        lines = [msg, _row(leg1, now, lg, True, leg1.dest), _row(leg2, now, lg, True, leg2.dest)]
        t1, t2 = clock(leg1.dep, now, lg), clock(leg2.dep, now, lg)
        speech = _b(lg, "transfer_say", t1=t1, t2=t2, hub=spoken_name(leg1.dest or leg2.origin, lg))
        if o.kind == "last" and o.is_last:  # the last journey of the day, as asked
            day = _day_asked(o, now, lg)
            last = _b(lg, "last_on", day=day) if day else _b(lg, "last_today")
            lines.append(last)
            speech = f"{speech} {last}" if lg not in ("ja", "zh") else speech + last
        return lines, speech
    if o.next_first is None and o.last_left is None:
        msg = _b(lg, "no_direct", origin=origin, to=to)
        return [msg], msg
    if o.kind == "arrive_by" and o.target is not None:
        msg = _b(lg, "none_by", tt=about(o.target, now, lg), dest=dest, origin=origin)
    elif o.kind == "around":
        msg = _b(lg, "none_around", origin=origin, to=to)
    elif o.future_day:
        msg = _b(lg, "none_day", origin=origin, to=to)
    elif o.last_left is not None:
        msg = _b(lg, "none_more", origin=origin, to=to, lt=clock(o.last_left.dep, now, lg))
    else:
        msg = _b(lg, "none_today", origin=origin, to=to)
    lines.append(msg)
    speech = msg
    if o.next_first is not None:
        nxt = _b(lg, "next_one", nf=clock(o.next_first.dep, now, lg))
        lines.append(nxt)
        lines.append(_row(o.next_first, now, lg, bool(dest)))
        speech = f"{msg}{nxt}" if lg in ("ja", "zh") else f"{msg} {nxt}"
    if not ja:
        speech = re.sub(r" \([^)]*\)", "", speech)
    return lines, speech


def _day_asked(o: Outcome, now: datetime, lang: str) -> str:
    """The service day a later-day answer is about, as its sentences name it ("明日",
    "on Thursday, December 31"); "" for today, which the plain wording already says."""
    if not o.future_day:
        return ""
    day = o.window_start.date()
    if (day - now.date()).days == 1:
        return _b(lang, "day_tomorrow")
    return _b(lang, "day_on", date=format_date(day, lang))


def _row(d: Departure, now: datetime, lang: str, with_arrival: bool, alight: Stop | None = None) -> str:
    """One timetable line; ``alight`` names the stop where the arrival time applies."""
    dep = clock(d.dep, now, lang)
    route = route_name(d.route, lang)
    at = f"{stop_name(alight, lang)} " if alight is not None else ""
    if lang == "ja":
        arr = f" → {at}{clock(d.arr, now, lang, d.dep)}着" if with_arrival and d.arr else ""
        src = f"{stop_name(d.origin, lang)} " if alight is not None else ""
        return f"・{src}{dep}発{arr}　{route}（{bound_for(d, lang)}）"
    arr = f" → {at}{clock(d.arr, now, lang, d.dep)}" if with_arrival and d.arr else ""
    src = f"{stop_name(d.origin, lang)} " if alight is not None else ""
    return f"• {src}{dep}{arr}  {route}, {bound_for(d, lang)}"


def _feed_label(c: _Context) -> str:
    agency = c.index.meta.get("agency_en" if c.lang != "ja" else "agency") or c.index.meta.get("agency", "")
    return _b(c.lang, "timetable", agency=agency).strip()


def _data(c: _Context, o: Outcome, origins: list[Stop], dest: str) -> dict[str, Any]:
    def dep(d: Departure) -> dict[str, Any]:
        return {"departs": d.dep.isoformat(), "arrives": d.arr.isoformat() if d.arr else None,
                "from": d.origin.name, "from_en": d.origin.en, "to": d.dest.name if d.dest else None,
                "route": route_name(d.route, c.lang), "headsign": bound_for(d, c.lang),
                "trip_id": d.trip_id}

    return {
        "kind": o.kind,
        "origin": {"stop_id": origins[0].stop_id, "name": origins[0].name, "kana": origins[0].kana,
                   "en": origins[0].en},
        "destination": dest,
        "departures": [dep(d) for d in o.departures],
        "next_service": dep(o.next_first) if o.next_first else None,
        "last_left": dep(o.last_left) if o.last_left else None,
    }


def _taxi(question: Question, ctx: HouseContext, lang: str) -> tuple[str, list[Source]]:
    """The area guide's taxi section, shortened, as the alternative when no bus runs."""
    try:
        ans = ctx.retrieve(Question(text=TAXI_QUERY.get(lang, "taxi"), house_id=question.house_id,
                                    now=question.now, lang=lang, audience=question.audience,
                                    channel=question.channel))
    except Exception:  # retrieval is a nicety here; the bus answer stands on its own
        logging.getLogger(__name__).warning("taxi retrieval failed", exc_info=True)
        return "", []
    if ans is None or ans.abstained or not ans.text.strip():
        return "", []
    text = re.sub(r"\s*\n\s*", " / ", ans.text.strip())
    if len(text) > TAXI_BRIEF_CHARS:
        cut = text[:TAXI_BRIEF_CHARS]
        text = cut[:max(cut.rfind("。"), cut.rfind(". "), cut.rfind(" / "), TAXI_BRIEF_CHARS // 2) + 1] + "…"
    return text.strip(" /"), list(ans.sources)


# -- where is the stop ---------------------------------------------------------------


def _where_answer(c: _Context, groups: list[list[Stop]], house: Any,
                  already_there: bool = False) -> Answer:
    """The house's stops with distance, routes, a map link and the next departures.

    ``already_there``: the stayer asked for a bus to their own nearest stop; say so."""
    ja = c.lang == "ja"
    lines: list[str] = []
    if already_there:
        lines.append(f"「{stop_name(groups[0][0], c.lang)}」はお住まいのすぐ近くのバス停です。歩いて行けます。"
                     if ja else f"{stop_name(groups[0][0], c.lang)} is your own nearest stop: you can walk there.")
    here = _house_position(house)
    for i, group in enumerate(groups[:2]):
        stop = group[0]
        name = stop_name(stop, c.lang)
        reading = f"（{stop.kana}）" if ja and stop.kana else ""
        where = _distance(here, stop, c.lang)
        if i == 0:
            lines.append(f"最寄りのバス停は「{name}」{reading}です{where}。" if ja else
                         f"The nearest bus stop is {name}{where}.")
        else:
            lines.append(f"ほかに「{name}」{reading}も使えます{where}。" if ja else
                         f"You can also use {name}{where}.")
        routes = c.index.routes_at(group)
        if routes:
            served = "、".join(f"{route_name(r, c.lang)}（{hs}行き）" for r, hs, _ in routes[:4]) if ja else \
                "; ".join(f"{route_name(r, c.lang)} for {en or hs}" for r, hs, en in routes[:4])
            lines.append(f"　停まる路線: {served}" if ja else f"  Routes: {served}")
        if stop.lat is not None and stop.lon is not None:
            lines.append(f"　地図: https://maps.google.com/?q={stop.lat},{stop.lon}" if ja else
                         f"  Map: https://maps.google.com/?q={stop.lat},{stop.lon}")
    nxt = plan(c.index, groups[0], None, c.now, "next").departures
    if nxt:
        lines.append("次の発車:" if ja else "Next departures:")
        lines.extend(_row(d, c.now, c.lang, False) for d in nxt)
    first = spoken_name(groups[0][0], c.lang)
    speech = (f"最寄りのバス停は{first}です。" if ja else f"The nearest bus stop is {first}.")
    if already_there:
        speech = (f"{first}はすぐ近くのバス停です。歩いて行けます。" if ja else
                  f"{first} is your nearest stop; you can walk there.")
    return Answer(text="\n".join(lines), lang=c.lang, intent="transit", confidence=0.9,
                  sources=[Source(path=f"areas/{c.area_id}/gtfs/", heading="", score=1.0,
                                  label=_feed_label(c))],
                  speech=speech,
                  data={"kind": "where", "stops": [{"stop_id": g[0].stop_id, "name": g[0].name,
                                                    "kana": g[0].kana, "en": g[0].en,
                                                    "lat": g[0].lat, "lon": g[0].lon} for g in groups]})


def _house_position(house: House) -> tuple[float, float] | None:
    w = house.weather or {}
    if "lat" in w and "lon" in w:
        return float(w["lat"]), float(w["lon"])
    return None


def _distance(here: tuple[float, float] | None, stop: Stop, lang: str) -> str:
    """"（北東へ約150m）" from the house's coordinates, when both are known."""
    if here is None or stop.lat is None or stop.lon is None:
        return ""
    lat1, lon1 = map(math.radians, here)
    lat2, lon2 = math.radians(stop.lat), math.radians(stop.lon)
    x = (lon2 - lon1) * math.cos((lat1 + lat2) / 2)
    y = lat2 - lat1
    metres = math.hypot(x, y) * 6_371_000
    if metres > 5000:
        return ""
    bearing = (math.degrees(math.atan2(x, y)) + 360) % 360
    sector = int((bearing + 22.5) // 45) % 8
    rounded = max(50, round(metres / 50.0) * 50)
    if lang == "ja":
        return f"（{['北', '北東', '東', '南東', '南', '南西', '西', '北西'][sector]}へ約{rounded}m）"
    directions = ['north', 'north-east', 'east', 'south-east', 'south', 'south-west', 'west', 'north-west']
    return f", about {rounded} m {directions[sector]}"


# -- the morning briefing's line -------------------------------------------------------

def next_bus_sentence(cache: IndexCache, knowledge: Knowledge, house: House, now: datetime, lang: str,
                      destination: str | None = None) -> str | None:
    """One sentence on the next bus from the house's stop, or None without timetable data."""
    area = knowledge.area_of(house)
    if area is None or not house.stops:
        return None
    index = cache.get(area.id)
    if index is None:
        return None
    origins = next((g for g in (index.boarding_group(s) for s in house.stops) if g), None)
    if not origins:
        return None
    dests = None
    if destination:
        found = PlaceMatcher(index.places).match(destination, frozenset(s.idx for s in origins))
        if not found:
            return None
        dests = [index.stops[i] for i in sorted(found[0].place.stops)]
    now = now.astimezone(index.tz)
    o = plan(index, origins, dests, now, "next", limit=1)
    origin = stop_name(origins[0], lang)
    if o.departures:
        d = o.departures[0]
        arr = (_b(lang, "brief_arr", dest=stop_name(d.dest, lang), a=clock(d.arr, now, lang))
               if d.dest and d.arr else "")
        return _b(lang, "brief_next", t=clock(d.dep, now, lang), origin=origin, bound=bound_for(d, lang), arr=arr)
    if o.next_first is not None:
        return _b(lang, "brief_none", origin=origin, t=clock(o.next_first.dep, now, lang))
    if o.expired_on is not None:
        return _b(lang, "expired_brief", date=month_day(o.expired_on, lang, year=True))
    return None


def contact_of(house: House, lang: str) -> str:
    """The house's first contact as "label (phone)", else "the caretaker"."""
    if not house.contacts:
        return _b(lang, "caretaker")
    c = house.contacts[0]
    return f"{c.label_in(lang)}（{c.phone}）" if lang in ("ja", "zh") else f"{c.label_in(lang)} ({c.phone})"
