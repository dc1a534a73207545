"""Ingest: validate -> chunk -> embed only what changed -> publish atomically.

Order matters for "a failed ingest changes nothing": (1) validate everything and stop on
any problem; (2) embed and upsert chunks of new or changed files (ids are
content-addressed, so these never overwrite live chunks); (3) build transit indexes to
temporary files; (4) publish by atomically replacing the chunk records and then the
manifest; (5) only then delete chunks of removed/changed files. A crash before (4)
leaves the previous manifest, and queries ignore chunks whose file hash it does not list.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from langchain_core.embeddings import Embeddings

from bot.engine.lexical import index_tokens
from ingest.chunking import chunk_sections
from ingest.problems import KnowledgeError, Problem
from ingest.store import (
    FORMAT_VERSION,
    ChunkRecord,
    Manifest,
    VectorStore,
    read_manifest,
    read_records,
    write_manifest,
    write_records,
)
from ingest.validate import Scan, fingerprint, scan_knowledge

log = logging.getLogger(__name__)


@dataclass
class IngestReport:
    ok: bool
    problems: list[Problem] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: int = 0
    sections: int = 0
    chunks_embedded: int = 0
    seconds: float = 0.0

    def summary(self, lang: str = "en") -> str:
        if not self.ok:
            head = "検証エラーのため、前のインデックスのままです：" if lang == "ja" else \
                "Not ingested (the previous index keeps serving):"
            return "\n".join([head] + [str(p) for p in self.problems])
        if not (self.added or self.changed or self.removed):
            return "変更はありません。" if lang == "ja" else f"No changes ({self.unchanged} files unchanged)."
        parts = []
        for label_en, label_ja, items in (("added", "追加", self.added), ("changed", "更新", self.changed),
                                          ("removed", "削除", self.removed)):
            if items:
                label = label_ja if lang == "ja" else label_en
                parts.append(f"{label}: " + ", ".join(items))
        tail = f"({self.chunks_embedded} chunks embedded in {self.seconds:.1f} s)"
        return "\n".join(parts + [tail])


def ingest(
    knowledge_dir: Path | str,
    store_dir: Path | str,
    embeddings: Embeddings,
    *,
    model_id: str,
    chroma_host: str | None = None,
    chroma_port: int = 8000,
    vector_store: VectorStore | None = None,
) -> IngestReport:
    t0 = time.perf_counter()
    root = Path(knowledge_dir).resolve()
    store = Path(store_dir)
    try:
        scan = scan_knowledge(root)
    except KnowledgeError as exc:
        return IngestReport(ok=False, problems=exc.problems)
    if not scan.ok:
        return IngestReport(ok=False, problems=scan.problems, notices=scan.notices)
    return _publish(scan, root, store, embeddings, model_id, chroma_host, chroma_port, vector_store, t0)


def _publish(
    scan: Scan,
    root: Path,
    store: Path,
    embeddings: Embeddings,
    model_id: str,
    chroma_host: str | None,
    chroma_port: int,
    vector_store: VectorStore | None,
    t0: float,
) -> IngestReport:
    store.mkdir(parents=True, exist_ok=True)
    old = read_manifest(store)
    if old is None or old.model != model_id or old.format != FORMAT_VERSION:
        old_files: dict[str, dict] = {}
        old_records: list[ChunkRecord] = []
    else:
        old_files = old.files
        old_records = read_records(store)
    vs = vector_store or VectorStore(store, model_id, chroma_host, chroma_port)
    kept_by_hash: dict[str, list[ChunkRecord]] = {}
    for rec in old_records:
        kept_by_hash.setdefault(rec.meta["file_hash"], []).append(rec)

    report = IngestReport(ok=True, notices=scan.notices)
    records: list[ChunkRecord] = []
    files: dict[str, dict] = {}
    new_chunks = []
    for doc in scan.docs:
        prev = old_files.get(doc.rel)
        report.sections += len(doc.sections)
        title = doc.sections[0].meta.title if doc.sections else doc.rel
        if prev and prev["hash"] == doc.hash and doc.hash in kept_by_hash:
            records.extend(kept_by_hash[doc.hash])
            report.unchanged += 1
        else:
            (report.changed if prev else report.added).append(doc.rel)
            chunks = chunk_sections(doc.sections, file_hash=doc.hash, scope=doc.scope, house=doc.house,
                                    area=doc.area, title=title)
            new_chunks.extend(chunks)
            records.extend(ChunkRecord(c.id, c.text, c.metadata, index_tokens(c.embed_text)) for c in chunks)
        files[doc.rel] = {"hash": doc.hash, "kind": "doc", "sections": len(doc.sections)}

    if new_chunks:
        # Chunks may exist already (e.g. a file renamed back); skip re-embedding those.
        present = vs.existing_ids([c.id for c in new_chunks])
        todo = [c for c in new_chunks if c.id not in present]
        if todo:
            vectors = embeddings.embed_documents([c.embed_text for c in todo])
            vs.add([c.id for c in todo], vectors, [c.text for c in todo], [c.metadata for c in todo])
        report.chunks_embedded = len(todo)

    for data in scan.data:
        prev = old_files.get(data.rel)
        if data.kind == "gtfs" and (prev is None or prev["hash"] != data.hash or not _transit_index(store, data.area).exists()):
            _build_transit(data.path, _transit_index(store, data.area), report)
        if prev is None:
            report.added.append(data.rel)
        elif prev["hash"] != data.hash:
            report.changed.append(data.rel)
        else:
            report.unchanged += 1
        # Data files carry no chunks; their hash is recorded for change reports only.
        files[data.rel] = {"hash": data.hash, "kind": data.kind, "area": data.area}

    report.removed = sorted(set(old_files) - set(files))
    manifest = Manifest(model=model_id, files=files, fingerprint=fingerprint(root), knowledge=str(root),
                        updated=datetime.now(timezone.utc).isoformat(timespec="seconds"))
    write_records(store, records)
    write_manifest(store, manifest)
    if report.added or report.changed or report.removed:
        vs.delete_except({r.id for r in records})
    report.seconds = time.perf_counter() - t0
    log.info("ingest: %d added, %d changed, %d removed, %d unchanged, %d chunks embedded in %.2fs",
             len(report.added), len(report.changed), len(report.removed), report.unchanged,
             report.chunks_embedded, report.seconds)
    return report


def _transit_index(store: Path, area_id: str) -> Path:
    return store / "transit" / f"{area_id}.sqlite"


def _build_transit(feed: Path, out: Path, report: IngestReport) -> None:
    try:
        from ingest.timetables import build_index
    except ImportError:
        return
    out.parent.mkdir(parents=True, exist_ok=True)
    build_index(feed, out)


def is_stale(knowledge_dir: Path, store_dir: Path, model_id: str) -> bool:
    """True when the store is missing, built by another model/format, or the folder changed."""
    m = read_manifest(Path(store_dir))
    if m is None or m.model != model_id or m.format != FORMAT_VERSION:
        return True
    return m.fingerprint != fingerprint(Path(knowledge_dir).resolve())
