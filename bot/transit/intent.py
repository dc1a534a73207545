"""Understand a bus question: is it a timetable question, what kind, where to, and when.

Why rules and not a model: stayers ask the same handful of things ("next bus to X",
"last bus tonight", "around 9", "where is the stop") in Japanese (often colloquial or
kana-only), English, and sometimes Chinese or Korean. Rules over normalised text are
exact, fast, and testable one behaviour at a time; anything they do not recognise falls
through to retrieval over the transit guide.

Destinations are matched fuzzily against the names the feed itself provides (stop names,
kana readings, English names, headsigns), after folding width, case and katakana, and
after expanding a small table of common transit words ("airport" -> 空港, 日赤 -> 赤十字).
Nothing here knows a particular town.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from dataclasses import dataclass
from difflib import SequenceMatcher

from bot.transit.query import Place
from text.dates import WEEKDAYS_LONG, WEEKDAYS_SHORT
from text.english import DESTINATION_STOP
from text.hanzi import as_japanese_kanji
from text.normalize import compact, fold
from text.romaji import ROMAJI_TO_KANA

# -- romaji ---------------------------------------------------------------------------

def romaji_to_kana(word: str) -> str | None:
    """A romaji word -> hiragana, or None when it is not plausibly Japanese (English)."""
    w = word.lower()
    out: list[str] = []
    i = 0
    while i < len(w):
        if w[i] == "n" and (i + 1 == len(w) or w[i + 1] not in "aiueoy"):
            out.append("ん")
            i += 2 if w[i + 1:i + 2] in ("n", "'") else 1
            continue
        if i + 1 < len(w) and w[i] == w[i + 1] and w[i] not in "aiueon":
            out.append("っ")
            i += 1
            continue
        for size in (3, 2, 1):
            kana = ROMAJI_TO_KANA.get(w[i:i + size])
            if kana:
                out.append(kana)
                i += size
                break
        else:
            return None
    return "".join(out)


#: Hangul as Korean writes Japanese names (기타미 = Kitami, 삿포로 = Sapporo): initial
#: consonants, word-initial first ("" for ㅇ), then the vowels, in jamo order.
_KO_INITIAL = ("k", "k", "n", "t", "t", "r", "m", "b", "p", "s", "s", "", "ch", "ts", "ch", "k", "t", "p", "h")
_KO_INITIAL_MID = ("g", "k", "n", "d", "t", "r", "m", "b", "p", "s", "s", "", "j", "ts", "ch", "k", "t", "p", "h")
_KO_VOWEL = ("a", "e", "ya", "ye", "o", "e", "yo", "ye", "o", "wa", "we", "we", "yo", "u", "wo", "we", "wi", "yu",
             "u", "i", "i")
_KO_SPELLING = {"si": "shi", "hu": "fu", "tu": "tsu", "chu": "tsu"}


def hangul_to_romaji(word: str) -> str | None:
    """A Japanese name written in Hangul -> romaji ("기타미" -> "kitami", "삿포로" -> "sapporo"),
    or None when ``word`` is not all Hangul syllables. A final ㅅ or ㄱ doubles the next
    consonant (っ), a final ㄴ is ん; other finals are dropped."""
    out: list[str] = []
    double = False
    for i, ch in enumerate(word):
        code = ord(ch) - 0xAC00
        if not 0 <= code < 11172:
            return None
        initial, vowel, final = code // 588, (code % 588) // 28, code % 28
        cons = (_KO_INITIAL if i == 0 else _KO_INITIAL_MID)[initial]
        syllable = cons + _KO_VOWEL[vowel]
        if initial in (10, 14) and vowel == 18:  # 쓰, 츠: つ
            syllable = "tsu"
        elif initial == 12 and vowel == 18:  # 즈: ず
            syllable = "zu"
        syllable = _KO_SPELLING.get(syllable, syllable)
        if double and syllable and syllable[0] not in "aiueon":
            syllable = syllable[0] + syllable
        out.append(syllable)
        double = final in (1, 19)
        if final == 4:
            out.append("n")
    return "".join(out)


# -- what kind of question -----------------------------------------------------------

#: Words that make a message about buses at all (folded forms).
BUS_WORDS = re.compile(
    r"ばす(?!たーみなる)|bus|便|しゃとる|shuttle|始発|終発|終ばす|最終ばす|時刻表|timetable|schedule|"
    r"停留所|のりば|乗り場|乗車|巴士|公交|公车|班车|大巴|버스|셔틀|行き(?:の|は|って)|ゆき(?:の|は)|いき(?:の|は)|"
    r"(?:行き|ゆき)(?=最終|始発|次|つぎ|何時|なんじ)")
#: Words that ask *when* / *whether* (the timetable part).
WHEN_WORDS = re.compile(
    r"次|つぎ|何時|なんじ|いつ|まだ|最終|最後|終ばす|始発|出る|出ます|でる|発車|乗れ|あります|ある[?？]?$|"
    r"ある[?？]|あるか|ありますか|あるの|今から|いまから|これから|このあと|今夜|今晩|今日|明日|あした|"
    r"\d+時|\d+:\d\d|\bnext\b|\bwhen\b|what time|\blast\b|\bfirst\b|\bleave|\bdepart|\bany\b|"
    r"tonight|today|tomorrow|\baround\b|\bwhich\b|\d ?[ap]\.?m\b|\bat \d|\bstill\b|\bschedule|timetable|"
    r"几点|下一|末班|首班|最后一班|第一班|"
    r"몇 ?시|다음|막차|첫차")
#: Questions for the prose guide (fares, booking, how-to, durations), not the timetable.
PROSE_WORDS = re.compile(
    r"料金|運賃|いくら|値段|予約|how much|\bfare|\bprice|\bcost|\bbook|reserv|\bpay\b|支払|払い|"
    r"ic ?カード|ic ?card|suica|how long does|how long is|所要|かかりますか|かかる\?|どうやって|"
    r"乗り方|how do i|how to\b|how can i|遅れ|\bdelay|運休情報|忘れ物|lost")
_STOP_WORD = r"(ばす停|ばすてい|停留所|ていりゅうじょ|のりば|乗り場)"
WHERE_STOP = re.compile(
    rf"({_STOP_WORD}(は|って)?(どこ|どっち|近く|最寄|一番近い))|"
    rf"(最寄り?|近く|一番近い|近い)の?{_STOP_WORD}|"
    r"(where|nearest|closest).{0,20}(bus ?stop|stop)|(bus ?stop).{0,12}(where|near)|"
    rf"^({_STOP_WORD}|bus ?stop)[?？]?$")
#: "...行きのバスは？", "bus to the airport?": a destination alone makes it a timetable question.
DEST_MARKER = re.compile(r"行き|ゆき|まで|に行|へ行|方面|\bto\b|\bfor\b|去|가는")
LAST_WORDS = re.compile(r"最終|最後|終ばす|終発|\blast\b|final|末班|最后一班|막차")
FIRST_WORDS = re.compile(r"始発|一番早い|朝一|\bfirst\b|earliest|首班|第一班|첫차")
#: "Is it running?": whether a service operates at all, not when the next bus leaves.
RUNS = re.compile(r"動いて|動く|動き|運行|運転して|走って|走る|やって(?:る|ます)|\bruns?\b|\brunning\b|\boperat|"
                  r"in service|运行|운행")
#: Holiday periods: a timetable answer for one day (today) does not answer them.
PERIOD = re.compile(r"年末|年始|正月|お盆|盆休|連休|祝日|休日|祭日|ごーるでんうぃーく|\bgw\b|週末|土日|"
                    r"holiday|new year|christmas|weekend|golden week|\bobon\b|"
                    r"春节|春節|假期|连休|연휴|명절|공휴일|주말")
_DATE_JA = re.compile(r"(\d{1,2})月(\d{1,2})日")
_DATE_SLASH = re.compile(r"(?<![\d/:])(\d{1,2})/(\d{1,2})(?![\d/])")
ARRIVE_BY = re.compile(r"までに(着|つ|行|間に合)|\bby\b.{0,12}\b(arriv|get there|be there)|"
                       r"\barrive\b.{0,16}\bby\b|\bbe at\b.{0,30}\bby\b")

#: Common transit words in other languages or abbreviations -> the form found in feeds.
ALIASES: tuple[tuple[str, str], ...] = (
    ("日赤", "赤十字"), ("にっせき", "せきじゅうじ"), ("工大", "工業大学"), ("こうだい", "こうぎょうだいがく"),
    ("市役所", "市役所"), ("airport", "空港"), ("station", "駅"), ("hospital", "病院"),
    ("red cross", "赤十字"), ("city hall", "市役所"), ("town hall", "役場"), ("university", "大学"),
    ("college", "大学"), ("school", "学校"), ("park", "公園"), ("terminal", "ターミナル"),
    ("onsen", "温泉"), ("hot spring", "温泉"), ("port", "港"), ("ferry", "フェリー"),
    ("library", "図書館"), ("post office", "郵便局"), ("shrine", "神社"), ("temple", "寺"),
    ("机场", "空港"), ("機場", "空港"), ("공항", "空港"), ("火车站", "駅"), ("车站", "駅"),
    ("역", "駅"), ("总站", "ターミナル"), ("站", "駅"), ("医院", "病院"), ("병원", "病院"),
    ("大学", "大学"), ("대학", "大学"),
)

_KANJI_NUM = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9,
              "十": 10, "十一": 11, "十二": 12}
_WEEKDAYS = {
    **{f"{c}曜": i for i, c in enumerate(WEEKDAYS_SHORT["ja"])},
    **{name.lower(): i for i, name in enumerate(WEEKDAYS_LONG["en"])},
}


@dataclass(frozen=True)
class BusRequest:
    """A parsed timetable question. ``kind``: next | last | first | around | arrive_by | where."""

    kind: str
    text: str
    dest_phrase: str = ""
    origin_phrase: str = ""
    hour: int | None = None
    minute: int = 0
    meridiem: str = ""  # "am", "pm" or "" when unsaid
    day_offset: int | None = None
    weekday: int | None = None
    date: tuple[int, int] | None = None  # (month, day) named ("1/2", "12月31日")


def parse_request(text: str) -> BusRequest | None:
    """A BusRequest, or None when the message is not a timetable question."""
    q = fold(text).strip()
    if not q:
        return None
    if WHERE_STOP.search(q) and not PROSE_WORDS.search(q):
        return BusRequest("where", q)
    if not BUS_WORDS.search(q) or not (WHEN_WORDS.search(q) or DEST_MARKER.search(q)):
        return None
    if PROSE_WORDS.search(q) and not re.search(r"次|何時|なんじ|\bnext\b|\bwhen\b|what time|last|最終", q):
        return None
    hour, minute, meridiem = _clock(q)
    day_offset, weekday = _day(q)
    named = _date(q)
    if PERIOD.search(q) and (RUNS.search(q) or (day_offset is None and weekday is None and named is None)):
        return None  # "年末年始ってバス動いてる？": how service runs over a period is the guide's to say
    if hour is not None and ARRIVE_BY.search(q):
        kind = "arrive_by"
    elif hour is not None:
        kind = "around"
    elif LAST_WORDS.search(q):
        kind = "last"
    elif FIRST_WORDS.search(q):
        kind = "first"
    else:
        kind = "next"
    origin = _origin_phrase(q)
    return BusRequest(kind, q, _dest_phrase(q, origin), origin, hour, minute, meridiem,
                      day_offset, weekday, named if day_offset is None and weekday is None else None)


def _date(q: str) -> tuple[int, int] | None:
    """A (month, day) named in the question ("1/2", "12月31日"), when it is a real date."""
    for rx in (_DATE_JA, _DATE_SLASH):
        m = rx.search(q)
        if m and 1 <= int(m.group(1)) <= 12 and 1 <= int(m.group(2)) <= 31:
            return int(m.group(1)), int(m.group(2))
    return None


def _clock(q: str) -> tuple[int | None, int, str]:
    """The clock time asked about ("9時ごろ", "午後3時半", "21:30", "around 9 pm")."""
    clock = r"(午前|午後|朝|夜|夕方|晩)?\s*(\d{1,2}|十[一二]?|[一二三四五六七八九])時(半|(\d{1,2})分)?"
    for jm in re.finditer(clock, q):
        if not jm.group(2).isdigit() and not jm.group(1) and jm.start() > 0 and _is_kanji(q[jm.start() - 1]):
            continue  # "赤十時病院" is a (mistyped) name, not ten o'clock
        hour = int(jm.group(2)) if jm.group(2).isdigit() else _KANJI_NUM[jm.group(2)]
        minute = 30 if jm.group(3) == "半" else int(jm.group(4) or 0)
        mer = {"午前": "am", "朝": "am", "午後": "pm", "夜": "pm", "夕方": "pm", "晩": "pm"}.get(jm.group(1) or "", "")
        return hour, minute, mer
    m = re.search(r"(\d{1,2}):(\d{2})\s*(a\.?m\.?|p\.?m\.?)?", q)
    if m:
        return int(m.group(1)), int(m.group(2)), _meridiem(m.group(3))
    m = re.search(r"\b(\d{1,2})\s*(a\.?m\.?|p\.?m\.?|o'?clock)", q)
    if m:
        return int(m.group(1)), 0, _meridiem(m.group(2))
    m = re.search(r"\b(?:at|around|about|after|before|by|until)\s+(\d{1,2})\b(?!\s*(?:min|minute|hour|stop))", q)
    if m:
        return int(m.group(1)), 0, ""
    m = re.search(r"(\d{1,2})\s*(?:点|시)", q)
    if m:
        return int(m.group(1)), 0, ""
    return None, 0, ""


def _is_kanji(c: str) -> bool:
    return "\u4e00" <= c <= "\u9fff"


def _meridiem(token: str | None) -> str:
    if not token:
        return ""
    t = token.replace(".", "")
    return "am" if t.startswith("a") else "pm" if t.startswith("p") else ""


def _day(q: str) -> tuple[int | None, int | None]:
    if re.search(r"明後日|あさって|day after tomorrow", q):
        return 2, None
    if re.search(r"明日|あした|あす|tomorrow|明天|내일", q):
        return 1, None
    if re.search(r"今日|今夜|今晩|きょう|today|tonight|今天|오늘", q):
        return 0, None
    for word, wd in _WEEKDAYS.items():
        if word in q:
            return None, wd
    return None, None


_DEST_END = (r"(?=\s+(?:tonight|today|tomorrow|at|around|about|after|before|by|from|this|on|please|leave|leaves|"
             r"depart|departs|is|are|go|goes|still)\b|[?.!,]|$)")
#: Destination markers, strongest first: a named direction ("北見行き", "to Kitami") beats
#: a place one arrives at ("空港に着く", "lands at Memanbetsu"), which is often the origin.
#: Chinese "去/到/往 X", Korean "X(으)로 가는", "X행": the same named direction.
_DEST_ZH = re.compile(r"(?:去|到|往|前往|开往|開往)([^\s，,。？?！!的吗嗎呢]+?)"
                      r"(?=的|吗|嗎|呢|要|怎么|怎麼|有|坐|[，,。？?！!]|$)")
_DEST_KO = re.compile(r"([가-힣A-Za-z0-9]+?)(?:으로|로|에)?\s*(?:가는|갈|가요|가려면|행)")
_DEST = (
    (re.compile(r"\b(?:to|for|toward|towards|bound for)\s+(?:the\s+)?(.+?)" + _DEST_END),
     re.compile(r"([^、。？?！!\s,]+?)(?:行き|ゆき|いき|方面|まで|に行|へ行|にいく|へいく|に向か|へ)"),
     _DEST_ZH, _DEST_KO),
    (re.compile(r"\bat\s+(?:the\s+)?(.+?)" + _DEST_END), re.compile(r"([^、。？?！!\s,]+?)に着")),
)
_ORIGIN_JA = re.compile(r"([^、。？?！!\s,]+?)から")
_ORIGIN_ZH = re.compile(r"从([^\s，,。？?！!的]+?)(?=到|去|往|出发|坐|开|的|[，,。？?！!]|$)")
_ORIGIN_KO = re.compile(r"([가-힣A-Za-z0-9]+?)에서")
#: "from X"; arriving somewhere ("my flight lands at X", "arriving at X") makes X the origin.
_ORIGIN_EN = re.compile(r"(?:\bfrom|\b(?:land|lands|landing|landed|arrive|arrives|arriving|arrived|get in|gets in)"
                        r"\s+(?:at|in))\s+(?:the\s+)?(.+?)(?=\s+(?:to|for|toward|towards|tonight|today|tomorrow|"
                        r"at|around|after|before)\b|\s+-\s|[?.!,]|$)")
_FILLER = re.compile(r"^.*(?:から|けど|けれど|ので|\d時(?:ごろ|頃|半|くらい|ぐらい)?|\d分(?:ごろ|頃)?)[にへでの]?|"
                     r"次の|つぎの|明日の|あしたの|今日の|今夜の|今晩の|最終の|始発の|最後の|^[にへでをの]")
_NOT_PLACES = re.compile(r"^(今|いま|これ|ここ|家|うち|宿|ホテル|now|here|home|the house|my place|"
                         r"there|it|me|us)$")


#: Words of time, not place, in the four languages: a question's whole text is matched against
#: the stops when it names no destination, and "明日の朝一番のバス" found the stop 明日中等前.
_TIME_WORDS = re.compile(
    r"明後日|明日|あした|あす|あさって|今日|きょう|今夜|こんや|今晩|こんばん|今朝|けさ|夕方|ゆうがた|午前|午後|"
    r"始発|しはつ|最終|さいしゅう|一番|いちばん|朝|あさ|昼|ひる|夜|よる|次|つぎ|今|いま|"
    r"明天|今天|后天|早上|晚上|下午|上午|末班|首班|내일|오늘|모레|아침|저녁|밤|오전|오후|첫차|막차|다음")


def without_time_words(text: str) -> str:
    """``text`` with its words of time blanked (see _TIME_WORDS)."""
    return _TIME_WORDS.sub(" ", text)


def _dest_phrase(q: str, origin: str) -> str:
    """The destination named in ``q`` (never its ``origin``, read by :func:`_origin_phrase`)."""
    for english, *others in _DEST:
        for rx in (english, *others):
            for m in rx.finditer(q):
                phrase = _FILLER.sub("", m.group(1)).strip()
                if rx is english and all(w in DESTINATION_STOP or w.isdigit() for w in re.findall(r"[\w']+", phrase)):
                    continue
                if rx is _DEST_KO and phrase in ("버스", "차", "어디", "뭐"):
                    continue
                if phrase and not _NOT_PLACES.match(phrase) and phrase != origin:
                    return phrase
    return ""


def _origin_phrase(q: str) -> str:
    for rx in (_ORIGIN_EN, _ORIGIN_JA, _ORIGIN_ZH, _ORIGIN_KO):
        for m in rx.finditer(q):
            phrase = re.sub(r"^.*(?:の|は|、)", "", m.group(1).strip())
            if phrase and not _NOT_PLACES.match(phrase) and not re.fullmatch(r"\d+時.*|.*時|.*分", phrase):
                return phrase
    return ""


# -- destination matching ------------------------------------------------------------


@dataclass(frozen=True)
class Match:
    place: Place
    score: float
    name: str  # the written form that matched


class PlaceMatcher:
    """Fuzzy matching of a phrase against the feed's places.

    Score = specificity x coverage: the longest common run of characters must be rare
    among all place names (so "北見" alone, shared by half the stops, picks nothing) and
    should cover much of the name (so "空港" finds 女満別空港 and "Kitami Staton"
    still finds Kitami Station). Character bigrams shortlist the candidates first, so a
    feed with thousands of stops costs a few dozen exact comparisons, not thousands.
    """

    THRESHOLD = 0.3
    SHORTLIST = 60

    def __init__(self, places: list[Place]):
        self.places = places
        self._variants: list[tuple[Place, str, str]] = []
        for p in places:
            for name in p.names:
                c = compact(name)
                if c:
                    self._variants.append((p, c, name))
        self._postings: dict[str, list[int]] = {}
        for i, (_, c, _) in enumerate(self._variants):
            for g in _grams(c, 1) | _grams(c, 2):
                self._postings.setdefault(g, []).append(i)
        self._df_cache: dict[str, int] = {}

    def _df(self, run: str, starts: bool = False) -> int:
        """How many places have ``run`` in one of their names (``starts``: at its beginning)."""
        key = "^" + run if starts else run
        if key not in self._df_cache:
            post = self._postings.get(run[:2], [])
            keys = {self._variants[i][0].key for i in post
                    if (self._variants[i][1].startswith(run) if starts else run in self._variants[i][1])}
            self._df_cache[key] = max(1, len(keys))
        return self._df_cache[key]

    def _shortlist(self, q: str) -> list[int]:
        grams = _grams(q, 1) if len(q) == 1 else _grams(q, 2)
        total = len(self._variants) or 1
        weight: dict[int, float] = defaultdict(float)
        for g in grams:
            post = self._postings.get(g)
            if post:
                w = math.log(1 + total / len(post))
                for i in post:
                    weight[i] += w
        return sorted(weight, key=lambda i: -weight[i])[:self.SHORTLIST]

    def match(self, phrase: str, exclude: frozenset[int] = frozenset()) -> list[Match]:
        """Best places for ``phrase`` (ties kept), skipping places made only of ``exclude``."""
        forms = variants(phrase)
        q = compact(" ".join(forms))
        if not q:
            return []
        whole = frozenset(forms)
        best: dict[str, Match] = {}
        for i in self._shortlist(q):
            place, v, name = self._variants[i]
            if place.stops <= exclude:
                continue
            s = self._score(q, v, whole)
            if s >= self.THRESHOLD and (place.key not in best or s > best[place.key].score):
                best[place.key] = Match(place, s, name)
        if not best:
            return []
        top = max(m.score for m in best.values())
        out = [m for m in best.values() if m.score >= top - 0.02]
        stop_places = [m for m in out if not m.place.is_headsign]
        return sorted(stop_places or out, key=lambda m: -m.score)

    def _score(self, q: str, v: str, whole: frozenset[str] = frozenset()) -> float:
        latin = v.isascii()
        min_run = 3 if latin else 1 if len(q) == 1 else 2
        if len(v) < min_run:
            return 1.0 if v and v == q else 0.0
        blocks = [b for b in SequenceMatcher(None, q, v, autojunk=False).get_matching_blocks()
                  if b.size >= min_run]
        if not blocks:
            return 0.0
        matched = sum(b.size for b in blocks)
        longest = max(blocks, key=lambda b: b.size)
        run = v[longest.b:longest.b + longest.size]
        if len(run) < 3 and _KANA_ONLY.fullmatch(run):
            return 0.0  # two kana are a sound, not a name ("んぼ" made 展望台入口 of a Korean "버스")
        # a name that begins with all the stayer typed (one whole form of it, three characters
        # or more: "空港" alone is a kind of place) is that name: "室蘭駅" is 室蘭駅前, not one of
        # the two 東室蘭駅 stops that also contain it; its rarity is counted among the names that
        # begin with it ("東室蘭駅" is still 東室蘭駅: its run 室蘭駅 is only part of what was typed)
        starts = len(run) >= 3 and v.startswith(run) and run in whole
        specificity = 1.0 / self._df(run, starts)
        # Numbers name places apart ("5-chome" is not "3-chome"): when both sides have
        # numbers and they differ, the match is a neighbour's, not this place's.
        numbers_q, numbers_v = set(re.findall(r"\d+", q)), set(re.findall(r"\d+", v))
        agree = 0.25 if numbers_q and numbers_v and not numbers_q & numbers_v else 1.0
        return agree * specificity * (0.5 + 0.5 * matched / len(v))


def _grams(text: str, n: int) -> set[str]:
    return {text[i:i + n] for i in range(len(text) - n + 1)}


_KANA = re.compile(r"[\u3041-\u30ff]")
_KANA_ONLY = re.compile(r"[\u3041-\u30ff]+")
#: Chinese and Korean place words (folded), longest first, replaced by their Japanese forms
_OTHER_ALIASES = sorted(((fold(src), fold(dst)) for src, dst in ALIASES
                         if src != dst and re.search(r"[\u4e00-\u9fff\uac00-\ud7a3]", src)),
                        key=lambda kv: -len(kv[0]))
#: Chinese place words, longest first, replaced inside a Chinese phrase before its
#: characters are turned into Japanese ones ("北见站" -> "北见駅" -> "北見駅")
_CJK_ALIASES = sorted(((src, dst) for src, dst in ALIASES if re.search(r"[\u4e00-\u9fff]", src) and src != dst),
                      key=lambda kv: -len(kv[0]))


def variants(phrase: str) -> list[str]:
    """The forms a phrase is matched in, each compact: its words as typed, alias expansions,
    kana for romaji words and Hangul names, and Chinese characters in their Japanese forms
    ("北见站" also as "北見站", then 駅)."""
    if not _KANA.search(phrase) and as_japanese_kanji(phrase) != phrase:  # Chinese, not Japanese
        kanji = phrase
        for src, dst in _CJK_ALIASES:  # in place: "北见站" -> "北见駅" -> "北見駅"
            kanji = kanji.replace(src, dst)
        phrase = f"{phrase} {as_japanese_kanji(kanji)}"
    f = fold(phrase)
    words = [w for w in re.findall(r"[a-z][a-z']*", f) if w not in DESTINATION_STOP]
    if words:
        latin = " ".join(words)
        f = re.sub(r"[a-z][a-z'\-]*", " ", f) + " " + latin
    # Korean particles glued to a place ("역까지" = to the station) are not part of its name
    f = re.sub(r"(?<=[가-힣])(?:까지|에서|으로|로|에)(?![가-힣])", " ", f)
    # a Chinese or Korean place word is replaced by its Japanese form, not kept beside it:
    # its characters matched no stop name and made "车站" (station) match no station
    for src, dst in _OTHER_ALIASES:
        if re.search(r"[가-힣]", src):  # a Korean word only as a whole word ("역", not 지역)
            f = re.sub(rf"(?<![가-힣]){src}(?![가-힣])", f" {dst} ", f)
        else:
            f = f.replace(src, f" {dst} ")
    extra = [dst for src, dst in ALIASES if fold(src) in f]
    kana = [k for w in words if len(w) >= 4 and (k := romaji_to_kana(w))]
    for w in re.findall(r"[가-힣]{2,}", f):  # a Japanese name written in Hangul; "…역" is "…station"
        if any(fold(src) == w for src, _ in ALIASES):
            continue  # a Korean word (공항), not a name
        stem, station = (w[:-1], "えき") if w.endswith("역") and len(w) > 2 else (w, "")
        roman = hangul_to_romaji(stem)
        if roman and (k := romaji_to_kana(roman)):
            kana.append(k + station)
    f = re.sub(r"ばす(?!たーみなる|せんたー)", " ", f)
    return [c for c in dict.fromkeys(compact(w) for w in [*f.split(), "".join(kana), *extra]) if c]
