"""Language detection by script, and the fixed phrases the engine says itself.

Script is enough for the languages stayers use (ja/en/zh/ko) and costs nothing; Chinese is
told from kanji-only Japanese by characters Japanese does not use.
"""

from __future__ import annotations

import re

_KANA = re.compile(r"[\u3040-\u30ff\uff66-\uff9f]")
_HANGUL = re.compile(r"[\uac00-\ud7af\u1100-\u11ff\u3130-\u318f]")
_HAN = re.compile(r"[\u4e00-\u9fff]")
_LATIN = re.compile(r"[A-Za-z]")
# Simplified forms and function words that do not occur in Japanese text.
_ZH_ONLY = re.compile(r"[吗呢吧么们这哪谁怎样时间几点东西问题请问还没关门开车费用钥匙厕所过给说话现对为与从里边没]|什么|可以吗")


def _has_non_japanese_han(text: str) -> bool:
    """Simplified characters (码, 时, 请) are outside the Japanese character set (cp932)."""
    for ch in _HAN.findall(text):
        try:
            ch.encode("cp932")
        except UnicodeEncodeError:
            return True
    return False


def detect_lang(text: str, default: str = "ja") -> str:
    if _KANA.search(text):
        return "ja"
    if _HANGUL.search(text):
        return "ko"
    if _HAN.search(text):
        return "zh" if _ZH_ONLY.search(text) or _has_non_japanese_han(text) else "ja"
    if _LATIN.search(text):
        return "en"
    return default


def reply_lang(lang: str) -> str:
    """The language of the engine's own phrases: Japanese or English."""
    return "ja" if lang == "ja" else "en"


PHRASES: dict[str, dict[str, str]] = {
    "abstain": {
        "ja": "すみません、その質問にはお答えできる情報が見つかりませんでした。",
        "en": "Sorry, I couldn't find that in the house information.",
        "zh": "抱歉，没有找到相关信息。",
        "ko": "죄송합니다. 해당 정보를 찾지 못했습니다.",
    },
    "ask_contact": {
        "ja": "{label}（{phone}）にお問い合わせください。",
        "en": "Please contact {label} ({phone}).",
        "zh": "请联系 {label}（{phone}）。",
        "ko": "{label}({phone})에 문의해 주세요.",
    },
    "source": {"ja": "出典", "en": "Source", "zh": "来源", "ko": "출처"},
    "empty": {
        "ja": "ご質問をどうぞ。例：「Wi-Fiのパスワードは？」「明日のごみは？」",
        "en": "Please ask a question, e.g. \"What's the Wi-Fi password?\" or \"Which garbage goes out tomorrow?\"",
    },
    "too_long": {
        "ja": "ご質問が長すぎます（{limit}文字まで）。短くしてもう一度お願いします。",
        "en": "That question is too long (up to {limit} characters). Please ask it more briefly.",
    },
    "other_lang_lead": {
        "zh": "以下是住宿指南的相关内容（原文）：",
        "ko": "숙소 안내서의 관련 내용입니다(원문):",
    },
}


def phrase(key: str, lang: str, **kw: str) -> str:
    table = PHRASES[key]
    text = table.get(lang) or table.get(reply_lang(lang)) or table["en"]
    return text.format(**kw) if kw else text
