"""Chinese characters as Japanese writes them: 北见站 -> 北見站, 电池 -> 電池, 图书馆 -> 図書館.

A Chinese stayer writes Japanese place and item names in simplified characters, so
"去北见站的公交车" named no stop and "电池" no dictionary item: every matcher compares
Japanese forms. OpenCC's tables convert simplified to traditional characters (s2t) and
traditional to Japanese shinjitai (t2jp); characters already Japanese pass unchanged.
This is character conversion only, never translation: 垃圾 stays 垃圾 (ごみ needs a
word list, see bot.garbage.matcher.LEXICON).
"""

from __future__ import annotations

import re
import threading
from typing import Any

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
_lock = threading.Lock()
_converters: list[Any] = []


def _convert(text: str) -> str:
    if not _converters:
        with _lock:
            if not _converters:
                import opencc

                _converters.extend([opencc.OpenCC("s2t"), opencc.OpenCC("t2jp")])
    s2t, t2jp = _converters
    return str(t2jp.convert(s2t.convert(text)))


def as_japanese_kanji(text: str) -> str:
    """``text`` with its Chinese characters in their Japanese forms (kana, Latin and
    Hangul unchanged); ``text`` itself when it has no Chinese characters."""
    if not _HAN.search(text):
        return text
    return _convert(text)
