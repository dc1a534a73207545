"""The lexical side of hybrid retrieval: BM25 over normalised Japanese morphemes.

Why not surface forms: stayers type 「ゴミ」「ごみ」, 「出せる」「出す」, kana-only words
and particles; BM25 over raw surfaces rewards particle and spelling matches, which is
what made plain fusion hurt. Here Japanese words become SudachiPy normalised dictionary
forms folded to hiragana, function words are dropped, and ASCII words are lower-cased
and lightly stemmed. Measured against fugashi surfaces in bench/ (see README).
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

_DROP_POS = {"助詞", "助動詞", "補助記号", "空白", "記号", "接頭辞", "接尾辞", "感動詞"}
_EN_STOP = set(
    """a an the is are was were be been am do does did can could should would will i you he she
    it we they my your our their me us them this that these those what which who whom where when
    why how there here of in on at to for from by with about as and or but if so not no yes
    please tell know any some have has had get got there's what's it's i'm i'd ok okay much many
    long way need want like also just""".split()
)
_ASCII_WORD = re.compile(r"[a-z0-9]+(?:[-'][a-z0-9]+)*")
# Interrogatives and light verbs: every question has them, no answer depends on them.
_JA_STOP = set(
    """何 何時 何処 どう どの どこ どれ どちら いつ 誰 幾ら 幾つ 如何 遣る 為る 有る 居る 成る 良い 教える
    仕舞う 出来る 下さい 呉れる 貰う 言う 思う 分かる 知る 所 事 物 方 時 其の 此の 彼の 其れ 此れ の ん""".split()
)
_KATA = re.compile(r"[\u30a1-\u30f6]")


def to_hiragana(text: str) -> str:
    return _KATA.sub(lambda m: chr(ord(m.group(0)) - 0x60), text)


def _stem(word: str) -> str:
    """Plural folding only: "bicycles" -> "bicycle", "batteries" -> "battery". Stripping
    -ed/-es/-ing too would fold differently across word forms and lose matches."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


@lru_cache(maxsize=1)
def _sudachi():  # loaded once per process (~0.3 s)
    from sudachipy import Dictionary, SplitMode

    return Dictionary().tokenizer(), SplitMode.B


def tokenize(text: str) -> list[str]:
    """Normalised content tokens of mixed Japanese/English text."""
    text = unicodedata.normalize("NFKC", text).lower()
    tokens: list[str] = []
    # ASCII words are handled here; Sudachi would turn "what" into katakana.
    for w in _ASCII_WORD.findall(text):
        if w not in _EN_STOP and (len(w) > 1 or w.isdigit()):
            tokens.append(_stem(w.replace("-", "")))  # "wi-fi" = "wifi"
    rest = _ASCII_WORD.sub(" ", text)
    if rest.strip(" ?!.,:;()[]/-\n\t"):
        tok, mode = _sudachi()
        for m in tok.tokenize(rest[:20000], mode):
            pos = m.part_of_speech()[0]
            if pos in _DROP_POS:
                continue
            norm = m.normalized_form()
            if norm in _JA_STOP or m.dictionary_form() in _JA_STOP:
                continue
            form = to_hiragana(norm)
            if form.strip():
                tokens.append(form)
    return tokens


_KANA_RUN = re.compile(r"[\u3041-\u3096\u30a1-\u30fa\u30fcー]{3,}")
_KANA_ONLY = re.compile(r"^[\u3041-\u3096\u30a1-\u30fa\u30fcー\s、。！？!?〜~]+$")


def kana_grams(text: str) -> list[str]:
    """Character bigrams of kana runs, folded to hiragana ("~ぱす", "~すわ", ...).

    Stayers type kana-only ("ぱすわーどおしえて"), which morphological analysis splits
    badly; bigrams still meet the katakana words of the manual (パスワード)."""
    out: list[str] = []
    for run in _KANA_RUN.findall(to_hiragana(unicodedata.normalize("NFKC", text))):
        out.extend("~" + run[i : i + 2] for i in range(len(run) - 1))
    return out


def is_kana_only(text: str) -> bool:
    return bool(_KANA_ONLY.match(text.strip()))


def _to_katakana(text: str) -> str:
    return re.sub(r"[\u3041-\u3096]", lambda m: chr(ord(m.group(0)) + 0x60), text)


def rewrite_kana(text: str, vocabulary: "set[str] | dict[str, object]") -> str:
    return _rewrite(text, vocabulary)[0]


def kana_words(text: str, vocabulary: "set[str] | dict[str, object]") -> list[str]:
    """The corpus words found inside kana-only typing (see rewrite_kana)."""
    return _rewrite(text, vocabulary)[1]


def _rewrite(text: str, vocabulary: "set[str] | dict[str, object]") -> tuple[str, list[str]]:
    """Rewrite kana-only typing with the corpus's own words.

    "ぱすわーどおしえて" contains the indexed word "ぱすわーど" (パスワード folded to
    hiragana); written back in katakana it becomes something both the embedding model
    and the analyser understand: "パスワードおしえて". Longest matches win."""
    folded = to_hiragana(unicodedata.normalize("NFKC", text))
    out, found, i, n = [], [], 0, len(folded)
    while i < n:
        for j in range(min(n, i + 12), i + 2, -1):  # words of 3..12 kana
            piece = folded[i:j]
            if piece in vocabulary and not _is_particle_run(piece):
                out.append(_to_katakana(piece) if "ー" in piece or _looks_loanword(piece) else piece)
                found.append(piece)
                i = j
                break
        else:
            out.append(folded[i])
            i += 1
    return "".join(out), found


def _is_particle_run(piece: str) -> bool:
    return piece in {"ですか", "ますか", "ください", "おしえて", "ありますか"}


def _looks_loanword(piece: str) -> bool:
    # small ぁぃぅぇぉ after a consonant kana, or ゔ, only occur in loanwords
    return bool(re.search(r"[ぁぃぅぇぉゔ]", piece))


def index_tokens(text: str) -> list[str]:
    """What BM25 indexes and searches: words plus kana bigrams."""
    return tokenize(text) + kana_grams(text)


@dataclass
class BM25Index:
    """A small in-memory BM25 (k1=1.2, b=0.75) with numpy postings per term."""

    k1: float = 1.2
    b: float = 0.75
    n_docs: int = 0
    avgdl: float = 1.0
    doc_len: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.float32))
    postings: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)
    idf: dict[str, float] = field(default_factory=dict)

    @classmethod
    def build(cls, docs: list[list[str]]) -> "BM25Index":
        idx = cls()
        idx.n_docs = len(docs)
        idx.doc_len = np.array([len(d) for d in docs], dtype=np.float32)
        idx.avgdl = float(idx.doc_len.mean()) if len(docs) else 1.0
        acc: dict[str, tuple[list[int], list[int]]] = {}
        for i, d in enumerate(docs):
            for term, tf in Counter(d).items():
                ids, tfs = acc.setdefault(term, ([], []))
                ids.append(i)
                tfs.append(tf)
        for term, (ids, tfs) in acc.items():
            idx.postings[term] = (np.array(ids, dtype=np.int32), np.array(tfs, dtype=np.float32))
            df = len(ids)
            idx.idf[term] = math.log(1 + (idx.n_docs - df + 0.5) / (df + 0.5))
        return idx

    def scores(self, query_tokens: list[str]) -> np.ndarray:
        out = np.zeros(self.n_docs, dtype=np.float32)
        norm = self.k1 * (1 - self.b + self.b * self.doc_len / max(self.avgdl, 1e-6))
        for term in set(query_tokens):
            post = self.postings.get(term)
            if post is None:
                continue
            ids, tfs = post
            out[ids] += self.idf[term] * tfs * (self.k1 + 1) / (tfs + norm[ids])
        return out

    def known(self, query_tokens: list[str]) -> list[str]:
        return [t for t in query_tokens if t in self.postings]
