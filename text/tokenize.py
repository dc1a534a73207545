"""The lexical side of hybrid retrieval: BM25 over normalised Japanese morphemes.

Why not surface forms: stayers type 「ゴミ」「ごみ」, 「出せる」「出す」, kana-only words
and particles; BM25 over raw surfaces rewards particle and spelling matches, which is
what made plain fusion hurt. Here Japanese words become SudachiPy normalised dictionary
forms folded to hiragana, function words are dropped, and ASCII words are lower-cased
and stemmed (Snowball). Measured against fugashi surfaces in bench/ (see README).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Container

from text.english import EVERYDAY_VERBS, PHRASAL_PARTICLES, RETRIEVAL_STOP, stem
from text.normalize import LOOKALIKES, to_hiragana, to_katakana
from text.sudachi import morphemes

_EVERYDAY_STEMS = frozenset(stem(w) for w in EVERYDAY_VERBS)
_DROP_POS = {"助詞", "助動詞", "補助記号", "空白", "記号", "接頭辞", "接尾辞", "感動詞", "代名詞"}
_ASCII_WORD = re.compile(r"[a-z0-9]+(?:[-'][a-z0-9]+)*")
# Interrogatives and light verbs: every question has them, no answer depends on them.
_JA_STOP = set(
    """何 何時 何処 どう どの どこ どれ どちら いつ 誰 幾ら 幾つ 如何 遣る 為る 有る 居る 成る 良い 教える
    仕舞う 出来る 下さい 呉れる 貰う 言う 思う 分かる 知る 所 事 物 方 時 其の 此の 彼の 其れ 此れ の ん""".split()
)


#: (index token, SudachiDict synonym group ids) of a text's nouns that belong to a group
Synonyms = list[tuple[str, tuple[int, ...]]]


def tokenize(text: str) -> list[str]:
    """Normalised content tokens of mixed Japanese/English text."""
    return _tokens(text, topic_only=False)


def topic_words(text: str) -> list[str]:
    """The tokens that name what a question is about: Japanese nouns, English words that
    are not everyday verbs. A question about a gym is unanswerable when no page mentions
    a gym; one that uses a verb no page happens to use (溜める, 捨てる) is not."""
    return _tokens(text, topic_only=True)


def _tokens(text: str, topic_only: bool, synonyms: Synonyms | None = None) -> list[str]:
    text = unicodedata.normalize("NFKC", text).lower().translate(LOOKALIKES)
    tokens: list[str] = []
    # ASCII words are handled here; Sudachi would turn "what" into katakana.
    words = [_uncontracted(w) for w in _ASCII_WORD.findall(text)]
    for i, w in enumerate(words):
        if w not in RETRIEVAL_STOP and (len(w) > 1 or w.isdigit()) and not (
                topic_only and _says_what_to_do(w) and not _names_a_thing(w, words[i + 1:i + 2])):
            tokens.append(stem(w.replace("-", "")))  # "wi-fi" = "wifi"
    rest = _ASCII_WORD.sub(" ", text)
    if rest.strip(" ?!.,:;()[]/-\n\t"):
        for m in morphemes(rest[:20000], "B"):
            pos = m.part_of_speech()[0]
            if pos in _DROP_POS or (topic_only and pos != "名詞"):
                continue
            norm = m.normalized_form()
            if norm in _JA_STOP or m.dictionary_form() in _JA_STOP:
                continue
            form = to_hiragana(norm)
            if form.strip():
                tokens.append(form)
                if synonyms is not None and pos == "名詞" and (groups := m.synonym_group_ids()):
                    synonyms.append((form, tuple(groups)))
    return tokens


def synonym_groups(text: str) -> Synonyms:
    """(index token, SudachiDict synonym group ids) of the Japanese nouns of ``text`` that
    belong to a group: 「チャリ」 and 「自転車」 share one, as do 「知り合い」 and 「知人」."""
    synonyms: Synonyms = []
    _tokens(text, topic_only=False, synonyms=synonyms)
    return synonyms


_CONTRACTION = re.compile(r"^([a-z]+)'(?:s|re|ve|ll|d|m)$")


def _uncontracted(word: str) -> str:
    """A word without its contraction or possessive ("we're" -> "we", "host's" -> "host"):
    "we're locked out" had "we'r" as a topic no page has."""
    m = _CONTRACTION.match(word)
    return m.group(1) if m else word


def _names_a_thing(word: str, after: list[str]) -> bool:
    """An everyday verb's -ing form before a noun names a thing ("washing machine"), unlike
    one before a particle or an adverb ("keeps cutting off", "stopped working properly")."""
    if not word.endswith("ing") or not after:
        return False
    nxt = after[0]
    return not (nxt in RETRIEVAL_STOP or nxt in PHRASAL_PARTICLES or nxt.endswith("ly") or _says_what_to_do(nxt))


def _says_what_to_do(word: str) -> bool:
    """An everyday verb in any form ("keeps", "went") or a phrasal verb's particle ("out")."""
    return word in EVERYDAY_VERBS or word in PHRASAL_PARTICLES or stem(word) in _EVERYDAY_STEMS


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
    """True for text typed in kana only ("ぱすわーどおしえて?")."""
    return bool(_KANA_ONLY.match(text.strip()))


def rewrite_kana(text: str, vocabulary: Container[str]) -> str:
    """Kana-only typing with the corpus words found in it written as the corpus writes them."""
    return _rewrite(text, vocabulary)[0]


_HIRAGANA_LOAN_RUN = re.compile(r"[\u3041-\u3096ー]*(?:ー|[ぁぃぅぇぉゔ])[\u3041-\u3096ー]*")


def rewrite_loanwords(text: str, vocabulary: Container[str]) -> str:
    """Loanwords typed in hiragana inside other text, in katakana when the corpus has them:
    「ぷりんたー使える？」 -> 「プリンター使える？」. A long-vowel mark or a small vowel kana
    only occurs in loanwords, so only such runs are touched (other hiragana cannot be cut
    reliably, see rewrite_kana)."""
    return _HIRAGANA_LOAN_RUN.sub(lambda m: _loan_rewrite(m.group(0), vocabulary), text)


def _is_loan(piece: str) -> bool:
    return "ー" in piece or _looks_loanword(piece)


def _loan_rewrite(run: str, vocabulary: Container[str]) -> str:
    return "".join(to_katakana(run[i:j]) if word else run[i:j]
                   for i, j, word in _corpus_words(run, vocabulary, _is_loan))


def _corpus_words(folded: str, vocabulary: Container[str],
                  accept: Callable[[str], bool]) -> list[tuple[int, int, bool]]:
    """``folded`` cut into (start, end, is_word) spans, left to right: the longest corpus
    word of 3..12 kana that ``accept`` allows, else one character."""
    spans: list[tuple[int, int, bool]] = []
    i, n = 0, len(folded)
    while i < n:
        for j in range(min(n, i + 12), i + 2, -1):
            if folded[i:j] in vocabulary and accept(folded[i:j]):
                spans.append((i, j, True))
                i = j
                break
        else:
            spans.append((i, i + 1, False))
            i += 1
    return spans


def kana_words(text: str, vocabulary: Container[str]) -> list[str]:
    """The corpus words found inside kana-only typing (see rewrite_kana)."""
    return _rewrite(text, vocabulary)[1]


_KATAKANA_WORD = re.compile(r"[\u30a1-\u30fa][\u30a1-\u30fa\u30fc]+")


def kana_topic_words(text: str, vocabulary: Container[str]) -> list[str]:
    """What kana-only typing is about: the corpus words in it (kana_words) and every
    katakana word, known or not (folded like tokenize's). A katakana run is a loanword
    noun as typed ("ジムある？"), so a gym no page mentions still counts as a topic;
    hiragana runs cannot be cut reliably and only count when the corpus has them."""
    loan = [to_hiragana(w) for w in _KATAKANA_WORD.findall(unicodedata.normalize("NFKC", text))]
    return list(dict.fromkeys([*kana_words(text, vocabulary), *loan]))


def _rewrite(text: str, vocabulary: Container[str]) -> tuple[str, list[str]]:
    """Rewrite kana-only typing with the corpus's own words.

    "ぱすわーどおしえて" contains the indexed word "ぱすわーど" (パスワード folded to
    hiragana); written back in katakana it becomes something both the embedding model
    and the analyser understand: "パスワードおしえて". Longest matches win."""
    typed = unicodedata.normalize("NFKC", text)
    folded = to_hiragana(typed)  # same length: to_hiragana maps one character to one
    out: list[str] = []
    found: list[str] = []
    for i, j, word in _corpus_words(folded, vocabulary, lambda piece: not _is_particle_run(piece)):
        piece, as_typed = folded[i:j], typed[i:j]
        if not word:
            out.append(as_typed)  # as typed: "ジム" stays katakana, for the model and the topic words
            continue
        found.append(piece)
        if _KATAKANA_WORD.search(as_typed):  # "テレビで…": the stayer's katakana stays
            out.append(as_typed)
        else:
            out.append(to_katakana(piece) if "ー" in piece or _looks_loanword(piece) else piece)
    return "".join(out), found


def _is_particle_run(piece: str) -> bool:
    return piece in {"ですか", "ますか", "ください", "おしえて", "ありますか"}


def _looks_loanword(piece: str) -> bool:
    # small ぁぃぅぇぉ after a consonant kana, or ゔ, only occur in loanwords
    return bool(re.search(r"[ぁぃぅぇぉゔ]", piece))


def index_tokens(text: str) -> list[str]:
    """What BM25 indexes and searches: words plus kana bigrams."""
    return tokenize(text) + kana_grams(text)


def index_tokens_and_synonyms(text: str) -> tuple[list[str], Synonyms]:
    """:func:`index_tokens` and, from the same analysis, :func:`synonym_groups` (nouns)."""
    synonyms: Synonyms = []
    return _tokens(text, topic_only=False, synonyms=synonyms) + kana_grams(text), synonyms


_KATAKANA_RUN = re.compile(r"[\u30a1-\u30fa\u30fc]{3,}")


def katakana_words(text: str) -> list[str]:
    """The index tokens of the katakana words of ``text`` (three characters or more)."""
    out: list[str] = []
    for run in _KATAKANA_RUN.findall(unicodedata.normalize("NFKC", text)):
        out.extend(t for t in tokenize(run) if t not in out)
    return out
