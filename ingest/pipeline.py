"""Ingest: validate -> chunk -> embed only what changed -> publish atomically.

Order matters for "a failed ingest changes nothing": (1) validate everything and stop on
any problem; (2) embed and upsert chunks of new or changed files (ids are
content-addressed, so these never overwrite live chunks); (3) build transit indexes to
temporary files; (4) write the chunk records and their lexical index to a new snapshot
file, then publish by atomically replacing the manifest that names it; (5) only then
delete chunks of removed/changed files and the old snapshot. A crash before (4) leaves
the previous manifest and its snapshot, and queries ignore chunks whose file hash it
does not list. An untouched folder (same stat fingerprint) is not read at all.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from langchain_core.embeddings import Embeddings

from ingest.problems import KnowledgeError, Problem
from ingest.retrieval.chunking import chunk_sections
from ingest.retrieval.lexical import BM25Index
from ingest.retrieval.store import (
    FORMAT_VERSION,
    ChunkRecord,
    Manifest,
    Snapshot,
    VectorStore,
    private_tree,
    read_manifest,
    read_published,
    remove_snapshots_except,
    scope_key,
    write_manifest,
    write_snapshot,
)
from ingest.retrieval.synonyms import synonym_table
from ingest.retrieval.units import assemble_units
from ingest.retrieval.wordvectors import build_word_vectors, english_vocabulary
from ingest.transit.schema import index_path
from ingest.transit.timetables import build_index
from ingest.validate import Scan, fingerprint, scan_knowledge
from text.loanwords import english_words, transliterate
from text.tokenize import index_tokens_and_synonyms

log = logging.getLogger(__name__)

#: ``progress(done, total)``: sections (chunks) embedded so far out of those this ingest embeds.
Progress = Callable[[int, int], None]
#: ``publish(manifest, store, knowledge_root)``: called before the manifest is replaced.
Publish = Callable[[Manifest, Path, Path], object]
#: Chunks embedded per call when progress is reported (one call otherwise).
PROGRESS_BATCH = 64


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
    progress: Progress | None = None,
    publish: Publish | None = None,
) -> IngestReport:
    """``progress``, when given, is called with (embedded, total) as embedding goes on.
    ``publish``, when given, is called with the new manifest just before it replaces the
    local one (e.g. to publish the snapshot to every host); if it raises, nothing changes."""
    t0 = time.perf_counter()
    root = Path(knowledge_dir).resolve()
    store = Path(store_dir)
    fp = fingerprint(root)  # taken before reading, so an edit made during ingest is seen next time
    current = _current(store, model_id, fp)
    if current is not None:  # nothing touched since the last ingest: no need to read anything
        return IngestReport(ok=True, unchanged=len(current.files), seconds=time.perf_counter() - t0,
                            sections=sum(f.get("sections", 0) for f in current.files.values()))
    try:
        scan = scan_knowledge(root)
    except KnowledgeError as exc:
        return IngestReport(ok=False, problems=exc.problems)
    if not scan.ok:
        return IngestReport(ok=False, problems=scan.problems, notices=scan.notices)
    return _publish(scan, root, store, embeddings, model_id, chroma_host, chroma_port, vector_store, t0, fp,
                    progress, publish)


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
    fp: str,
    progress: Progress | None = None,
    publish: Publish | None = None,
) -> IngestReport:
    store.mkdir(parents=True, exist_ok=True)
    old, old_snapshot = read_published(store)
    if old is None or old.model != model_id or old.format != FORMAT_VERSION:
        old_files: dict[str, dict[str, Any]] = {}
        old_records: list[ChunkRecord] = []
    else:
        old_files = old.files
        old_records = old_snapshot.records
    vs = vector_store or VectorStore(store, model_id, chroma_host, chroma_port)
    # By path and hash: two houses may hold identical files, and each keeps its own chunks.
    kept: dict[tuple[str, str], list[ChunkRecord]] = {}
    for rec in old_records:
        kept.setdefault((rec.meta["path"], rec.meta["file_hash"]), []).append(rec)

    report = IngestReport(ok=True, notices=scan.notices)
    records: list[ChunkRecord] = []
    files: dict[str, dict[str, Any]] = {}
    new_chunks = []
    for doc in scan.docs:
        prev = old_files.get(doc.rel)
        report.sections += len(doc.sections)
        title = doc.sections[0].meta.title if doc.sections else doc.rel
        if prev and prev["hash"] == doc.hash and (doc.rel, doc.hash) in kept:
            records.extend(kept[(doc.rel, doc.hash)])
            report.unchanged += 1
        else:
            (report.changed if prev else report.added).append(doc.rel)
            chunks = chunk_sections(doc.sections, file_hash=doc.hash, scope=doc.scope, house=doc.house,
                                    area=doc.area, title=title)
            new_chunks.extend(chunks)
            for c in chunks:
                tokens, synonyms = index_tokens_and_synonyms(c.embed_text)
                records.append(ChunkRecord.make(c.id, c.text, c.metadata, tokens, synonyms))
        files[doc.rel] = {"hash": doc.hash, "kind": "doc", "sections": len(doc.sections)}

    if new_chunks:
        # Chunks may exist already (e.g. a file renamed back); skip re-embedding those.
        present = vs.existing_ids([c.id for c in new_chunks], [scope_key(c.metadata) for c in new_chunks])
        todo = [c for c in new_chunks if c.id not in present]
        if todo:
            vectors = _embed(embeddings, [c.embed_text for c in todo], progress)
            vs.add([c.id for c in todo], vectors, [c.text for c in todo], [c.metadata for c in todo])
        report.chunks_embedded = len(todo)

    for data in scan.data:
        prev = old_files.get(data.rel)
        out = index_path(store, data.area)
        if data.kind == "gtfs" and (prev is None or prev["hash"] != data.hash or not out.exists()):
            _build_transit(data.path, out, report)
        if prev is None:
            report.added.append(data.rel)
        elif prev["hash"] != data.hash:
            report.changed.append(data.rel)
        else:
            report.unchanged += 1
        # Data files carry no chunks; their hash is recorded for change reports only.
        files[data.rel] = {"hash": data.hash, "kind": data.kind, "area": data.area}

    report.removed = sorted(set(old_files) - set(files))
    units = assemble_units(records, old_snapshot if old_records else None, new_chunks,
                           embeddings.embed_documents)
    english = (w for r in records if r.meta["lang"] == "en" for w in english_words(r.text))
    loanwords = transliterate(english, old_snapshot.loanwords if old_records else None)  # same format only
    lexical = BM25Index.build([r.tokens for r in records])
    words = build_word_vectors(english_vocabulary(lexical.vocab), embeddings.embed_documents,
                               old_snapshot.words if old_records else None)  # same model only
    snapshot = write_snapshot(store, Snapshot(records, lexical, units, loanwords, words, synonym_table(records)))
    manifest = Manifest(model=model_id, files=files, fingerprint=fp, knowledge=str(root),
                        updated=datetime.now(UTC).isoformat(timespec="seconds"), records=snapshot)
    if publish is not None:
        try:
            publish(manifest, store, root)
        except Exception as exc:  # the database is down, the disk is full...: nothing changes
            (store / snapshot).unlink(missing_ok=True)
            log.error("ingest: the snapshot could not be published (%s); the previous one keeps serving", exc)
            return IngestReport(ok=False, notices=scan.notices, problems=[
                Problem(".", 0, f"the snapshot could not be published ({exc}); the previous one keeps serving")])
    write_manifest(store, manifest)  # the publishing step
    remove_snapshots_except(store, snapshot)
    if report.added or report.changed or report.removed:
        # Other hosts serve the previous snapshot until they have copied this one (a second
        # at most): its chunks stay in the shared vector store until the next publish.
        live = records + (old_records if publish is not None else [])
        touched: set[str] | None = None
        if publish is None and old_records:
            # Only collections whose records changed can hold dead chunks. (With a shared
            # store, the previous publish's chunks are removed now, wherever they were.)
            new_ids, old_ids = {r.id for r in records}, {r.id for r in old_records}
            touched = {r.scope_key for r in records if r.id not in old_ids}
            touched |= {r.scope_key for r in old_records if r.id not in new_ids}
        vs.delete_except([r.id for r in live], [r.scope_key for r in live], only=touched)
    private_tree(store)  # staff-only text: files 0600, folders 0700 (Chroma and SQLite make 0644)
    report.seconds = time.perf_counter() - t0
    log.info("ingest: %d added, %d changed, %d removed, %d unchanged, %d chunks embedded in %.2fs",
             len(report.added), len(report.changed), len(report.removed), report.unchanged,
             report.chunks_embedded, report.seconds)
    return report


def _embed(embeddings: Embeddings, texts: list[str], progress: Progress | None) -> list[list[float]]:
    """One call without ``progress``; batches with a report after each one with it."""
    if progress is None:
        return embeddings.embed_documents(texts)
    vectors: list[list[float]] = []
    progress(0, len(texts))
    for start in range(0, len(texts), PROGRESS_BATCH):
        vectors.extend(embeddings.embed_documents(texts[start:start + PROGRESS_BATCH]))
        progress(len(vectors), len(texts))
    return vectors


def _current(store: Path, model_id: str, fp: str) -> Manifest | None:
    """The published manifest when the index is complete and built from the folder as it
    is now (same stat fingerprint, model and index format); otherwise None.

    Only a successful ingest writes a manifest, so a match means every file was read and
    validated as it is now; re-parsing 50,000 sections to learn that cost ~5 s."""
    m = read_manifest(store)
    if m is None or m.model != model_id or m.format != FORMAT_VERSION or m.fingerprint != fp:
        return None
    if not (store / m.records).exists():
        return None
    for f in m.files.values():
        if f.get("kind") == "gtfs" and not index_path(store, f["area"]).exists():
            return None
    return m




def _build_transit(feed: Path, out: Path, report: IngestReport) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    build_index(feed, out)


def is_stale(knowledge_dir: Path, store_dir: Path, model_id: str) -> bool:
    """True when the store is missing or incomplete, built by another model/format, or the
    folder changed: the same test ingest uses to skip reading an untouched folder."""
    return _current(Path(store_dir), model_id, fingerprint(Path(knowledge_dir).resolve())) is None
