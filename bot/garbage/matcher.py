"""Find the sorting-dictionary rows a stayer means, however they spelled the item.

Stayers write "ピザの箱", "ぴざのはこ", "割り箸" for 割りばし, "空になった灯油のポリタンク"
for 灯油ポリタンク（空のもの）, "used diapers", "페트병 뚜껑". Matching therefore runs in
layers, each scored so that the reading that explains most of the question wins:

1. **exact**: a name (or one of its ``・``-separated parts) appears in the question;
2. **partial**: the question's item phrase is part of names ("電池" -> 乾電池, ボタン電池…),
   and every such row is returned so the answer can list the variants;
3. **fuzzy**: character bigrams of the name mostly appear in the question (word order,
   particles and small typos do not matter);
4. **reading**: kana readings (from the dictionary, or SudachiPy when it has none) compared
   the same way, for kana-only spellings and kanji/kana variants;
5. **English**: IDF-weighted word overlap with ``item_en`` (plural-insensitive, typo-tolerant).

A small lexicon maps common English, Korean and Chinese item words to Japanese, so
"PET bottle" or "페트병" also find Japanese-only dictionaries such as Kanazawa's.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace

from ingest.garbage.dictionary import SortingDict, SortingEntry
from text.english import EVERYDAY_VERBS, ITEM_NAME_STOP, singular
from text.hanzi import as_japanese_kanji
from text.normalize import fold
from text.spelling import by_length, close_matches
from text.sudachi import morphemes

from .spelling import respell

EXACT, PARTIAL, FUZZY, READING, ENGLISH = "exact", "partial", "fuzzy", "reading", "english"
#: A match at least this confident is the item the stayer meant (else the answer asks back).
CONFIDENT = 0.6


@dataclass(frozen=True)
class MatchScores:
    """Every confidence, threshold and weight of the matching layers, named.

    ``*_conf`` values are confidences (0-1, compared with :data:`CONFIDENT`); ``score``
    values rank rows against each other within a question. Tuned on the sorting tests and
    the eval corpus; injectable so that a town's dictionary can be tuned without code.
    """

    exact_conf: float = 0.95  # the whole name appears in the question
    single_kanji_conf: float = 0.85  # a one-kanji name ("缶") followed by a particle
    partial_base: float = 0.55  # the item phrase is part of a longer name...
    partial_gain: float = 0.4  # ...plus this times the share of the name it covers
    fuzzy_min_recall: float = 0.6  # share of a name's bigrams found in the question
    fuzzy_min_common: int = 2
    fuzzy_base: float = 0.45
    fuzzy_gain: float = 0.45
    qualifier_weight: float = 0.5  # bonus for the bracketed qualifier's bigrams ("（空のもの）")
    covers_min_share: float = 0.6  # a message is about the item when the name covers this share
    reading_probe_below: float = 0.9  # try readings when the surface layers are less sure
    reading_exact_conf: float = 0.85
    reading_word_weight: float = 0.6
    reading_partial_base: float = 0.5
    reading_partial_gain: float = 0.4
    reading_partial_weight: float = 0.5
    reading_fuzzy_min_recall: float = 0.7
    reading_fuzzy_min_common: int = 3
    reading_fuzzy_base: float = 0.4
    reading_fuzzy_gain: float = 0.45
    english_last_word_weight: float = 3.0  # the head noun of "plastic bottle cap" matters most
    english_min_recall: float = 0.45
    english_base: float = 0.3
    english_gain: float = 0.65
    english_score_weight: float = 3.0
    english_typo_cutoff: float = 0.82  # difflib ratio for correcting a misspelt word
    group_ratio_partial: float = 0.75  # rows within this ratio of the best are all listed
    group_ratio_reading: float = 0.75
    group_ratio_english: float = 0.85
    group_ratio_other: float = 0.9
    group_exact_margin: float = 0.15  # same name: keep variants unless the qualifier decided
    max_rows: int = 6

#: Foreign item words -> Japanese dictionary words (keys are matched on folded text).
LEXICON: dict[str, tuple[str, ...]] = {
    # English (for dictionaries without item_en)
    "pet bottle": ("ペットボトル",), "plastic bottle": ("ペットボトル",), "battery": ("電池",),
    "dry cell": ("乾電池",), "button battery": ("ボタン電池",), "spray can": ("スプレー缶",),
    "aerosol": ("スプレー缶",), "gas canister": ("カセットボンベ",), "gas cartridge": ("カセットボンベ",),
    "cap": ("キャップ", "ふた"), "lid": ("ふた",), "cans": ("缶",), "tin can": ("缶",), "drink can": ("缶",),
    "bottle": ("びん",), "glass": ("ガラス",),
    "cardboard": ("段ボール",), "newspaper": ("新聞",), "magazine": ("雑誌",), "paper": ("紙",),
    "diaper": ("おむつ",), "nappy": ("おむつ",), "cooking oil": ("天ぷら油", "食用油"), "light bulb": ("電球",),
    "bulb": ("電球",), "umbrella": ("傘",), "food scrap": ("生ごみ",), "food waste": ("生ごみ",),
    "kitchen waste": ("生ごみ",), "leftover": ("生ごみ",),
    "styrofoam": ("発泡スチロール",), "plastic bag": ("レジ袋", "ビニール袋"), "tray": ("トレー",),
    "egg carton": ("卵パック",), "milk carton": ("牛乳パック",), "lighter": ("ライター",), "knife": ("包丁",),
    "frying pan": ("フライパン",), "pot": ("鍋",), "futon": ("布団",), "bicycle": ("自転車",), "bike": ("自転車",),
    "chair": ("椅子",), "tv": ("テレビ",), "television": ("テレビ",), "fridge": ("冷蔵庫",),
    "refrigerator": ("冷蔵庫",), "washing machine": ("洗濯機",), "air conditioner": ("エアコン",),
    "computer": ("パソコン",), "laptop": ("パソコン",), "smartphone": ("スマートフォン",), "phone": ("携帯電話",),
    "clothes": ("衣類",), "shoe": ("靴",), "kerosene": ("灯油",), "fluorescent": ("蛍光管",),
    "thermometer": ("体温計",), "tire": ("タイヤ",), "tyre": ("タイヤ",), "fire extinguisher": ("消火器",),
    "paint": ("ペンキ",), "ash": ("灰",), "charcoal": ("炭",), "toothbrush": ("歯ブラシ",), "mask": ("マスク",),
    "chopstick": ("割りばし",), "hand warmer": ("カイロ",), "firework": ("花火",), "ice pack": ("保冷剤",),
    "branch": ("枝",), "pizza": ("ピザ",), "label": ("ラベル",), "toy": ("おもちゃ",), "bucket": ("バケツ",),
    # Korean
    "페트병": ("ペットボトル",), "뚜껑": ("キャップ", "ふた"), "건전지": ("乾電池",), "배터리": ("電池",),
    "전지": ("電池",), "스프레이": ("スプレー缶",), "캔": ("缶",), "유리병": ("びん",), "병": ("びん",),
    "유리": ("ガラス",), "종이": ("紙",), "상자": ("箱",), "박스": ("段ボール",), "신문": ("新聞",), "잡지": ("雑誌",),
    "기저귀": ("おむつ",), "식용유": ("天ぷら油",), "음식물": ("生ごみ",), "비닐봉지": ("レジ袋",), "우산": ("傘",),
    "형광등": ("蛍光管",), "전구": ("電球",), "라이터": ("ライター",), "우유팩": ("牛乳パック",),
    "스티로폼": ("発泡スチロール",), "옷": ("衣類",), "휴대폰": ("携帯電話",), "칫솔": ("歯ブラシ",),
    "마스크": ("マスク",), "피자": ("ピザ",), "라벨": ("ラベル",), "등유": ("灯油",), "자전거": ("自転車",),
    "이불": ("布団",), "부탄가스": ("カセットボンベ",),
    # Chinese
    "塑料瓶": ("ペットボトル",), "饮料瓶": ("ペットボトル",), "宝特瓶": ("ペットボトル",), "瓶盖": ("キャップ",),
    "盖子": ("ふた",), "干电池": ("乾電池",), "电池": ("電池",), "喷雾罐": ("スプレー缶",), "易拉罐": ("缶",),
    "玻璃": ("ガラス",), "纸箱": ("段ボール",), "报纸": ("新聞",), "杂志": ("雑誌",), "纸尿裤": ("紙おむつ",),
    "尿布": ("おむつ",), "食用油": ("天ぷら油",), "灯泡": ("電球",), "雨伞": ("傘",), "厨余": ("生ごみ",),
    "剩饭": ("生ごみ",), "塑料袋": ("レジ袋",), "打火机": ("ライター",), "泡沫塑料": ("発泡スチロール",),
    "衣服": ("衣類",), "手机": ("携帯電話",), "牙刷": ("歯ブラシ",), "口罩": ("マスク",), "披萨": ("ピザ",),
    "煤油": ("灯油",), "自行车": ("自転車",), "被子": ("布団",), "荧光灯": ("蛍光管",), "标签": ("ラベル",),
    "纸": ("紙",), "伞": ("傘",),
    # Japanese synonyms and spelling variants that readings cannot bridge
    "ふた": ("キャップ",), "蓋": ("キャップ", "ふた"), "キャップ": ("ふた",), "ビニール袋": ("レジ袋",),
    "ポリ袋": ("レジ袋",), "空き缶": ("缶",), "あき缶": ("缶",), "ダンボール": ("段ボール",),
    "携帯": ("携帯電話", "スマートフォン"), "スマホ": ("スマートフォン",), "バッテリー": ("電池",),
    "おむつ": ("紙おむつ",), "天ぷら油": ("食用油",), "てんぷら油": ("食用油", "天ぷら油"), "オムツ": ("紙おむつ",),
    "ペットボトルのふた": ("ペットボトルのキャップ",), "蛍光灯": ("蛍光管",),
}
_LEXICON_FOLDED = {fold(k): tuple(fold(v) for v in vs) for k, vs in LEXICON.items()}

_LEXICON_ASCII = re.compile(" (" + "|".join(re.escape(fold(k)) for k in sorted(
    (k for k in LEXICON if k.isascii()), key=len, reverse=True)) + ") ")


def _other_key(key: str) -> str:
    """A non-English lexicon key as a pattern. A one-syllable Korean word must stand alone,
    perhaps with a particle: 병 (bottle) is not the first syllable of 병원 (hospital)."""
    k = re.escape(fold(key))
    if len(key) == 1 and "\uac00" <= key <= "\ud7a3":
        return rf"(?<![\uac00-\ud7a3]){k}(?=(?:[은는이가을를도만의에와과랑]|으로|로)?(?![\uac00-\ud7a3]))"
    return k


_LEXICON_OTHER = re.compile("|".join(_other_key(k) for k in sorted(
    (k for k in LEXICON if not k.isascii()), key=len, reverse=True)))
_PARENS = re.compile(r"[(（\[［【][^)）\]］】]*[)）\]］】]")
_PARTS = re.compile(r"[・、/／,，]+")
_NOISE = re.compile(r"[\s・、/／,，.。!?！？「」『』()（）\[\]~〜:;\"']+")
_EN_TOKEN = re.compile(r"[a-z0-9]+")
_KANJI = re.compile(r"[\u4e00-\u9fff\u3005]")


def stem(word: str) -> str:
    """Plural-insensitive English key: batteries -> battery, boxes -> box, cans -> can.

    Item names need -es folded after sibilants ("boxes", "glasses"); the -us/-is guard of
    retrieval is not applied here (see ``text.english.singular``)."""
    return singular(word, sibilant_es=True, keep_us_is=False)


def _bigrams(text: str) -> frozenset[str]:
    return frozenset(text[i:i + 2] for i in range(len(text) - 1))


def _segment_bigrams(text: str) -> frozenset[str]:
    out: set[str] = set()
    for seg in text.split():
        out |= _bigrams(seg)
    return frozenset(out)


@dataclass(frozen=True)
class ItemMatch:
    """One dictionary row a question matched, how, and how sure the match is (0-1)."""

    entry: SortingEntry
    confidence: float
    how: str
    score: float
    modifier: bool = False  # named only as "XのY" with Y another thing ("冷蔵庫の中の食べ物")


@dataclass
class _Indexed:
    entry: SortingEntry
    names: tuple[str, ...]
    qualifier: str
    name_bigrams: tuple[frozenset[str], ...]
    en_words: frozenset[str]
    en_alternatives: tuple[tuple[str, ...], ...]
    readings: tuple[str, ...] = ()


def reading_of(text: str) -> str:
    """Folded kana reading of ``text`` (symbols dropped), from SudachiPy's long units."""
    parts = []
    for m in morphemes(text, "C"):
        if m.part_of_speech()[0] in ("補助記号", "空白"):
            continue
        reading = m.reading_form()
        parts.append(reading if reading and reading != "キゴウ" else m.surface())
    return fold("".join(parts))


_KATAKANA = re.compile(r"[\u30a1-\u30fa\u30fc]")


def _name_variants(item: str) -> tuple[tuple[str, ...], str]:
    folded = fold(item)
    qualifier = " ".join(m.group(0)[1:-1] for m in _PARENS.finditer(folded))
    base = _PARENS.sub("", folded)
    names = [_NOISE.sub("", base)]
    parts = [_NOISE.sub("", p) for p in _PARTS.split(base)]
    names += [p for p in parts if p and p not in names]
    # "スノーダンプ（ママさんダンプ）": a parenthesis holding another name (one with katakana,
    # unlike conditions such as "空のもの") is what many people call the item.
    for m in _PARENS.finditer(item):
        inner = m.group(0)[1:-1]
        alias = _NOISE.sub("", fold(inner))
        if len(alias) >= 4 and _KATAKANA.search(inner) and alias not in names:
            names.append(alias)
    return tuple(n for n in names if n), qualifier


def _en_words(text: str) -> frozenset[str]:
    return frozenset(stem(w) for w in _EN_TOKEN.findall(fold(text)) if w not in ITEM_NAME_STOP)


def _en_alternatives(text: str) -> tuple[tuple[str, ...], ...]:
    """"Pots, pans and kettles" -> (("pot",), ("pan",), ("kettle",)): each a name on its own.
    Qualifiers in parentheses are left out; the last word of each is its head noun."""
    base = _PARENS.sub(" ", fold(text))
    parts = re.split(r",|/|&|\band\b|\bor\b", base)
    out = []
    for part in parts:
        words = tuple(stem(w) for w in _EN_TOKEN.findall(part) if w not in ITEM_NAME_STOP)
        if words:
            out.append(words)
    return tuple(out)


class SortingMatcher:
    """An index over one :class:`SortingDict`, built once and reused for every question.

    Inverted indexes (name bigram, English word, reading bigram -> rows) keep a question
    against Tsu's 3,984 rows to a few milliseconds: only rows sharing something with the
    question are scored.
    """

    def __init__(self, sorting: SortingDict, scores: MatchScores | None = None):
        self.scores = scores or MatchScores()
        self.sorting = sorting
        self._rows: list[_Indexed] = []
        self._by_bigram: dict[str, set[int]] = {}
        self._by_char: dict[str, set[int]] = {}
        self._by_word: dict[str, set[int]] = {}
        self._short: set[int] = set()
        for i, entry in enumerate(sorting.entries):
            names, qualifier = _name_variants(entry.item)
            reading = fold(entry.reading) if entry.reading else ""
            row = _Indexed(entry, names, qualifier, tuple(_bigrams(n) for n in names),
                           _en_words(entry.item_en), _en_alternatives(entry.item_en),
                           (_NOISE.sub("", _PARENS.sub("", reading)),) if reading else ())
            self._rows.append(row)
            for name, grams in zip(names, row.name_bigrams, strict=True):
                if len(name) == 1:
                    self._short.add(i)
                for g in grams:
                    self._by_bigram.setdefault(g, set()).add(i)
                for ch in set(name):
                    if _KANJI.match(ch):
                        self._by_char.setdefault(ch, set()).add(i)
            for w in row.en_words:
                self._by_word.setdefault(w, set()).add(i)
        total = max(1, len(self._rows))
        self._idf = {w: math.log(1 + total / len(rows)) for w, rows in self._by_word.items()}
        self._idf_by_length = by_length(self._idf)
        self._corrected: dict[str, str] = {}  # typed word -> its correction ("" for none)
        self._reading_index: dict[str, set[int]] | None = None
        self._row_of = {id(r.entry): r for r in self._rows}  # entry -> its indexed row

    # -- public ----------------------------------------------------------------------

    def covers(self, match: ItemMatch, phrase: str, words: tuple[str, ...]) -> bool:
        """True when the matched row accounts for most of ``phrase``: the message is about
        that item ("でんち", "ペットボトルのふた"), not merely mentioning it ("オーナーの携帯番号")."""
        if phrase.isascii():
            return 0 < len(words) <= 3 and all(self._names_word(match.entry, w) for w in words)
        compact = _NOISE.sub("", phrase)
        names, _ = _name_variants(match.entry.item)
        if compact in names:
            return True
        wanted = _bigrams(compact)
        if not wanted:
            return False
        have: set[str] = set()
        for name in names:
            have |= _bigrams(name)
        joined = "".join(names)
        for m in _LEXICON_OTHER.finditer(compact):
            if any(word in joined for word in _LEXICON_FOLDED[m.group(0)]):
                have |= _bigrams(m.group(0))  # a synonym of the name counts as the name
        if len(wanted & have) / len(wanted) >= self.scores.covers_min_share:
            return True
        self._ensure_readings()
        row = self._row(match.entry)
        reading = _bigrams(_NOISE.sub("", reading_of(compact)))
        known: set[str] = set()
        for r in row.readings:
            known |= _bigrams(r)
        return bool(reading) and len(reading & known) / len(reading) >= self.scores.covers_min_share

    def _names_word(self, entry: SortingEntry, word: str) -> bool:
        """Whether an English question word is part of how ``entry`` is named: a word of its
        English name, a lexicon word for its Japanese name ("bike" for 自転車), or a state
        word ("broken", "used"). "bike parking" names a bicycle and something else."""
        if word in EVERYDAY_VERBS:
            return True
        row = self._row(entry)
        key = stem(word)
        if key in row.en_words or word in row.en_words:
            return True
        names = "".join(row.names)
        return any(j in names for k in (word, key) for j in _LEXICON_FOLDED.get(k, ()))

    def _row(self, entry: SortingEntry) -> _Indexed:
        return self._row_of[id(entry)]

    def match(self, folded_text: str, phrase: str = "", words: tuple[str, ...] = (),
              spelling: str = "") -> list[ItemMatch]:
        """The best-matching rows for a question, best first; [] when nothing is close enough.

        ``folded_text`` is the folded question with date and cue words blanked, ``phrase``
        the item phrase left after cue words were removed, ``words`` its English content words,
        ``spelling`` the whole question as the stayer spelled it (see :mod:`.spelling`), for
        the morphological rules.

        When nothing confident names the item itself (only "X" of "XのY", or nothing at all),
        the head noun of the phrase is looked up on its own: "リモコンの電池" is a battery.
        """
        found = self._match(folded_text, phrase, words, spelling)
        if found and found[0].confidence >= CONFIDENT and not found[0].modifier:
            return found
        head = head_noun(_NOISE.sub("", phrase), spelling)
        if head:
            by_head = self._match(head, head, (), spelling)
            if by_head and by_head[0].confidence >= CONFIDENT and not by_head[0].modifier:
                return by_head
        return found

    def _match(self, folded_text: str, phrase: str, words: tuple[str, ...], spelling: str) -> list[ItemMatch]:
        expansions = self._expand(folded_text)
        text = _NOISE.sub(" ", folded_text)
        query = f"{text} {' '.join(expansions)}".strip()
        compact_phrase = _NOISE.sub("", phrase)
        candidates = self._surface(query, compact_phrase, expansions, spelling)
        best_conf = max((m.confidence for m in candidates), default=0.0)
        probe = compact_phrase or query.replace(" ", "")
        if best_conf < self.scores.reading_probe_below and probe and not probe.isascii():
            candidates += self._by_reading(probe)
        candidates += self._english(words)
        return self._best_group(candidates)

    # -- layers ----------------------------------------------------------------------

    @staticmethod
    def _expand(folded_text: str) -> list[str]:
        """Japanese words for the foreign or variant item words in the question."""
        out: list[str] = []
        english = " ".join(stem(w) for w in _EN_TOKEN.findall(folded_text))
        raw_english = " ".join(_EN_TOKEN.findall(folded_text))
        for text in (f" {raw_english} ", f" {english} "):
            for m in _LEXICON_ASCII.finditer(text):
                out.extend(_LEXICON_FOLDED[m.group(1)])
        for m in _LEXICON_OTHER.finditer(folded_text):
            out.extend(_LEXICON_FOLDED[m.group(0)])
        if _KANJI.search(folded_text) and not _KANA.search(folded_text):  # folded: katakana is hiragana
            # Chinese: its characters in Japanese forms find the items both write in
            # kanji ("旧电池怎么扔" -> 旧電池…: 電池; "铁锅" -> 鉄鍋: 鍋) beyond the lexicon
            kanji = fold(as_japanese_kanji(folded_text))
            if kanji != folded_text:
                out.append(kanji)
        return list(dict.fromkeys(out))

    def _surface(self, query: str, phrase: str, expansions: list[str], spelling: str = "") -> list[ItemMatch]:
        compact = query.replace(" ", "")
        query_bigrams = _segment_bigrams(query)
        phrases = [p for p in [phrase, *expansions] if p]
        rows: set[int] = set(self._short)
        for g in query_bigrams:
            rows |= self._by_bigram.get(g, set())
        for p in phrases:
            if len(p) == 1:
                rows |= self._by_char.get(p, set())
        out: list[ItemMatch] = []
        for i in rows:
            row = self._rows[i]
            best: ItemMatch | None = None
            for name, name_bigrams in zip(row.names, row.name_bigrams, strict=True):
                found = self._score_name(row, name, name_bigrams, query, compact, query_bigrams, phrases)
                if found and (best is None or found.score > best.score):
                    best = found
            if best and best.how == EXACT and _only_as_modifier(row.names, query, spelling):
                best = replace(best, modifier=True)
            if best:
                out.append(best)
        return out

    def _score_name(self, row: _Indexed, name: str, name_bigrams: frozenset[str], query: str,
                    compact: str, query_bigrams: frozenset[str], phrases: list[str]) -> ItemMatch | None:
        sc = self.scores
        bonus = self._qualifier_bonus(row, query_bigrams)
        if name.isascii():
            if re.search(rf"\b{re.escape(name)}\b", query):
                return ItemMatch(row.entry, sc.exact_conf, EXACT, len(name) + bonus)
            return None
        if len(name) >= 2 and _contains_word(compact, name):
            return ItemMatch(row.entry, sc.exact_conf, EXACT, len(name) + bonus)
        if len(name) == 1 and re.search(rf"{re.escape(name)}(?=[はをもがのっ\s]|$)", query) and _KANJI.match(name):
            return ItemMatch(row.entry, sc.single_kanji_conf, EXACT, 1.0 + bonus)
        found: list[ItemMatch] = []
        for typed in phrases:
            phrase = typed if typed in name else completed_abbreviation(typed, name)
            if phrase and phrase in name and (len(phrase) >= 2 or _KANJI.match(phrase)):
                quality = sc.partial_base + sc.partial_gain * len(phrase) / len(name)
                found.append(ItemMatch(row.entry, quality, PARTIAL, len(phrase) * quality + bonus))
                break
        if len(name_bigrams) >= 2:
            common = len(name_bigrams & query_bigrams)
            recall = common / len(name_bigrams)
            if recall >= sc.fuzzy_min_recall and common >= sc.fuzzy_min_common:
                found.append(ItemMatch(row.entry, sc.fuzzy_base + sc.fuzzy_gain * recall, FUZZY,
                                       (common + 1) * (0.5 + 0.5 * recall) + bonus))
        return max(found, key=lambda m: m.score, default=None)

    def _qualifier_bonus(self, row: _Indexed, query_bigrams: frozenset[str]) -> float:
        if not row.qualifier:
            return 0.0
        qualifier_bigrams = _segment_bigrams(row.qualifier)
        if not qualifier_bigrams:
            return 0.0
        return self.scores.qualifier_weight * len(qualifier_bigrams & query_bigrams) / len(qualifier_bigrams)

    def _ensure_readings(self) -> None:
        """Readings of every name part, computed on the first question that needs them."""
        if self._reading_index is not None:
            return
        index: dict[str, set[int]] = {}
        for i, row in enumerate(self._rows):
            parts = [_NOISE.sub("", reading_of(p)) for p in _PARTS.split(_PARENS.sub("", row.entry.item))]
            row.readings = tuple(dict.fromkeys([*row.readings, *(p for p in parts if p)]))
            for reading in row.readings:
                for g in _bigrams(reading):
                    index.setdefault(g, set()).add(i)
        self._reading_index = index

    def _by_reading(self, phrase: str) -> list[ItemMatch]:
        self._ensure_readings()
        assert self._reading_index is not None
        query = _NOISE.sub("", reading_of(phrase))
        query_bigrams = _bigrams(query)
        rows: set[int] = set()
        for g in query_bigrams:
            rows |= self._reading_index.get(g, set())
        out: list[ItemMatch] = []
        for i in rows:
            row = self._rows[i]
            best: ItemMatch | None = None
            for reading in row.readings:
                found = self._score_reading(row.entry, reading, query, query_bigrams)
                if found and (best is None or found.score > best.score):
                    best = found
            if best:
                out.append(best)
        return out

    def _score_reading(self, entry: SortingEntry, reading: str, query: str,
                       query_bigrams: frozenset[str]) -> ItemMatch | None:
        sc = self.scores
        if len(reading) < 2:
            return None
        if reading == query:
            return ItemMatch(entry, sc.reading_exact_conf, READING, float(len(reading)))
        if len(reading) >= 3 and _contains_word(query, reading):
            return ItemMatch(entry, sc.reading_exact_conf, READING, len(reading) * sc.reading_word_weight)
        if len(query) >= 3 and query in reading:
            quality = sc.reading_partial_base + sc.reading_partial_gain * len(query) / len(reading)
            return ItemMatch(entry, quality, READING, len(query) * sc.reading_partial_weight * quality)
        reading_bigrams = _bigrams(reading)
        common = len(reading_bigrams & query_bigrams)
        recall = common / max(1, len(reading_bigrams))
        if recall >= sc.reading_fuzzy_min_recall and common >= sc.reading_fuzzy_min_common:
            return ItemMatch(entry, sc.reading_fuzzy_base + sc.reading_fuzzy_gain * recall, READING,
                             (common + 1) * sc.reading_word_weight * recall)
        return None

    def _english(self, words: tuple[str, ...]) -> list[ItemMatch]:
        sc = self.scores
        # a verb never names an item alone: "leave" is not "Grass and leaves"
        query = {self._correct(stem(w)) for w in words if w not in ITEM_NAME_STOP and w not in EVERYDAY_VERBS}
        query.discard("")
        if not query:
            return []
        rows: set[int] = set()
        for w in query:
            rows |= self._by_word.get(w, set())
        out: list[ItemMatch] = []
        for i in rows:
            row = self._rows[i]
            best: ItemMatch | None = None
            for alternative in row.en_alternatives:
                matched = set(alternative) & query
                if not matched:
                    continue
                last = sc.english_last_word_weight
                weights = {w: self._idf.get(w, 1.0) * (last if pos == len(alternative) - 1 else 1.0)
                           for pos, w in enumerate(alternative)}
                recall = sum(weights[w] for w in matched) / sum(weights.values())
                precision = len(matched) / len(query)
                quality = 0.5 * recall + 0.5 * precision
                if recall >= sc.english_min_recall and quality >= CONFIDENT:
                    found = ItemMatch(row.entry, sc.english_base + sc.english_gain * quality, ENGLISH,
                                      sc.english_score_weight * len(matched) * quality)
                    if best is None or found.score > best.score:
                        best = found
            if best is not None:
                out.append(best)
        return out

    def _correct(self, word: str) -> str:
        if word in self._idf:
            return word
        if len(word) < 4:
            return ""
        if word not in self._corrected:
            close = close_matches(word, self._idf_by_length, 1, self.scores.english_typo_cutoff)
            self._corrected[word] = close[0] if close else ""
        return self._corrected[word]

    def _best_group(self, candidates: list[ItemMatch]) -> list[ItemMatch]:
        """The winning rows: those scoring close to the best in the same way, best first.

        Rows named only as a modifier ("冷蔵庫の中の食べ物") lose to any confident reading
        of what the question is about; alone, they are returned flagged ``modifier``."""
        things = [m for m in candidates if not m.modifier]
        if any(m.confidence >= CONFIDENT for m in things) or len(things) == len(candidates):
            return self._group(things)
        return self._group([m for m in candidates if m.modifier])

    def _group(self, candidates: list[ItemMatch]) -> list[ItemMatch]:
        if not candidates:
            return []
        by_entry: dict[int, ItemMatch] = {}
        for m in candidates:
            key = id(m.entry)
            if key not in by_entry or m.score > by_entry[key].score:
                by_entry[key] = m
        ranked = sorted(by_entry.values(), key=lambda m: (-m.score, -m.confidence, m.entry.line))
        top = ranked[0]
        sc = self.scores
        ratio = {PARTIAL: sc.group_ratio_partial, READING: sc.group_ratio_reading,
                 ENGLISH: sc.group_ratio_english}.get(top.how, sc.group_ratio_other)
        group = [m for m in ranked if m.how == top.how and m.score >= top.score * ratio]
        if top.how == EXACT:  # same name: keep variants unless the qualifier told them apart
            group = [m for m in group if top.score - m.score < sc.group_exact_margin]
        return group[:sc.max_rows]


#: Nouns that say something about the item itself ("スプレー缶の中身", "電池の種類"): after
#: "Xの" they keep X the item, unlike a separate thing ("テレビの台", "冷蔵庫の中の食べ物").
_ATTRIBUTE_NOUNS = frozenset(fold(w) for w in (
    "こと", "もの", "ほう", "方", "場合", "件", "種類", "中身", "大きさ", "サイズ", "量", "数", "扱い", "区分",
    "処分", "出し方", "捨て方", "分け方"))


_KANA_RUN = re.compile(r"[\u3041-\u309fー]{3,}")
_PARTICLE_END = frozenset("のはをがにでともへや")


def completed_abbreviation(phrase: str, name: str) -> str:
    """``phrase`` with a kana word cut short written out as ``name`` writes it, when the
    result is part of the name: Japanese shortens a loanword by cutting its end ("アイスの棒"
    is the dictionary's アイスクリームの棒). The typed word keeps three kana at least, does not end
    on a particle, and the name adds two kana or more; "" when nothing completes.
    Folded text: katakana is hiragana, so a word runs on into its particle ("あいすの").
    """
    for run in dict.fromkeys(_KANA_RUN.findall(phrase)):
        for cut in range(len(run), 2, -1):
            short, rest = run[:cut], run[cut:]
            if short[-1] in _PARTICLE_END:
                continue
            at = phrase.index(run)
            pattern = (re.escape(phrase[:at] + short) + "[\u3041-\u309fー]{2,}?"
                       + re.escape(rest + phrase[at + len(run):]))
            m = re.search(pattern, name)
            if m:
                return m.group(0)
    return ""


def _only_as_modifier(names: tuple[str, ...], query: str, spelling: str = "") -> bool:
    """Every occurrence of the item's names in ``query`` is "nameのY" with Y a noun naming
    another thing: the name says where or whose Y is, and Y is what is asked about.
    Y is analysed as the stayer spelled it (``spelling`` of the question)."""
    seen = False
    folded = fold(spelling)
    for segment in query.split():
        for name in names:
            if len(name) < 2 or name.isascii():
                continue
            for m in re.finditer(re.escape(name), segment):
                seen = True
                tail = segment[m.end():]
                if not tail.startswith("の") or len(tail) < 2:
                    return False
                head = next(iter(morphemes(respell(tail[1:], folded, spelling), "C")), None)
                if head is None or head.part_of_speech()[0] != "名詞" or fold(head.surface()) in _ATTRIBUTE_NOUNS:
                    return False
    return seen


#: Parts of speech that end a noun phrase without being its head ("電池は", "電池って").
_AFTER_HEAD = frozenset({"助詞", "助動詞", "補助記号", "空白"})


def head_noun(phrase: str, spelling: str = "") -> str:
    """The head of a Japanese noun phrase, folded: its last noun ("リモコンの電池" -> 電池,
    "リモコン電池" -> 電池), or "" when the phrase is that noun already or has none.
    A one-character head ("テレビの台" -> 台) is too short to look up on its own."""
    if not phrase or phrase.isascii():
        return ""
    tokens = list(morphemes(respell(phrase, fold(spelling), spelling), "C"))
    while tokens and tokens[-1].part_of_speech()[0] in _AFTER_HEAD:
        tokens.pop()
    if len(tokens) < 2 or tokens[-1].part_of_speech()[0] != "名詞":
        return ""
    start = len(tokens) - 1
    while start and tokens[start - 1].part_of_speech()[0] == "接頭辞":
        start -= 1  # "お茶" keeps its prefix
    head = fold("".join(t.surface() for t in tokens[start:]))
    return head if len(head) >= 2 and head != phrase else ""


_KANA = re.compile(r"[\u3041-\u309fー]")
_TRAILING_PARTICLES = ("は", "を", "の", "が", "も", "って", "と", "や", "に", "で", "か", "ね", "よ", "、")


def _contains_word(text: str, name: str) -> bool:
    """``name`` occurs in ``text``; a short kana-only name must not be part of a longer kana
    word ("いす" is not in "あいすの棒", "くつ" is not in "くつした")."""
    if len(name) > 3 or not all(_KANA.match(c) for c in name):
        return name in text
    for m in re.finditer(re.escape(name), text):
        before = text[m.start() - 1] if m.start() else ""
        after = text[m.end():]
        if before and _KANA.match(before) and before not in "はをのがもとや":
            continue
        if after and _KANA.match(after[0]) and not after.startswith(_TRAILING_PARTICLES):
            continue
        return True
    return False
