"""Is this a garbage question, about which day(s), which categories, and which item?

Pure text analysis (no I/O, no calendar): :func:`analyze` turns a question into
:class:`Signals`, and :func:`decide` turns signals plus what the data recognised into an
intent. Stayers type the way they talk: "あしたのごみなに", "ゴミ出せる？", "tomorow trash?",
"明天扔什么垃圾", so everything is matched on :func:`text.normalize.fold` text (NFKC,
case-folded, katakana as hiragana), kana spellings are listed next to kanji ones, and
English words are corrected against a small vocabulary before matching.

Patterns are written in natural script and folded when compiled, so ``ゴミ`` in a pattern
matches ごみ, ゴミ and ｺﾞﾐ alike.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta

from text.dates import MONTHS_EN_SHORT, WEEKDAYS_SHORT
from text.detect import detect_lang
from text.english import EVERYDAY_VERBS, GARBAGE_QUESTION_STOP
from text.normalize import fold, spelled
from text.segment import names_no_thing
from text.spelling import by_length, close_matches
from text.sudachi import morphemes

from .spelling import respell

DAY, WEEK, NONE = "day", "week", "none"
GARBAGE_DAY, SORTING = "garbage_day", "sorting"


def _rx(*alternatives: str) -> re.Pattern[str]:
    """Compile alternatives after folding them (keep patterns free of upper-case escapes)."""
    return re.compile("|".join(f"(?:{fold(a)})" for a in alternatives))


# --------------------------------------------------------------------------- vocabulary

_EN_VOCAB = (
    "today", "tomorrow", "tonight", "monday", "tuesday", "wednesday", "thursday", "friday",
    "saturday", "sunday", "garbage", "trash", "rubbish", "collection", "collected", "collect",
    "pickup", "burnable", "burnables", "combustible", "recyclable", "recyclables", "recycling",
    "plastic", "plastics", "bottles", "cans", "paper", "cardboard", "week", "weekend", "next",
    "when", "schedule", "throw", "dispose", "which", "where", "batteries",
)
_EN_VOCAB_BY_LENGTH = by_length(_EN_VOCAB)
_EN_WORD = re.compile(r"[a-z][a-z'-]*")

_WEEKDAY_WORDS: list[tuple[str, int]] = [
    # (pattern, weekday index: Monday = 0)
    *[(f"{c}曜日?", i) for i, c in enumerate(WEEKDAYS_SHORT["ja"])],
    *[(f"{k}ようび", i) for i, k in enumerate(["げつ", "か", "すい", "もく", "きん", "ど", "にち"])],
    *[(rf"\b{w}\b", i) for i, w in enumerate(["monday|mon", "tuesday|tues?", "wednesday|wed",
                                              "thursday|thu|thurs?", "friday|fri", "saturday|sat",
                                              "sunday|sun"])],
    *[(f"(?:星期|周|週|礼拜){c}", i) for i, c in enumerate(WEEKDAYS_SHORT["zh"][:6])],
    ("(?:星期|周|週|礼拜)[日天]", 6),
    *[(f"{c}요일", i) for i, c in enumerate(WEEKDAYS_SHORT["ko"])],
]
_WEEKDAY = [(_rx(p), i) for p, i in _WEEKDAY_WORDS]
_JA_WD, _KO_WD = "".join(WEEKDAYS_SHORT["ja"]), "".join(WEEKDAYS_SHORT["ko"])
_EN_WD = "|".join(d.lower() for d in WEEKDAYS_SHORT["en"])
_WD_AHEAD = rf"(?=\s*(?:[{_JA_WD}]曜|{_EN_WD}|星期|周|週|[{_KO_WD}]요일))"
_NEXT_WEEK_PREFIX = _rx("来週の?", "らいしゅうの?", r"next week'?s?", "下周", "下週", "下个?星期", "다음 ?주")
_COMING_PREFIX = _rx(*(p + _WD_AHEAD for p in (r"next", "次の", "今度の", "下一?个?")))
_THIS_WEEK_PREFIX = _rx(*(p + _WD_AHEAD for p in ("今週の?", "こんしゅうの?", r"this", "这周", "這週", "本周",
                                                   "이번 ?주")))

_MONTHS_EN = {m.lower(): i for i, m in enumerate(MONTHS_EN_SHORT, start=1)}
_EN_MONTH = rf"({'|'.join(_MONTHS_EN)})[a-z]*\.?"  # "sept", "Dec." and "december" too

_RELATIVE = [
    (_rx("明後日", "あさって", "day after tomorrow", "后天", "後天", "모레"), 2, "day_after"),
    (_rx("今夜", "今晩", "こんや", "こんばん", "tonight", "今晚", "오늘 ?밤"), 1, "tonight"),
    (_rx("明日", "あした", r"あす(?=[はのにもっ、。?!\s]|$|ご)", "翌日", "tomorrow", "tmrw?", "明天",
         "내일"), 1, "tomorrow"),
    (_rx("今日", "きょう", "本日", "ほんじつ", r"\btoday\b", "今天", "오늘"), 0, "today"),
]
_SPECIAL_DAYS = [
    (_rx("大みそか", "大晦日", "おおみそか", "new year'?s eve", "除夕"), 12, 31),
    (_rx("元日", "元旦", "がんたん", "がんじつ", "new year'?s day", "설날"), 1, 1),
]
_IN_N_DAYS = _rx(r"(\d{1,3})日後", r"in (\d{1,3}) days?", r"(\d{1,3})天后", r"(\d{1,3})일 ?후")
_JA_DATE = re.compile(r"(?:(\d{4})年)?(\d{1,2})月(\d{1,2})[日号](?:\s*[(][^)]{1,4}[)])?")
_KO_DATE = re.compile(r"(\d{1,2})월\s*(\d{1,2})일")
_ISO_DATE = re.compile(r"(\d{4})[-/](\d{1,2})[-/](\d{1,2})")
_SLASH_DATE = re.compile(r"(?<![\d/])(\d{1,2})/(\d{1,2})(?![\d/])(?:\s*[(][^)]{1,4}[)])?")
_EN_DATE_MD = re.compile(rf"\b{_EN_MONTH}\s+(\d{{1,2}})(?:st|nd|rd|th)?\b")
_EN_DATE_DM = re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?{_EN_MONTH}")
_DAY_ONLY = re.compile(r"(?<![\d月])(\d{1,2})日(?!後|間)|\bthe (\d{1,2})(?:st|nd|rd|th)\b")

_WEEKEND = _rx("今週末", "週末", "しゅうまつ", r"\bweekend\b", "周末", "주말")
_NEXT_WEEK = _rx("来週", "らいしゅう", r"next week", "下周", "下週", "下个?星期", "다음 ?주")
_THIS_WEEK = _rx("今週", "こんしゅう", r"this week", r"\bweek'?s?\b", "一週間", "1週間", "いっしゅうかん",
                 "本周", "这周", "這週", "一周", "이번 ?주", "일주일", r"7 days", "週間")

#: "when" asks when unless a subject follows it: "… the trash when I check out" asks what to do.
_NEXT = _rx("次回", "次の", "次は", "つぎの", "今度", "こんど", "いつ", "何曜", "なんよう", "何日", "なんにち",
            r"\bwhen\b(?!\s+(?:i|we|you|they|he|she|im|i'm|we're)\b)", r"\bnext\b", r"what day", r"which day",
            "下次", "什么时候", "哪天", "几号", "언제", "다음", "며칠", "次")
_VERB_TAIL = "[られたいるればまてすしっ]*"
#: "where do I …", "how to …" before go/throw/put; "goes in": the English sorting cues that
#: may also only ask where something goes (_PLACEMENT_CUE)
_WHERE_DO_I = r"(where|how) (do|does|should|can|to) "
_GOES_IN = r"go(es)? in(to)?\b"
_SORTING_CUE = _rx(
    "(?:何|なに|なん|どの|どんな)の?(?:ごみ|区分|分別)", "どう(?:やって|したら|すれば)?(?:捨|す)て" + _VERB_TAIL,
    "どう(?:やって)?(?:出|だ)[せしす]" + _VERB_TAIL, "(?:捨|す)て(?:方|かた)", "(?:出|だ)し(?:方|かた)", "分別",
    "ぶんべつ", "分け方", "わけかた", "捨て" + _VERB_TAIL, "すて[られたいるればまてす]+",
    "処分(?:したい|する|して|の仕方)?",
    "しょぶん", "(?:何|なん)の日に(?:出|だ)" + _VERB_TAIL, "何曜日?に(?:出|だ)" + _VERB_TAIL,
    r"which (garbage|trash|rubbish|bin|bag|category|type|kind)", r"what (kind|type|category|sort)",
    r"how (do|should|can|to|would|must|shall) (i |we |you )?(throw|dispose|get rid|recycle|discard|sort|separate)",
    _WHERE_DO_I + r"(?=.{0,30}\b(go|throw|put)\b)",
    r"\bthrow\w*( away| out)?", r"dispos\w*( of)?", r"get rid of", r"discard\w*", _GOES_IN,
    r"\bseparat\w*",
    "怎么扔", "怎么丢", "怎么处理", "怎么分类", "如何扔", "如何丢", "什么垃圾", "哪种垃圾", "哪类垃圾",
    "属于", "扔", "丢(?![了失])", r"어떻게 버[^\s?]*", r"버리[^\s?]*", r"버려[^\s?]*", r"버릴[^\s?]*", "무슨 쓰레기",
    "어떤 쓰레기",
)
#: The cues above that only say where something goes, and those that say throw away.
_PLACEMENT_CUE = _rx(_WHERE_DO_I + r"(?=.{0,30}\b(go|put)\b)", _GOES_IN)
_DISPOSAL_CUE = _rx(r"\bthrow", r"dispos", r"get rid of", r"discard", r"recycl", r"\bsort", r"separat",
                    r"garbage|trash|rubbish", "捨|すて|ごみ|ゴミ|分別|扔|丢|垃圾|버리|버려|버릴|쓰레기")
#: "for the day", "all day", "every day": a span of time, not a collection day ("trash day").
_DAY_NOT_SPAN = "".join(rf"(?<!\b{w} )" for w in ("a", "all", "any", "each", "every", "per", "one", "that",
                                                   "whole", "same", "the"))
#: Words that mean garbage collection by themselves ("1月2日は収集ある？").
_COLLECTION = _rx("収集", "しゅうしゅう", "回収", "かいしゅう", r"collection days?", r"\bcollected\b", "收集",
                  "回收", "수거")
_DAY_CUE = _rx(
    "の日", "のひ", "収集", "しゅうしゅう", "回収", "かいしゅう", "曜日", "ゴミ出し", "ごみだし", "カレンダー",
    "予定", "(?:(?<=出せる)|(?<=出す)|(?<=だせる)|(?<=だす))日",  # "出せる日": the day it goes out
    r"\bcollect\w*", r"pick ?-?up", _DAY_NOT_SPAN + r"\bdays?\b", r"schedule", r"calendar",
    "收", "几号", "수거", "배출", "언제",
)
#: "when we go out": people going out, not garbage ("What goes out on Friday?").
_NOT_PERSON = "".join(rf"(?<!\b{w} )" for w in ("i", "we", "you", "they", "he", "she", "let's", "lets"))
#: Putting garbage out: garbage context on its own when a day is named ("What goes out on Friday?").
#: The verb with its ending ("出せる日": 出せる, not a stray る left beside the item).
_PUT_OUT = _rx("出す", "出せ(?:る|ます|ない)?", "出し(?:て|ます|たら)", "だす", "だせ(?:る|ます|ない)?",
               "だし(?:て|ます|たら)", r"put (it |them |the \w+ )?out",
               r"take (it |them |the \w+ )?out", _NOT_PERSON + r"go(es)? out", "배출", "내놓")
_GARBAGE_WORD = _rx("ごみ", "ゴミ", "塵", r"\bgomi\b", r"garbage", r"trash", r"rubbish", r"\brefuse\b",
                    r"\bwaste\b", r"\bbins?\b", "垃圾", "쓰레기", "분리수거", "재활용", "資源", "しげん")
_WEEKDAYS_ASKED = _rx(r"which days", r"what days", "何曜日", "なんようび", "何曜", "星期几", "周几", "礼拜几",
                      "무슨 ?요일", "몇 ?요일")
#: "どうしたらいい", "what should we do with": asks for a procedure (the manual's), not a day.
_HOW = _rx("どう(?:したら|すれば|すると|する|しよう|すん|やって)", r"what (?:should|do|can|shall) (?:i|we) do",
           r"how (?:do|should|can|shall) (?:i|we) (?:handle|deal)", "怎么办", "怎么处理", "어떻게 (?:해|하)")
_WHERE = _rx("どこ", r"\bwhere\b", "哪里", "哪儿", "在哪", "어디")
_YES_NO = _rx("ある", "あります", "出せる", "だせる", "出していい", "大丈夫", r"\bok\b",
              r"\bis there\b", r"\bare there\b", r"\bany\b", r"\bcan i\b", r"\bdo they\b", r"\bwill there\b",
              "有没有", "有吗", "吗", "있어", "있나요", "있습니까", "돼요", "되나요")
_FILLER = _rx("について", "ついて", "を?教えて", "をおしえて", "ください", "下さい", "でしょうか", "ですか", "ますか",
              "です",
              "ます", "ればいい", "ばいい", "いいですか", "いいの", "いい", "よい",
              # the sentence-final かな only: "つかない" (won't light) must keep its verb
              r"かな(?=[\s?!？！。、…]|$)", "けど", "だけど",
              "なに", "何", "なん", "please", "tell me", "吗", "呢",
              # Korean copulas ("책은 무슨 쓰레기예요?": 책, not 책은예)
              "이에요", "예요", "인가요", "입니까", "입니다", "요")
#: "洗濯機ある？", "スプレー缶ありますか": whether there is one, not how to throw it away
_EXISTS = _rx(r"(?:あります|ある|あり)(?:か|の)?(?=[\s?!。]|$)",
              # "is there a hair dryer?" asks whether the house has one, not how to throw it away
              r"\b(?:is|are) there\b", r"\bdo (?:you|we) have\b", r"\bhave you got\b", r"\bgot any\b",
              "有没有", "有吗", r"있어요", r"있나요", r"있습니까")
_KANJI = re.compile(r"[\u4e00-\u9fff\u3005]")
_HANGUL = re.compile(r"[\uac00-\ud7af]+")
_LEADING_PARTICLE = re.compile(r"(?:って|は|の|を|に|も|が|、)")
_EDGE_PARTICLES = re.compile(r"(?:って|とか|[はをがも]|[은는을를도])+$")
_PUNCT = re.compile(r"[\s?!.,、。・「」『』()\[\]~〜:;\"'‘’“”]+")

#: Category concepts: what people call a kind of garbage, in the four languages.
CONCEPT_TERMS: dict[str, tuple[str, ...]] = {
    "nonburnable": ("燃やせない", "燃やさない", "燃えない", "もやせない", "もやさない", "もえない", "不燃",
                    "ふねん", "non-?burnables?", "non burnables?", "unburnable", "incombustible",
                    "non-?combustible", "不可燃", "불연", "타지 않는", "안 타는"),
    "burnable": ("燃やせる", "燃やす", "燃える", "もやせる", "もやす", "もえる", "可燃", "かねん",
                 "burnables?", "combustible", "가연", "타는"),
    "pet": ("ペットボトル", "ぺっと", r"\bpet\b", "plastic bottles?", "塑料瓶", "饮料瓶", "宝特瓶", "페트병"),
    "plastic": ("プラスチック", "(?<![天てん])プラ(?!ン|イド)", "容器包装", "plastics?", "塑料", "플라스틱"),
    "bottle": ("びん", "瓶", "ビン", "bottles?", "병"),
    "can": ("缶", r"\bcans\b", r"\b(tin|aluminium|aluminum|empty|drink|beer|soda) can\b", "罐", "캔"),
    "paper": ("紙", "段ボール", "だんぼーる", "新聞", "雑誌", "雑がみ", "古紙", r"\bpapers?\b", "cardboard",
              "newspapers?", "magazines?", "纸", "종이", "신문"),
    "food": ("生ごみ", "なまごみ", "厨余", "food waste", "kitchen waste", "food scraps", r"\borganic\b", "음식물"),
    "oversized": ("粗大", "そだい", "oversized", "bulky", "large items?", "大型垃圾", "대형"),
    "hazardous": ("危険", "有害", "hazardous", "dangerous", "有害垃圾", "유해"),
    "resource": ("資源", "しげん", "recyclables?", "recycling", "资源", "재활용"),
    "greens": ("枝", "葉", "草", "branches", "leaves", "grass", "yard waste"),
    "appliance": ("小型家電", "家電", "appliances?", "电器", "가전"),
    "dropoff": ("拠点回収", "drop-?off", "collection box"),
}
_CONCEPTS = [(name, _rx(*terms)) for name, terms in CONCEPT_TERMS.items()]


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class When:
    """The day(s) a question is about. ``relative`` keeps the word used ("tomorrow")."""

    kind: str = NONE
    days: tuple[date, ...] = ()
    relative: str | None = None


@dataclass
class Signals:
    """Everything :func:`analyze` recognised in one question."""

    text: str
    folded: str
    spelling: str = ""  # ``folded`` with katakana as written (same length): for SudachiPy
    when: When = field(default_factory=When)
    wants_next: bool = False
    day_cue: bool = False
    sorting_cue: bool = False
    #: only a placement cue ("where do I put …", "what goes in …"): about throwing away only
    #: when the item is in the dictionary ("where do I put the snow?" is the manual's)
    placement_only: bool = False
    garbage_word: bool = False
    collection_word: bool = False
    put_out: bool = False
    where: bool = False
    yes_no: bool = False
    asks_weekdays: bool = False  # "which days", "何曜日": the weekly rule, not one date
    asks_how: bool = False  # "どうしたらいい": what to do, not which day
    concepts: frozenset[str] = frozenset()
    residual: str = ""
    predicate: bool = False  # a verb was glued to the item ("蛍光灯切れたん"): more than a name
    words: tuple[str, ...] = ()
    item_text: str = ""

    @property
    def item_phrase(self) -> str:
        """What is left to look up as an item: the non-English residual without edge
        particles ("ピザの箱"), else the English content words ("used diapers")."""
        core = _EN_WORD.sub("", self.residual).replace(" ", "")
        if len(core) > 2 or (len(core) == 2 and _HANGUL.fullmatch(core)):
            # a Korean item is often one syllable: "병은" is 병 (bottle) and its particle
            core = _EDGE_PARTICLES.sub("", core)
        if len(core) >= 2 or (core and (_KANJI.match(core) or _HANGUL.fullmatch(core))):
            return core
        return " ".join(self.words)


def correct_english(folded: str) -> str:
    """Fix typos in the English words that carry intent ("tomorow" -> "tomorrow")."""

    def fix(m: re.Match[str]) -> str:
        word = m.group(0)
        if len(word) < 5 or word in _EN_VOCAB:
            return word
        return _intent_word(word)

    return _EN_WORD.sub(fix, folded)


def _intent_word(word: str) -> str:
    """The intent word ``word`` is a typo of, or ``word`` itself."""
    close = [c for c in close_matches(word, _EN_VOCAB_BY_LENGTH, 3, 0.8)
             if c[0] == word[0] and abs(len(c) - len(word)) <= 2]
    return close[0] if close else word


class _Text:
    """The folded question with recognised spans blanked out as they are consumed."""

    def __init__(self, folded: str):
        self.value = folded

    def take(self, pattern: re.Pattern[str]) -> list[re.Match[str]]:
        """Blank every match, with the particle right after it ("明日は" -> all of it), so what
        remains starts at the next real word."""
        found = list(pattern.finditer(self.value))
        for m in reversed(found):
            end = m.end()
            tail = _LEADING_PARTICLE.match(self.value, end)
            if tail:
                end = tail.end()
            self.value = self.value[: m.start()] + " " * (end - m.start()) + self.value[end:]
        return found

    def has(self, pattern: re.Pattern[str]) -> bool:
        return bool(self.take(pattern))


def concepts_in(folded: str) -> frozenset[str]:
    """Category concepts named in folded text; longer, more specific terms win."""
    text = _Text(folded)
    return frozenset(name for name, pattern in _CONCEPTS if text.take(pattern))


# --------------------------------------------------------------------------- dates


def _future(today: date, month: int, day: int, year: int | None = None) -> date | None:
    """The date with that month and day closest ahead of ``today`` (a month back at most)."""
    if year is not None:
        try:
            return date(year, month, day)
        except ValueError:
            return None
    for y in (today.year - 1, today.year, today.year + 1):
        try:
            d = date(y, month, day)
        except ValueError:
            continue
        if d >= today - timedelta(days=31) and d < today + timedelta(days=335):
            return d
    return None


def _weekday_date(today: date, weekday: int, week_prefix: str) -> date:
    if week_prefix == "next":
        monday = today - timedelta(days=today.weekday()) + timedelta(days=7)
        return monday + timedelta(days=weekday)
    if week_prefix == "this":
        monday = today - timedelta(days=today.weekday())
        d = monday + timedelta(days=weekday)
        return d if d >= today else d + timedelta(days=7)
    if week_prefix == "coming":
        return today + timedelta(days=(weekday - today.weekday() - 1) % 7 + 1)
    return today + timedelta(days=(weekday - today.weekday()) % 7)


def _parse_when(text: _Text, today: date) -> When:
    days: list[date] = []
    relative: str | None = None
    for pattern, month, day in _SPECIAL_DAYS:
        if text.take(pattern):
            d = _future(today, month, day)
            if d:
                days.append(d)
    for m in text.take(_ISO_DATE):
        d = _future(today, int(m.group(2)), int(m.group(3)), int(m.group(1)))
        if d:
            days.append(d)
    for m in text.take(_JA_DATE):
        d = _future(today, int(m.group(2)), int(m.group(3)), int(m.group(1)) if m.group(1) else None)
        if d:
            days.append(d)
    for rx in (_KO_DATE, _SLASH_DATE):
        for m in text.take(rx):
            d = _future(today, int(m.group(1)), int(m.group(2)))
            if d:
                days.append(d)
    for m in text.take(_EN_DATE_MD):
        d = _future(today, _MONTHS_EN[m.group(1)[:3]], int(m.group(2)))
        if d:
            days.append(d)
    for m in text.take(_EN_DATE_DM):
        d = _future(today, _MONTHS_EN[m.group(2)[:3]], int(m.group(1)))
        if d:
            days.append(d)
    for m in text.take(_IN_N_DAYS):
        n = next(int(g) for g in m.groups() if g)
        days.append(today + timedelta(days=n))
    for pattern, offset, word in _RELATIVE:
        if text.take(pattern):
            days.append(today + timedelta(days=offset))
            relative = relative or word
    for m in text.take(_DAY_ONLY):
        n = int(m.group(1) or m.group(2))
        month_date = _future(today, today.month, n) if n >= today.day else None
        if month_date is None:
            nxt = (today.replace(day=1) + timedelta(days=32)).replace(day=1)
            month_date = _future(today, nxt.month, n)
        if month_date:
            days.append(month_date)
    if text.take(_WEEKEND):
        saturday = today + timedelta(days=(5 - today.weekday()) % 7)
        return When(WEEK, (saturday, saturday + timedelta(days=1)))
    prefix = ""
    if text.take(_NEXT_WEEK_PREFIX):
        prefix = "next"
    elif text.take(_COMING_PREFIX):
        prefix = "coming"
    elif text.take(_THIS_WEEK_PREFIX):
        prefix = "this"
    weekday_days = [weekday for pattern, weekday in _WEEKDAY if text.take(pattern)]
    days.extend(_weekday_date(today, wd, prefix) for wd in weekday_days)
    if not weekday_days and not days and prefix == "next":
        monday = today - timedelta(days=today.weekday()) + timedelta(days=7)
        return When(WEEK, tuple(monday + timedelta(days=i) for i in range(7)))
    if days:
        return When(DAY, tuple(sorted(set(days))), relative if len(set(days)) == 1 else None)
    if text.take(_NEXT_WEEK):
        monday = today - timedelta(days=today.weekday()) + timedelta(days=7)
        return When(WEEK, tuple(monday + timedelta(days=i) for i in range(7)))
    if text.take(_THIS_WEEK):
        return When(WEEK, tuple(today + timedelta(days=i) for i in range(7)))
    return When()


# --------------------------------------------------------------------------- analysis


def analyze(question: str, today: date) -> Signals:
    """Recognise dates, cues and category concepts in ``question`` asked on ``today``."""
    folded = correct_english(fold(question))
    text = _Text(folded)
    signals = Signals(text=question, folded=folded, spelling=correct_english(spelled(question)))
    signals.concepts = concepts_in(folded)
    signals.when = _parse_when(text, today)
    signals.placement_only = bool(_PLACEMENT_CUE.search(folded)) and not _DISPOSAL_CUE.search(folded)
    signals.sorting_cue = text.has(_SORTING_CUE)
    signals.wants_next = text.has(_NEXT)
    signals.collection_word = bool(_COLLECTION.search(folded))
    signals.day_cue = text.has(_DAY_CUE)
    signals.put_out = text.has(_PUT_OUT)
    signals.item_text = text.value  # dates and cues blanked; ごみ kept so 生ごみ still matches
    # "ゴミ出し" is a day cue and was taken with its ごみ: the garbage is still there
    signals.garbage_word = text.has(_GARBAGE_WORD) or (signals.day_cue and bool(_GARBAGE_WORD.search(folded)))
    signals.where = text.has(_WHERE)
    signals.yes_no = bool(_YES_NO.search(folded))
    signals.asks_weekdays = bool(_WEEKDAYS_ASKED.search(folded))
    signals.asks_how = bool(_HOW.search(folded))
    exists = text.has(_EXISTS)
    text.take(_FILLER)
    residual = re.sub(r"\s+", " ", _PUNCT.sub(" ", text.value).strip())
    signals.residual, signals.predicate = _without_predicates(residual, folded, signals.spelling)
    if _KANJI.search(signals.residual) and detect_lang(question) == "zh":  # 「皿」 alone is Japanese
        signals.residual = _chinese_item_part(signals.residual)
    signals.predicate = signals.predicate or exists or _english_action(folded)
    signals.words = tuple(w for w in _EN_WORD.findall(signals.residual) if w not in GARBAGE_QUESTION_STOP)
    return signals


def _chinese_item_part(residual: str) -> str:
    """A Chinese residual without the parts that name no item: a clause saying when
    (「退房的时候」 "when we check out") and words naming no thing (「房间里的」 "in the room's",
    「要」 "must"). "退房的时候，房间里的垃圾要怎么处理？" asks what to do with the room's garbage
    at checkout; it left 「退房的时候房间里的要」 to look up as an item."""
    kept = [seg for seg in residual.split(" ") if seg and not (seg.endswith(_ZH_WHEN) or names_no_thing(seg))]
    return " ".join(kept)


#: "…的时候" / "…时候": a clause saying when, not a thing
_ZH_WHEN = ("时候", "時候")


#: Participles that describe an item when they stand before it ("broken umbrella").
_ATTRIBUTIVE = frozenset({"broken", "used", "old"})


def _english_action(folded: str) -> bool:
    """An everyday English verb says what the stayer does with the item ("how do I use the
    heater", "the heater is broken"): a question about using it, not about throwing it
    away (whose verbs are cues, not everyday verbs). A participle before a word describes
    the item instead ("broken umbrella?")."""
    words = _EN_WORD.findall(folded)
    for i, w in enumerate(words):
        if w in EVERYDAY_VERBS and not (w in _ATTRIBUTIVE and i + 1 < len(words)):
            return True
    return False


#: Parts of speech of a predicate glued to an item ("切れたん", "こわれちゃった").
_PREDICATE_POS = frozenset({"動詞", "助動詞", "助詞"})
_NOUN_POS = frozenset({"名詞", "代名詞", "接尾辞", "接頭辞"})


def _without_predicates(residual: str, folded: str = "", spelling: str = "") -> tuple[str, bool]:
    """The residual with the predicate that ends each Japanese segment removed, and whether
    one was: "蛍光灯切れたん" names 蛍光灯. A segment that is only a predicate ("ちゃう") is
    dropped when another segment names something; a noun after a verb ("割れたガラス") stays.
    Segments are analysed as the stayer spelled them (``spelling`` of ``folded``): SudachiPy
    splits folded katakana wrongly ("らべる")."""
    kept: list[str] = []
    found = False
    for segment in residual.split(" "):
        if not segment or segment.isascii():
            kept.append(segment)
            continue
        tokens = list(morphemes(respell(segment, folded, spelling), "C"))
        end = len(tokens)
        while end and tokens[end - 1].part_of_speech()[0] in _PREDICATE_POS:
            end -= 1
        if end == len(tokens):
            kept.append(segment)
            continue
        if any(t.part_of_speech()[0] in _NOUN_POS for t in tokens[:end]):
            kept.append(fold("".join(t.surface() for t in tokens[:end])))
            found = found or any(t.part_of_speech()[0] == "動詞" for t in tokens[end:])
        elif not end:
            found = found or any(t.part_of_speech()[0] == "動詞" for t in tokens)
            kept.append("")  # only a predicate: dropped unless nothing else is left
        else:
            kept.append(segment)
    if not any(k.strip() for k in kept):
        return residual, found
    return " ".join(k for k in kept if k), found


def decide(signals: Signals, item_found: bool, category_found: bool, item_is_message: bool = False,
           item_is_modifier: bool = False) -> str | None:
    """The intent: ``garbage_day``, ``sorting`` or None (not a question this answerer takes).

    The rules, in order:

    1. A sorting cue ("何ごみ", "how do I throw away") with a recognised item is sorting;
       without an item it is a day question when a day or category is named ("今日は何ごみの日"),
       and sorting of an unknown item when something else is left to look up.
    2. A day cue, a date or "next" makes a day question when a category is named or the
       word garbage is there; with only an item it is sorting (whose answer gives the date),
       also when the item is all that was asked about ("スプレー缶いつ？").
    3. A message that is only an item ("電池") is sorting; only a category is a day question.

    ``item_is_message`` says the recognised item accounts for nearly the whole item phrase
    (so "オーナーの携帯番号" is not a question about throwing away a phone).
    ``item_is_modifier`` says the only item recognised names where or whose something is
    ("冷蔵庫の中の食べ物"): the question is about that something, which the dictionary does not
    list, so it goes to the guides rather than to an "unknown item" reply.

    "When" asked of an unknown item ("ソファはいつ捨てられる？") is about the item, and "what
    should I do" without a date ("ごみはどうしたらいい？") asks for the house's procedure:
    neither is a calendar question.
    """
    has_when = signals.when.kind != NONE
    if item_found and category_found and not (has_when or signals.day_cue or signals.wants_next):
        return SORTING  # "牛乳パックってプラ？紙？": which of these is the item
    if signals.sorting_cue:
        if item_found:
            return SORTING
        if category_found or has_when or (signals.wants_next and (signals.garbage_word or not signals.item_phrase)):
            return GARBAGE_DAY
        if signals.placement_only:
            return None  # "where do I put the snow?": not an item of the dictionary, so the guides
        return SORTING if signals.item_phrase and not item_is_modifier else None
    if has_when or signals.day_cue or signals.wants_next or (signals.put_out and signals.garbage_word):
        if category_found:
            return GARBAGE_DAY
        if item_found and (signals.garbage_word or signals.collection_word or signals.put_out or signals.day_cue
                           or (item_is_message and not signals.predicate)):
            return SORTING  # "スプレー缶いつ？": the item is the whole question; its answer gives the day
        garbage_context = signals.garbage_word or signals.collection_word or (signals.put_out and has_when)
        if signals.asks_how and not (has_when or signals.wants_next):
            return None  # "ごみの日じゃないけど、ごみどうしたらいい？": the manual's procedure
        if garbage_context and not (signals.where and not has_when):
            return GARBAGE_DAY
        return None
    if item_found and item_is_message and _is_bare(signals):
        return SORTING
    if category_found and _is_bare(signals):
        return GARBAGE_DAY
    return None


def _is_bare(signals: Signals) -> bool:
    """The message is little more than a name (a LINE message of one word: "電池", "spray cans?")."""
    phrase = signals.item_phrase
    short = len(signals.words) <= 3 if phrase.isascii() else len(phrase) <= 12
    return short and len(signals.folded.strip()) <= 24 and not signals.where and not signals.predicate
