"""The index store: Chroma for vectors, plus a manifest and chunk records on disk.

The only module that imports chromadb. Embedded (PersistentClient under
``<store>/chroma``) by default; with ``CHROMA_HOST`` set, an HttpClient so several bot
processes share one Chroma server. Chunk ids are content-addressed by file hash, and the
manifest lists the file hashes that are live: a query ignores any chunk whose file hash
is not in the manifest, so an ingest that dies halfway never changes what is served.
"""

from __future__ import annotations

import json
import os
import pickle
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

MANIFEST = "manifest.json"
RECORDS = "chunks.pkl"
FORMAT_VERSION = 7  # bump when chunking/metadata change so stores re-ingest


@dataclass
class ChunkRecord:
    """What the lexical index and the answer composer need without asking Chroma."""

    id: str
    text: str
    meta: dict[str, Any]
    tokens: list[str]


@dataclass
class Manifest:
    model: str = ""
    format: int = FORMAT_VERSION
    files: dict[str, dict[str, Any]] = field(default_factory=dict)  # rel -> {hash, kind, chunks}
    fingerprint: str = ""  # cheap stat-based fingerprint of the knowledge folder
    knowledge: str = ""
    updated: str = ""

    def live_hashes(self) -> set[str]:
        return {f["hash"] for f in self.files.values() if f.get("kind") == "doc"}


def write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name + ".", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read_manifest(store: Path) -> Manifest | None:
    try:
        data = json.loads((store / MANIFEST).read_text(encoding="utf-8"))
        return Manifest(**data)
    except (OSError, ValueError, TypeError):
        return None


def write_manifest(store: Path, manifest: Manifest) -> None:
    write_atomic(store / MANIFEST, json.dumps(manifest.__dict__, ensure_ascii=False, indent=1).encode())


def read_records(store: Path) -> list[ChunkRecord]:
    try:
        with open(store / RECORDS, "rb") as fh:
            return pickle.load(fh)
    except (OSError, EOFError, pickle.UnpicklingError):
        return []


def write_records(store: Path, records: list[ChunkRecord]) -> None:
    write_atomic(store / RECORDS, pickle.dumps(records, protocol=pickle.HIGHEST_PROTOCOL))


def collection_name(model_id: str) -> str:
    """One collection per embedding model (vectors of different models never mix)."""
    name = "chunks-" + re.sub(r"[^A-Za-z0-9._-]+", "-", model_id)
    return name[:60].strip("-._") or "chunks"


class VectorStore:
    """A thin wrapper over one Chroma collection (always given our own embeddings)."""

    def __init__(self, store: Path, model_id: str, host: str | None = None, port: int = 8000):
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
        if host:
            self.client = chromadb.HttpClient(host=host, port=port, settings=chroma_settings)
        else:
            (store / "chroma").mkdir(parents=True, exist_ok=True)
            self.client = chromadb.PersistentClient(path=str(store / "chroma"), settings=chroma_settings)
        # embedding_function=None: Chroma's default function would download a model.
        self.collection = self.client.get_or_create_collection(
            collection_name(model_id), embedding_function=None, metadata={"hnsw:space": "cosine"}
        )

    def existing_ids(self, ids: list[str]) -> set[str]:
        found: set[str] = set()
        for i in range(0, len(ids), 5000):
            found.update(self.collection.get(ids=ids[i : i + 5000], include=[])["ids"])
        return found

    def add(self, ids: list[str], vectors: list[list[float]], texts: list[str], metas: list[dict[str, Any]]) -> None:
        step = 2000
        for i in range(0, len(ids), step):
            self.collection.upsert(
                ids=ids[i : i + step],
                embeddings=vectors[i : i + step],
                documents=texts[i : i + step],
                metadatas=metas[i : i + step],
            )

    def delete_except(self, live_ids: set[str]) -> int:
        """Remove every chunk the published records do not list (removed or changed
        files, and chunks of an older index format)."""
        got = self.collection.get(include=[])
        dead = [i for i in got["ids"] if i not in live_ids]
        for i in range(0, len(dead), 5000):
            self.collection.delete(ids=dead[i : i + 5000])
        return len(dead)

    def query(self, vector: list[float], k: int, where: dict[str, Any] | None) -> list[tuple[str, float]]:
        """(chunk id, cosine similarity) best first."""
        res = self.collection.query(query_embeddings=[vector], n_results=k, where=where, include=["distances"])
        ids = res["ids"][0] if res["ids"] else []
        dists = res["distances"][0] if res.get("distances") else []
        return [(i, 1.0 - float(d)) for i, d in zip(ids, dists)]

    def count(self) -> int:
        return self.collection.count()
