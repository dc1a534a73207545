"""Which language a message is in, and which language the bot answers in.

Script is enough for the languages stayers use (ja/en/zh/ko) and costs nothing; Chinese is
told from kanji-only Japanese by characters Japanese does not use. One module so the engine,
retrieval and the LINE handlers can never disagree about a message's language.
"""

from __future__ import annotations

import re

#: The languages the bot reads and answers in, Japanese first (the default).
LANGS: tuple[str, ...] = ("ja", "en", "zh", "ko")

_KANA = re.compile(r"[\u3040-\u30ff\uff66-\uff9f]")
_HANGUL = re.compile(r"[\uac00-\ud7af\u1100-\u11ff\u3130-\u318f]")
_HAN = re.compile(r"[\u4e00-\u9fff]")
_LATIN = re.compile(r"[A-Za-z]")
# Simplified forms and function words that do not occur in Japanese text.
_ZH_ONLY = re.compile(
    r"[吗呢吧么们这哪谁怎样时间几点东西问题请问还没关门开车费用钥匙厕所过给说话现对为与从里边没]|什么|可以吗"
)


def _has_non_japanese_han(text: str) -> bool:
    """Simplified characters (码, 时, 请) are outside the Japanese character set (cp932)."""
    for ch in _HAN.findall(text):
        try:
            ch.encode("cp932")
        except UnicodeEncodeError:
            return True
    return False


def detect_lang(text: str, default: str = "ja") -> str:
    """"ja", "ko", "zh" or "en" by script; ``default`` when the text has no letters."""
    if _KANA.search(text):
        return "ja"
    if _HANGUL.search(text):
        return "ko"
    if _HAN.search(text):
        return "zh" if _ZH_ONLY.search(text) or _has_non_japanese_han(text) else "ja"
    if _LATIN.search(text):
        return "en"
    return default


def norm_lang(lang: str | None) -> str:
    """``lang`` when the bot speaks it, else Japanese (for stored or client-sent codes)."""
    return lang if lang in LANGS else "ja"


def reply_lang(lang: str) -> str:
    """The language of text that exists only in Japanese and English: Japanese or English."""
    return "ja" if lang == "ja" else "en"


#: Letters of each script a document's language is judged by (URLs and markup removed).
_URL = re.compile(r"https?://\S+|www\.\S+|\]\([^)]*\)|\{[^}\n]*\}")
_LATIN_WORD = re.compile(r"[A-Za-z]{2,}")
#: A CJK character carries about as much as a short English word: weigh scripts so.
_CJK_WEIGHT = 3.0
#: Below this many weighted letters a text says too little to tell its language.
MIN_EVIDENCE = 24.0


def script_shares(text: str) -> dict[str, float]:
    """Weighted share of each language's script in ``text`` (ja, zh, ko, en), summing to 1;
    empty when the text has too few letters to judge (see :data:`MIN_EVIDENCE`)."""
    text = _URL.sub(" ", text)
    kana = len(_KANA.findall(text))
    han = len(_HAN.findall(text))
    hangul = len(_HANGUL.findall(text))
    latin = sum(len(w) for w in _LATIN_WORD.findall(text)) / 2.0  # ~ half a CJK char per letter
    cjk = _CJK_WEIGHT * (kana + han)
    # Japanese writes kana between its kanji; Chinese has none (or a stray quoted name).
    ja_part = cjk if kana >= 0.05 * (kana + han) else _CJK_WEIGHT * kana
    weights = {"ja": ja_part, "zh": cjk - ja_part, "ko": _CJK_WEIGHT * hangul, "en": latin}
    total = sum(weights.values())
    if total < MIN_EVIDENCE:
        return {}
    return {k: v / total for k, v in weights.items() if v > 0}


def document_lang(text: str, prior: tuple[str, ...] | list[str] = ()) -> tuple[str | None, str]:
    """The language a document is written in, and how it was decided.

    The script that dominates decides ("content"). When the text mixes scripts without a
    clear majority (a bilingual page), the first of ``prior`` (the house's `languages`)
    that has a real share wins ("content + house languages"). With too little text to
    judge, the answer is ``(None, "undetectable")`` and the caller falls back on the prior.
    """
    shares = script_shares(text)
    if not shares:
        return None, "undetectable"
    best = max(shares, key=lambda k: shares[k])
    if shares[best] >= 0.6:
        return best, "content"
    for lang in prior:
        if shares.get(lang, 0.0) >= 0.25:
            return lang, "content + house languages"
    return best, "content"
