"""The nouns of a text in its own language, as written: what a question is about.

Why: a Chinese or Korean question about Japanese pages shares no word with them, so the
lexical evidence of abstention (how much of the question the page covers) is blank and
only sentence similarity is left; 「钥匙盒有没有万能密码」 ("a master code for the key
box") is as close to the key-box page as a question it answers. Comparing the question's
nouns one by one with the page's, by the multilingual model's word vectors, tells which
of them the page has no counterpart for (万能 -> nothing; 密码 -> 暗証番号).

Chinese has no spaces and Korean glues particles to nouns (환전소가), so each language
gets its own segmenter: jieba (Chinese, its dictionary ships in the wheel) and Kiwi
(Korean, kiwipiepy's model package); Japanese uses the process's Sudachi dictionary,
English its words. Both are loaded on first use, never at start: jieba ~0.9 s and ~60 MB
resident, Kiwi ~0.9 s and ~240 MB (bench/bench_budgets.py's "first question" rows).
"""

from __future__ import annotations

import logging
import re
import threading
import unicodedata
from typing import Any

from text.english import RETRIEVAL_STOP
from text.sudachi import morphemes

_LOCK = threading.Lock()
_loaded: dict[str, Any] = {}
_ASCII_WORD = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:[-'][A-Za-z0-9]+)*")
_NOT_A_WORD = re.compile(r"[\W\d_]+")
# Japanese nouns every question and page has, naming nothing (何, 事, 方, 時 ...).
_JA_EMPTY = frozenset("何 何時 何処 いつ 誰 幾ら 幾つ 所 事 物 方 時 為 様 内 中 其の 此れ 其れ 皆".split())
# jieba's tags of nouns (n, nr, ns, nt, nz, ng), verbal nouns, abbreviations and Latin words;
# and of verbs, adjectives and set phrases, taken when longer than one character: its
# tagger calls some nouns verbs (超市 "supermarket": v), while its one-character verbs and
# adjectives are the grammar of every question (有, 到, 想, 吃, 好).
_ZH_NOUN_TAGS = ("n", "vn", "j", "eng")
_ZH_WORD_TAGS = ("v", "a", "i")
# jieba's tags of words that name nothing: particles (u*), modal particles, prepositions,
# conjunctions, adverbs, pronouns, numerals, measure words, locatives (里 "in", 上 "on")
_ZH_FUNCTION_TAGS = ("u", "y", "p", "c", "d", "r", "m", "q", "f", "x")
# Kiwi's: general and proper nouns, Latin and Chinese-character words
_KO_TAGS = frozenset({"NNG", "NNP", "SL", "SH"})


def nouns(text: str, lang: str) -> list[str]:
    """The distinct nouns of ``text`` (language ``lang``: ja, en, zh, ko) in the order they
    appear; Latin words inside a CJK text count as nouns (WiFi)."""
    text = unicodedata.normalize("NFKC", text)
    if lang == "zh":
        found = _chinese(text)
    elif lang == "ko":
        found = _korean(text)
    elif lang == "en":
        found = _latin_words(text)
    else:
        found = _japanese(text)
    return list(dict.fromkeys(w for w in found if not _NOT_A_WORD.fullmatch(w)))


def _latin_words(text: str) -> list[str]:
    return [w for w in _ASCII_WORD.findall(text) if len(w) > 1 and w.lower() not in RETRIEVAL_STOP]


def _japanese(text: str) -> list[str]:
    out = _latin_words(text)  # whole: Sudachi splits "Wi-Fi" into "Wi", "-", "Fi"
    for m in morphemes(_ASCII_WORD.sub(" ", text)[:20000], "C"):
        pos = m.part_of_speech()
        if pos[0] == "名詞" and pos[1] != "数詞" and m.normalized_form() not in _JA_EMPTY:
            out.append(m.surface())
    return out


def names_no_thing(text: str) -> bool:
    """Whether a Chinese phrase names no thing: its nouns, if any, are each followed by a
    locative (「房间里的」 "in the room's": where, not what), and the rest are particles,
    pronouns, adverbs or one-character verbs (「要」 "must"). What a garbage question leaves
    once its cues are taken ("房间里的垃圾要怎么处理？" leaves 「房间里的」 and 「要」) is then no item."""
    words = [(w, f) for w, f in _tagged_chinese(text) if w.strip()]
    nouns_at = [i for i, (_, flag) in enumerate(words) if flag.startswith(_ZH_NOUN_TAGS)]
    if not all(i + 1 < len(words) and words[i + 1][1] == "f" for i in nouns_at):
        return False
    rest = [(w, f) for i, (w, f) in enumerate(words) if i not in nouns_at]
    return all(f.startswith(_ZH_FUNCTION_TAGS) or (f.startswith("v") and len(w) == 1) for w, f in rest)


def word_weights(words: list[str], lang: str) -> dict[str, float]:
    """How much each of ``words`` says about what a text asks: for Chinese, jieba's inverse
    document frequency (万能 9.1, 中餐馆 12.0; 应该 "should" 4.7, 问题 "problem" 4.0), the
    Chinese counterpart of the guide's own BM25 weights; 1.0 each in other languages."""
    if lang != "zh":
        return dict.fromkeys(words, 1.0)
    tfidf = _segmenter("zh-idf")
    return {w: float(tfidf.idf_freq.get(w, tfidf.median_idf)) for w in words}


def _chinese(text: str) -> list[str]:
    return [word for word, flag in _tagged_chinese(text)
            if flag.startswith(_ZH_NOUN_TAGS) or (flag.startswith(_ZH_WORD_TAGS) and len(word) > 1)]


def _tagged_chinese(text: str) -> list[tuple[str, str]]:
    """jieba's words and their tags; HMM off: its guesses at unknown words glue verbs together
    (摘来吃 -> 摘来)."""
    return [(str(word), str(flag)) for word, flag in _segmenter("zh").cut(text, HMM=False)]


def _korean(text: str) -> list[str]:
    kiwi = _segmenter("ko")
    return [str(t.form) for t in kiwi.tokenize(text) if t.tag in _KO_TAGS]


def _segmenter(lang: str) -> Any:
    found = _loaded.get(lang)
    if found is None:
        with _LOCK:
            found = _loaded.get(lang)
            if found is None:
                found = _loaded[lang] = _load(lang)
    return found


def _load(lang: str) -> Any:
    if lang == "zh-idf":
        import jieba.analyse

        return jieba.analyse.default_tfidf
    if lang == "zh":
        import jieba
        import jieba.posseg

        jieba.setLogLevel(logging.WARNING)  # it prints its dictionary loading to stderr
        jieba.initialize()
        return jieba.posseg
    from kiwipiepy import Kiwi

    # Without its multi-word and typo dictionaries: loads in 0.9 s instead of 2.2 s, peak
    # memory +320 MB instead of +510 MB; the same nouns on every Korean question of the eval sets.
    return Kiwi(num_workers=1, load_multi_dict=False, load_typo_dict=False)
