"""Unicode and kana folding: the one comparison form of text, for ingest and answering alike.

Stayers type ゴミ, ごみ, ｺﾞﾐ and Ｇａｒｂａｇｅ interchangeably; data files are no more
consistent. Every matcher compares :func:`fold`-ed text, so matching never depends on the
script or width the IME happened to pick. The kana converters are kept separate because
some callers fold only the script (BM25 tokens) or need the way back (kana typing rewritten
in the katakana a manual uses).
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

#: ァ (U+30A1) .. ヶ (U+30F6) -> ぁ (U+3041) .. ゖ (U+3096); ー and ・ have no hiragana form.
_KATAKANA_TO_HIRAGANA: dict[int, int] = {code: code - 0x60 for code in range(0x30A1, 0x30F7)}
_HIRAGANA_TO_KATAKANA: dict[int, int] = {code: code + 0x60 for code in range(0x3041, 0x3097)}


def to_hiragana(text: str) -> str:
    """Katakana as hiragana ("パスワード" -> "ぱすわーど"); everything else unchanged."""
    return text.translate(_KATAKANA_TO_HIRAGANA)


def to_katakana(text: str) -> str:
    """Hiragana as katakana ("ぱすわーど" -> "パスワード"); everything else unchanged."""
    return text.translate(_HIRAGANA_TO_KATAKANA)


#: Typographic look-alikes NFKC keeps, as their ASCII forms: U+2010 HYPHEN and U+2011
#: NON-BREAKING HYPHEN (a real guide writes "Wi‑Fi" with U+2011, and "wifi" must still
#: find it) and the curly apostrophes (the same guide writes "doesn’t"; stayers type "doesn't").
LOOKALIKES = str.maketrans({"\u2010": "-", "\u2011": "-", "\u2019": "'", "\u2018": "'"})


def spelled(text: str) -> str:
    """``text`` NFKC-normalised and case-folded, katakana kept: what :func:`fold` does but
    the kana step. The two have the same length, so a span of one is the same span of the
    other; morphological analysis reads this form (SudachiPy splits hiragana-only
    "りもこん" as り・も・こん)."""
    return unicodedata.normalize("NFKC", text).casefold().translate(LOOKALIKES)


def fold(text: str) -> str:
    """The comparison form of text: NFKC, case-folded, katakana turned into hiragana."""
    return to_hiragana(spelled(text))


def compact(text: str) -> str:
    """:func:`fold` keeping only letters and digits, for matching names whatever their
    spacing and punctuation ("Kitami Sta." and "きたみ sta" alike)."""
    return "".join(c for c in fold(text) if unicodedata.category(c)[0] in "LN")


_SURROGATE = re.compile("[\ud800-\udfff]")


def replace_lone_surrogates(value: Any) -> Any:
    """Parsed JSON with every lone UTF-16 surrogate in its strings (``"\\ud800"``: legal in
    JSON, not encodable as UTF-8) replaced by U+FFFD, so a message from LINE or a slot from
    Alexa cannot break the answer. Strings without one are returned as they are."""
    if isinstance(value, str):
        if _SURROGATE.search(value) is None:
            return value
        return value.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    if isinstance(value, dict):
        return {replace_lone_surrogates(k): replace_lone_surrogates(v) for k, v in value.items()}
    if isinstance(value, list):
        return [replace_lone_surrogates(v) for v in value]
    return value
