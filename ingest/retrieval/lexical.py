"""The stored lexical index: BM25 postings in numpy arrays, built at ingest.

It knows nothing of tokenisation: ingest hands it token lists (``text.tokenize.index_tokens``)
and the retriever scores query tokens made by the same function. Keeping it free of
answering code means the published snapshot does not depend on ``bot``.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import numpy as np


@dataclass
class BM25Index:
    """BM25 (k1=1.2, b=0.75) held in numpy arrays, built at ingest and stored with the records.

    Why arrays: at 50,000 sections a dict of per-term lists cost ~4 s to build at every
    start and hundreds of MB of Python objects. Here postings are one CSR matrix
    (term -> docs), so loading is a memory copy and scoring one query is a few slices.
    """

    k1: float = 1.2
    b: float = 0.75
    n_docs: int = 0
    avgdl: float = 1.0
    vocab: dict[str, int] = field(default_factory=dict)  # term -> row of the postings matrix
    doc_len: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.float32))
    term_ptr: np.ndarray = field(default_factory=lambda: np.zeros(1, dtype=np.int64))
    post_docs: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int32))
    post_tf: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.float32))
    idf_arr: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.float32))

    @classmethod
    def build(cls, docs: list[list[str]]) -> BM25Index:
        idx = cls()
        idx.n_docs = len(docs)
        idx.doc_len = np.array([len(d) for d in docs], dtype=np.float32)
        idx.avgdl = float(idx.doc_len.mean()) if len(docs) else 1.0
        vocab: dict[str, int] = {}
        term_ids: list[int] = []
        doc_ids: list[int] = []
        tfs: list[int] = []
        for i, d in enumerate(docs):
            for term, tf in Counter(d).items():
                term_ids.append(vocab.setdefault(term, len(vocab)))
                doc_ids.append(i)
                tfs.append(tf)
        t = np.array(term_ids, dtype=np.int32)
        order = np.argsort(t, kind="stable")  # term-major, docs ascending within a term
        df = np.bincount(t, minlength=len(vocab))
        idx.vocab = vocab
        idx.term_ptr = np.concatenate([[0], np.cumsum(df)]).astype(np.int64)
        idx.post_docs = np.array(doc_ids, dtype=np.int32)[order]
        idx.post_tf = np.array(tfs, dtype=np.float32)[order]
        idx.idf_arr = np.log(1 + (idx.n_docs - df + 0.5) / (df + 0.5)).astype(np.float32)
        return idx

    def __contains__(self, term: object) -> bool:
        return term in self.vocab

    def docs_with(self, term: str) -> np.ndarray:
        """Indices of the documents containing ``term`` (empty when unknown)."""
        row = self.vocab.get(term)
        if row is None:
            return self.post_docs[:0]
        return self.post_docs[self.term_ptr[row] : self.term_ptr[row + 1]]

    def idf(self, term: str, default: float) -> float:
        row = self.vocab.get(term)
        return default if row is None else float(self.idf_arr[row])

    def scores(self, query_tokens: list[str]) -> np.ndarray:
        out = np.zeros(self.n_docs, dtype=np.float32)
        rows = [r for r in (self.vocab.get(t) for t in set(query_tokens)) if r is not None]
        if not rows:
            return out
        norm = self.k1 * (1 - self.b + self.b * self.doc_len / max(self.avgdl, 1e-6))
        for row in rows:
            a, z = self.term_ptr[row], self.term_ptr[row + 1]
            ids, tfs = self.post_docs[a:z], self.post_tf[a:z]
            out[ids] += self.idf_arr[row] * tfs * (self.k1 + 1) / (tfs + norm[ids])
        return out

    def known(self, query_tokens: list[str]) -> list[str]:
        return [t for t in query_tokens if t in self.vocab]
