"""Japanese readings in Latin letters (Hepburn), and the words a Japanese question says
the way an English guide about Japan writes them ("温泉" -> onsen, "玄関" -> genkan).

Romanising kana readings names bus stops in English answers when a feed has no English
names, and reads romaji typed by a stayer ("memanbetsu"). An English guide written for a
Japanese house keeps many Japanese words as they sound ("the genkan", "a futon", "the
onsen"); a Japanese question's nouns, read and romanised, meet them there.
"""

from __future__ import annotations

from text.normalize import to_hiragana
from text.sudachi import morphemes

# Hepburn syllables, used both ways: romanising kana readings for English answers when a
# feed has no English names, and reading romaji typed by a stayer ("memanbetsu").
KANA_TO_ROMAJI: dict[str, str] = {
    "きゃ": "kya", "きゅ": "kyu", "きょ": "kyo", "しゃ": "sha", "しゅ": "shu", "しょ": "sho", "ちゃ": "cha",
    "ちゅ": "chu", "ちょ": "cho", "にゃ": "nya", "にゅ": "nyu", "にょ": "nyo", "ひゃ": "hya", "ひゅ": "hyu",
    "ひょ": "hyo", "みゃ": "mya", "みゅ": "myu", "みょ": "myo", "りゃ": "rya", "りゅ": "ryu", "りょ": "ryo",
    "ぎゃ": "gya", "ぎゅ": "gyu", "ぎょ": "gyo", "じゃ": "ja", "じゅ": "ju", "じょ": "jo", "びゃ": "bya",
    "びゅ": "byu", "びょ": "byo", "ぴゃ": "pya", "ぴゅ": "pyu", "ぴょ": "pyo", "ふぁ": "fa", "ふぃ": "fi",
    "ふぇ": "fe", "ふぉ": "fo", "てぃ": "ti", "でぃ": "di", "あ": "a", "い": "i", "う": "u", "え": "e",
    "お": "o", "か": "ka", "き": "ki", "く": "ku", "け": "ke", "こ": "ko", "さ": "sa", "し": "shi",
    "す": "su", "せ": "se", "そ": "so", "た": "ta", "ち": "chi", "つ": "tsu", "て": "te", "と": "to",
    "な": "na", "に": "ni", "ぬ": "nu", "ね": "ne", "の": "no", "は": "ha", "ひ": "hi", "ふ": "fu",
    "へ": "he", "ほ": "ho", "ま": "ma", "み": "mi", "む": "mu", "め": "me", "も": "mo", "や": "ya",
    "ゆ": "yu", "よ": "yo", "ら": "ra", "り": "ri", "る": "ru", "れ": "re", "ろ": "ro", "わ": "wa",
    "を": "o", "が": "ga", "ぎ": "gi", "ぐ": "gu", "げ": "ge", "ご": "go", "ざ": "za", "じ": "ji",
    "ず": "zu", "ぜ": "ze", "ぞ": "zo", "だ": "da", "ぢ": "ji", "づ": "zu", "で": "de", "ど": "do",
    "ば": "ba", "び": "bi", "ぶ": "bu", "べ": "be", "ぼ": "bo", "ぱ": "pa", "ぴ": "pi", "ぷ": "pu",
    "ぺ": "pe", "ぽ": "po", "ゔ": "vu", "ぁ": "a", "ぃ": "i", "ぅ": "u", "ぇ": "e", "ぉ": "o",
}
ROMAJI_TO_KANA = {r: k for k, r in reversed(list(KANA_TO_ROMAJI.items())) if len(k) <= 2}
ROMAJI_TO_KANA.update({"si": "し", "ti": "ち", "tu": "つ", "hu": "ふ", "zi": "じ", "di": "ぢ",
                       "du": "づ", "wo": "を", "jya": "じゃ", "jyu": "じゅ", "jyo": "じょ",
                       "o": "お", "a": "あ", "i": "い", "u": "う", "e": "え", "ji": "じ", "zu": "ず"})


def romanize(kana: str) -> str:
    """Hiragana/katakana reading -> Hepburn ("きたみえきまえ" -> "Kitamiekimae")."""
    s = to_hiragana(kana)
    out: list[str] = []
    i = 0
    while i < len(s):
        c = s[i]
        if c == "っ" and i + 1 < len(s):
            nxt = KANA_TO_ROMAJI.get(s[i + 1:i + 3]) or KANA_TO_ROMAJI.get(s[i + 1], "")
            out.append("t" if nxt.startswith("ch") else nxt[:1])
            i += 1
            continue
        if c == "ん":
            out.append("n")
            i += 1
            continue
        if c == "ー":
            i += 1
            continue
        two = KANA_TO_ROMAJI.get(s[i:i + 2])
        if two:
            out.append(two)
            i += 2
            continue
        out.append(KANA_TO_ROMAJI.get(c, c))
        i += 1
    text = "".join(out)
    return text[:1].upper() + text[1:]


_LONG_VOWELS = (("ou", "o"), ("uu", "u"), ("oo", "o"))


def romaji_words(text: str) -> list[str]:
    """The nouns of a Japanese ``text`` as an English guide spells them: romanised readings,
    long vowels written short (駐車場 -> chushajo), lower case; three letters or more."""
    out: list[str] = []
    if text.isascii():
        return out
    for m in morphemes(text, "B"):
        if m.part_of_speech()[0] != "名詞" or m.surface().isascii():
            continue
        word = romanize(m.reading_form()).lower()
        for long, short in _LONG_VOWELS:
            word = word.replace(long, short)
        if len(word) >= 3 and word.isascii() and word.isalpha() and word not in out:
            out.append(word)
    return out
