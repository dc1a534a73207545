"""The one catalogue of fixed phrases the bot says itself, with one fallback rule.

Why one catalogue: the engine, the garbage answerer, LINE and Alexa each say fixed things
("please contact ...", "source", "too long") in ja/en/zh/ko; written in several tables they
drifted apart in wording and in which language stood in for a missing one. Now every
phrase is looked up through :func:`phrase`, and a missing language always falls back the
same way (:func:`pick`: the language asked for, else English, else Japanese).

The phrases every channel shares are defined here. Channel- or answerer-specific phrases
stay beside their code as data and are added with :func:`register` under a namespace
(``line.welcome``, ``alexa.help``, ``garbage.day_has``), so wording can change without
touching dispatch logic and no two tables can claim the same key.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TypeVar

T = TypeVar("T")

_CATALOGUE: dict[str, dict[str, str]] = {}


def pick(table: Mapping[str, T], lang: str) -> T:
    """The fallback rule: ``table[lang]``, else English, else Japanese."""
    return table.get(lang) or table.get("en") or table["ja"]


def register(phrases: Mapping[str, Mapping[str, str]], namespace: str = "") -> None:
    """Add ``{key: {lang: text}}`` to the catalogue as ``namespace.key`` (or ``key``).

    Registering the same key again is allowed only with the same texts (a module reload);
    anything else is a clash between two tables and raises ``ValueError``.
    """
    prefix = f"{namespace}." if namespace else ""
    for key, table in phrases.items():
        name = prefix + key
        texts = dict(table)
        if _CATALOGUE.get(name, texts) != texts:
            raise ValueError(f"phrase {name!r} is already registered with other text")
        _CATALOGUE[name] = texts


def phrase(key: str, lang: str, **values: object) -> str:
    """The phrase ``key`` in ``lang`` (see :func:`pick`), formatted with ``values``. In a
    Korean phrase, "(은)" after a value becomes the particle its last sound takes (see
    :func:`ko_topic`)."""
    text = pick(_CATALOGUE[key], lang)
    text = text.format(**values) if values else text
    return _KO_TOPIC.sub(lambda m: m.group(1) + ko_topic(m.group(1)), text) if "(은)" in text else text


_KO_TOPIC = re.compile(r"(.)\(은\)")


def ko_topic(last: str) -> str:
    """The Korean topic particle after a word ending in ``last``: 은 after a final consonant
    (병은), 는 after a vowel (종이는); 은(는) after anything not Hangul (a Japanese item name)."""
    code = ord(last) - 0xAC00
    if not 0 <= code < 11172:
        return "은(는)"
    return "은" if code % 28 else "는"


register({
    "abstain": {
        "ja": "すみません、その質問にはお答えできる情報が見つかりませんでした。",
        "en": "Sorry, I couldn't find that in the house information.",
        "zh": "抱歉，没有找到相关信息。",
        "ko": "죄송합니다. 해당 정보를 찾지 못했습니다.",
    },
    # The contact line, wherever the bot sends a stayer to a person.
    "ask_contact": {
        "ja": "{label}（{phone}）にお問い合わせください。",
        "en": "Please contact {label} ({phone}).",
        "zh": "请联系 {label}（{phone}）。",
        "ko": "{label}({phone})에 문의해 주세요.",
    },
    # ... and when the house lists no contact.
    "ask_caretaker": {
        "ja": "管理人にお問い合わせください。",
        "en": "Please ask the caretaker.",
        "zh": "请联系管理员。",
        "ko": "관리인에게 문의하세요.",
    },
    "source": {"ja": "出典", "en": "Source", "zh": "来源", "ko": "출처"},
    "empty": {
        "ja": "ご質問をどうぞ。例：「Wi-Fiのパスワードは？」「明日のごみは？」",
        "en": "Please ask a question, e.g. \"What's the Wi-Fi password?\" or \"Which garbage goes out tomorrow?\"",
        "zh": "请提问。例如：“Wi-Fi密码是什么？”“明天扔什么垃圾？”",
        "ko": "질문해 주세요. 예: \"와이파이 비밀번호가 뭐예요?\" \"내일은 무슨 쓰레기를 버려요?\"",
    },
    "too_long": {
        "ja": "ご質問が長すぎます（{limit}文字まで）。短くしてもう一度お願いします。",
        "en": "That question is too long (up to {limit} characters). Please ask it more briefly.",
        "zh": "问题太长了（最多{limit}个字）。请简短一些再问一次。",
        "ko": "질문이 너무 깁니다({limit}자까지). 짧게 다시 질문해 주세요.",
    },
    # The one line before text quoted from a page in another language.
    "only_in": {
        "ja": "この内容は{language}のページにしかありません：",
        "en": "This is only written in {language}:",
        "zh": "这部分内容没有中文版，以下是{language}原文：",
        "ko": "이 내용은 한국어판이 없어 {language} 원문으로 안내합니다:",
    },
    "language.ja": {"ja": "日本語", "en": "Japanese", "zh": "日语", "ko": "일본어"},
    "language.en": {"ja": "英語", "en": "English", "zh": "英语", "ko": "영어"},
    "language.zh": {"ja": "中国語", "en": "Chinese", "zh": "中文", "ko": "중국어"},
    "language.ko": {"ja": "韓国語", "en": "Korean", "zh": "韩语", "ko": "한국어"},
    # The guide has the line but the host never filled it in ("Password: ____").
    "guide_blank": {
        "ja": "ガイドには「{what}」の欄がありますが、まだ書かれていません。",
        "en": "The guide has a line for \"{what}\", but it was left blank.",
        "zh": "指南里有“{what}”这一项，但还没有填写。",
        "ko": "안내서에 \"{what}\" 항목이 있지만 아직 비어 있습니다.",
    },
    # A curated answer (FAQ) is cited as such.
    "faq": {"ja": "よくある質問", "en": "FAQ", "zh": "常见问题", "ko": "자주 묻는 질문"},
})
