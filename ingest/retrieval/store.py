"""The index store: Chroma for vectors, plus a manifest and chunk records on disk.

The only module that imports chromadb. Embedded (PersistentClient under
``<store>/chroma``) by default; with ``CHROMA_HOST`` set, an HttpClient so several bot
processes share one Chroma server. Chunk ids are content-addressed by file hash, and the
manifest names the snapshot of published chunk records: a query ignores any chunk those
records do not list, so an ingest that dies halfway never changes what is served.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import pickle
import re
import stat
import tempfile
import threading
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from ingest.retrieval.lexical import BM25Index
from ingest.retrieval.units import UnitVectors
from ingest.retrieval.wordvectors import WordVectors

os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

log = logging.getLogger(__name__)

T = TypeVar("T")

MANIFEST = "manifest.json"
RECORDS = "chunks.pkl"  # name before format 8; now chunks-<id>.pkl named by the manifest
FORMAT_VERSION = 26  # bump when chunking/metadata/pickled classes change so stores re-ingest


TOKEN_SEP = "\x1f"
#: Chunk vectors a store remembers (about 2 kB each).
VECTOR_CACHE = 8192


@dataclass
class ChunkRecord:
    """What the lexical index and the answer composer need without asking Chroma.

    The lexical tokens are kept as one joined string: at 50,000 chunks a list of ~100
    token objects per chunk was most of the serving process's memory and load time."""

    id: str
    text: str
    meta: dict[str, Any]
    token_text: str = ""
    #: its nouns' SudachiDict synonym groups, "token:group,group" joined like the tokens
    #: (ingest.retrieval.synonyms)
    synonym_text: str = ""

    @classmethod
    def make(cls, id: str, text: str, meta: dict[str, Any], tokens: list[str],
             synonyms: Sequence[tuple[str, tuple[int, ...]]] = ()) -> ChunkRecord:
        pairs = TOKEN_SEP.join(f"{t}:{','.join(map(str, g))}" for t, g in dict.fromkeys(synonyms))
        return cls(id, text, meta, TOKEN_SEP.join(tokens), pairs)

    @property
    def synonyms(self) -> list[tuple[str, tuple[int, ...]]]:
        out = []
        for pair in self.synonym_text.split(TOKEN_SEP) if self.synonym_text else []:
            token, _, groups = pair.rpartition(":")
            out.append((token, tuple(int(g) for g in groups.split(","))))
        return out

    @property
    def tokens(self) -> list[str]:
        return self.token_text.split(TOKEN_SEP) if self.token_text else []

    @property
    def scope_key(self) -> str:
        return scope_key(self.meta)


def house_key(house_id: str) -> str:
    return f"house:{house_id}"


def area_key(area_id: str) -> str:
    return f"area:{area_id}"


def scope_key(meta: dict[str, Any]) -> str:
    """Which Chroma collection a chunk lives in: its house's, or its area's."""
    return house_key(meta["house"]) if meta["scope"] == "house" else area_key(meta["area"])


@dataclass
class Snapshot:
    """The published chunk records and the lexical index built over them, in one file so
    the two can never disagree (both are replaced by one atomic rename)."""

    records: list[ChunkRecord] = field(default_factory=list)
    lexical: BM25Index | None = None  # ingest.retrieval.lexical.BM25Index over records[i].tokens
    units: UnitVectors | None = None  # line vectors of the records (ingest.retrieval.units)
    #: {English word of an English record: its katakana's index tokens, joined}
    #: (text.loanwords.transliterate)
    loanwords: dict[str, str] | None = None
    #: vectors of the index's English words (ingest.retrieval.wordvectors)
    words: WordVectors | None = None
    #: {SudachiDict synonym group: the index tokens of the records' nouns in it}
    #: (ingest.retrieval.synonyms)
    synonyms: dict[int, list[str]] | None = None


@dataclass
class Manifest:
    model: str = ""
    format: int = FORMAT_VERSION
    files: dict[str, dict[str, Any]] = field(default_factory=dict)  # rel -> {hash, kind, chunks}
    fingerprint: str = ""  # cheap stat-based fingerprint of the knowledge folder
    knowledge: str = ""
    updated: str = ""
    records: str = RECORDS  # the snapshot file this manifest publishes


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


def read_snapshot(store: Path, name: str = RECORDS) -> Snapshot:
    """The records and lexical index of one snapshot file; empty when missing or old."""
    try:
        with open(store / name, "rb") as fh:
            snap = pickle.load(fh)
    except (OSError, EOFError, pickle.UnpicklingError, AttributeError, TypeError):
        return Snapshot()
    return snap if isinstance(snap, Snapshot) else Snapshot()


def read_published(store: Path) -> tuple[Manifest | None, Snapshot]:
    """The manifest and the snapshot it names, read as one.

    Another process may publish between the two reads and remove the snapshot we were
    about to open; then the newer manifest is read once more."""
    for _ in range(3):
        manifest = read_manifest(store)
        if manifest is None:
            return None, Snapshot()
        snap = read_snapshot(store, manifest.records)
        if snap.lexical is not None:  # every published snapshot has its index
            return manifest, snap
    return manifest, Snapshot()


def write_snapshot(store: Path, snapshot: Snapshot) -> str:
    """Write a new snapshot file under a fresh name and return the name.

    Publishing is then one atomic step: replacing the manifest that names it. A crash
    before that leaves the previous manifest and its own snapshot file untouched."""
    name = f"chunks-{uuid.uuid4().hex[:12]}.pkl"
    write_atomic(store / name, pickle.dumps(snapshot, protocol=pickle.HIGHEST_PROTOCOL))
    return name


def remove_snapshots_except(store: Path, keep: str) -> None:
    """Delete snapshot files no manifest names any more (after publishing)."""
    for p in list(store.glob("chunks-*.pkl")) + [store / RECORDS]:
        if p.name != keep:
            p.unlink(missing_ok=True)


def collection_name(model_id: str) -> str:
    """The single collection of index formats before 8 (removed when found)."""
    name = "chunks-" + re.sub(r"[^A-Za-z0-9._-]+", "-", model_id)
    return name[:60].strip("-._") or "chunks"


def scope_collection_name(model_id: str, key: str) -> str:
    """One collection per (embedding model, house or area): vectors of different models
    never mix, and a question searches only its house's and area's collections.
    Chroma names are 3-63 characters; a hash keeps truncated names apart."""
    digest = hashlib.sha1(f"{model_id}\0{key}".encode()).hexdigest()[:10]
    slug = re.sub(r"[^A-Za-z0-9]+", "-", key).strip("-")[:44]
    return f"sc-{digest}-{slug}".strip("-._")


class StoreUnavailable(RuntimeError):
    """The vector store cannot be reached or read (Chroma server down, store folder gone).

    Distinct from "no such collection" (a house without documents): the engine turns this
    into an honest "cannot look this up right now" instead of "I don't know"."""

    dependency = "vector_store"


#: Seconds a call to a Chroma server may take (chromadb's own client waits forever).
CHROMA_CONNECT_SECONDS = 2.0
CHROMA_CALL_SECONDS = 15.0


class VectorStore:
    """Chroma, one collection per house and per area (always given our own embeddings).

    Why not one collection with a metadata filter: Chroma evaluates ``where`` over its
    metadata tables, ~50 ms per condition at 50,000 chunks (our scope filter took ~270 ms
    a query). Season, validity and audience are checked by the caller against its own
    records instead, asking for as many extra results as it knows are excluded.

    The client is made on first use and again after a failure, so a process started while
    the Chroma server is down serves as soon as it is back. Any failure other than a
    missing collection is raised as :class:`StoreUnavailable`. An embedded store on a
    read-only disk is served from a private copy of its ``chroma`` folder (Chroma opens
    its SQLite file for writing even to read).
    """

    def __init__(self, store: Path, model_id: str, host: str | None = None, port: int = 8000):
        self.store = Path(store)
        self.host = host
        self.port = port
        self.model_id = model_id
        self._client: Any = None
        self._cols: dict[str, Any] = {}
        self._lock = threading.Lock()
        # Chunk ids are content-addressed and a store serves one model, so a chunk's vector
        # never changes: remembered, a lexical-only candidate costs no Chroma call (with a
        # Chroma server that call was a third of the answer's round trips).
        self._vectors: dict[str, Any] = {}
        self._client_lock = threading.Lock()
        self.copied_from: Path | None = None  # the read-only folder a private copy was made of

    @property
    def client(self) -> Any:
        client = self._client
        if client is not None:
            return client
        with self._client_lock:
            if self._client is None:
                try:
                    self._client = self._connect()
                except Exception as exc:  # chromadb raises many kinds
                    raise StoreUnavailable(f"{self.describe()}: {_reason(exc)}") from exc
            return self._client

    def describe(self) -> str:
        return f"Chroma server {self.host}:{self.port}" if self.host else f"embedded Chroma in {self.store / 'chroma'}"

    def _connect(self) -> Any:
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
        if self.host:
            client = chromadb.HttpClient(host=self.host, port=self.port, settings=chroma_settings)
            _bound_http_calls(client)
            return client
        folder = self.store / "chroma"
        if not writable(folder):
            folder = self._private_copy(folder)
        else:
            private_dir(self.store)
            private_dir(folder)
        return chromadb.PersistentClient(path=str(folder), settings=chroma_settings)

    def _private_copy(self, folder: Path) -> Path:
        """A writable copy of a read-only embedded store, removed when the process ends."""
        import atexit
        import shutil

        tmp = Path(tempfile.mkdtemp(prefix="concierge-chroma-ro-"))
        atexit.register(shutil.rmtree, tmp, True)
        shutil.copytree(folder, tmp / "chroma")
        self.copied_from = folder
        log.info("store %s is read-only: serving its vectors from a private copy", self.store)
        return tmp / "chroma"

    def reset(self) -> None:
        """Forget the client and collection handles after a failure: the next call
        connects afresh (an embedded store is read again from disk)."""
        with self._client_lock:
            old, self._client = self._client, None
        with self._lock:
            self._cols.clear()
        if old is not None and not self.host:
            _forget_shared_system(old)

    def reopen(self) -> None:
        """Read an embedded store afresh after another process published into it.

        Embedded Chroma keeps each collection's index in the memory of the process that
        opened it and never looks at the disk again: after a ``concierge ingest`` or another
        worker's ``/reload`` it answered from the old index, or failed ("Error finding id")
        on chunks that ingest had deleted. A Chroma server needs nothing of the kind. Calls
        in flight finish on the old client; new ones open the store again."""
        if not self.host and self.copied_from is None:
            self.reset()

    def heartbeat(self) -> None:
        """Raise StoreUnavailable unless the store answers (for /healthz)."""
        try:
            self.client.heartbeat()
        except StoreUnavailable:
            raise
        except Exception as exc:
            self.reset()
            raise StoreUnavailable(f"{self.describe()}: {_reason(exc)}") from exc

    def collection(self, key: str, create: bool = False) -> Any:
        """The collection of one scope key ("house:<id>" / "area:<id>"), or None."""
        col = self._cols.get(key)
        if col is not None:
            return col
        name = scope_collection_name(self.model_id, key)
        with self._lock:
            if create:
                # embedding_function=None: Chroma's default function would download a model.
                col = self.client.get_or_create_collection(
                    name, embedding_function=None,
                    metadata={"hnsw:space": "cosine", "model": self.model_id, "scope_key": key})
            else:
                try:
                    col = self.client.get_collection(name, embedding_function=None)
                except StoreUnavailable:
                    raise
                except Exception as exc:
                    if _not_found(exc):  # a house or area without documents
                        return None
                    self._client = None
                    raise StoreUnavailable(f"{self.describe()}: {_reason(exc)}") from exc
            self._cols[key] = col
        return col

    def keys(self) -> list[str]:
        """Scope keys that have a collection for this model."""
        out = []
        for col in self.client.list_collections():
            meta = col.metadata or {}
            if meta.get("model") == self.model_id and meta.get("scope_key"):
                out.append(meta["scope_key"])
        return sorted(out)

    def existing_ids(self, ids: list[str], keys: list[str]) -> set[str]:
        found: set[str] = set()
        for key, group in _group(ids, keys).items():
            col = self.collection(key)
            if col is None:
                continue
            for i in range(0, len(group), 5000):
                found.update(col.get(ids=group[i : i + 5000], include=[])["ids"])
        return found

    def add(self, ids: list[str], vectors: list[list[float]], texts: list[str], metas: list[dict[str, Any]]) -> None:
        step = 2000
        for key, rows in _group(range(len(ids)), [scope_key(m) for m in metas]).items():
            col = self.collection(key, create=True)
            for i in range(0, len(rows), step):
                part = rows[i : i + step]
                col.upsert(ids=[ids[n] for n in part], embeddings=[vectors[n] for n in part],
                           documents=[texts[n] for n in part], metadatas=[metas[n] for n in part])

    def delete_except(self, ids: list[str], keys: list[str], only: set[str] | None = None) -> int:
        """Remove every chunk the published records do not list (removed or changed
        files, chunks of an older index format), and collections of removed houses.
        ``only``: the collections whose chunks may have changed; the others are not listed
        (listing every collection's ids took 3.4 s of a 6 s re-ingest at 10,000 sections)."""
        live = {key: set(group) for key, group in _group(ids, keys).items()}
        removed = 0
        for key in self.keys():
            ids_here = live.get(key)
            if ids_here and only is not None and key not in only:
                continue
            col = self.collection(key)
            if not ids_here:
                removed += col.count()
                self.client.delete_collection(col.name)
                self._cols.pop(key, None)
                continue
            dead = [i for i in col.get(include=[])["ids"] if i not in ids_here]
            for i in range(0, len(dead), 5000):
                col.delete(ids=dead[i : i + 5000])
            removed += len(dead)
        try:  # the single collection of format 7 and earlier
            self.client.delete_collection(collection_name(self.model_id))
        except Exception:
            pass
        return removed

    def query(self, vector: list[float], k: int, key: str,
              where: dict[str, Any] | None = None) -> list[tuple[str, float]]:
        """(chunk id, cosine similarity) best first, within one scope key's collection."""
        if k <= 0:
            return []
        for attempt in (0, 1):
            col = self.collection(key)
            if col is None:
                return []
            try:
                res = col.query(query_embeddings=[vector], n_results=k, where=where, include=["distances"])
                break
            except Exception as exc:
                # Another process's ingest may have dropped or recreated the collection
                # (shared Chroma server), or changed the embedded store under us, or the
                # server restarted: read the store again and look the collection up once more.
                if attempt == 0:
                    self.reopen()
                self._cols.pop(key, None)
                if attempt:
                    self.reset()
                    raise StoreUnavailable(f"{self.describe()}: {_reason(exc)}") from exc
        ids = res["ids"][0] if res["ids"] else []
        dists = res["distances"][0] if res.get("distances") else []
        return [(i, 1.0 - float(d)) for i, d in zip(ids, dists, strict=False)]

    def vectors(self, ids: list[str], keys: list[str]) -> dict[str, Any]:
        """Stored vectors by chunk id (for lexical-only candidates that need a dense score)."""
        out: dict[str, Any] = {i: self._vectors[i] for i in ids if i in self._vectors}
        missing = [(i, k) for i, k in zip(ids, keys, strict=True) if i not in out]
        for key, group in _group([i for i, _ in missing], [k for _, k in missing]).items():
            col = self.collection(key)
            if col is not None:
                try:
                    got = col.get(ids=group, include=["embeddings"])
                except Exception as exc:
                    self.reset()
                    raise StoreUnavailable(f"{self.describe()}: {_reason(exc)}") from exc
                found = dict(zip(got["ids"], got["embeddings"], strict=True))
                out.update(found)
                self._remember(found)
        return out

    def _remember(self, found: dict[str, Any]) -> None:
        with self._lock:
            if len(self._vectors) + len(found) > VECTOR_CACHE:
                self._vectors.clear()  # rare: a few thousand distinct candidates since the last clear
            self._vectors.update(found)

    def get(self, key: str, **kw: Any) -> dict[str, Any]:
        """Chroma ``get`` on one scope's collection (empty when it has none)."""
        col = self.collection(key)
        return col.get(**kw) if col is not None else {"ids": [], "metadatas": [], "documents": []}

    def count(self) -> int:
        return sum(self.collection(k).count() for k in self.keys())


def _forget_shared_system(client: Any) -> None:
    """chromadb shares one "system" per embedded path for the whole process, so a new
    PersistentClient would get the old in-memory indexes back. Drop ours from that cache
    (a private attribute: skipped if a chromadb release moves it); the old system is freed
    once the last handle to it goes."""
    try:
        from chromadb.api.shared_system_client import SharedSystemClient

        identifier = getattr(client, "_identifier", None)
        if identifier is not None:
            SharedSystemClient._identifier_to_system.pop(identifier, None)
            SharedSystemClient._identifier_to_refcount.pop(identifier, None)
    except (ImportError, AttributeError):
        pass


def _not_found(exc: Exception) -> bool:
    """Chroma's "no such collection" (NotFoundError; a ValueError in older clients)."""
    from chromadb.errors import NotFoundError

    return isinstance(exc, NotFoundError) or (isinstance(exc, ValueError) and "does not exist" in str(exc))


def _reason(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text[:200]}" if text else type(exc).__name__


def _bound_http_calls(client: Any) -> None:
    """chromadb's HTTP client is built with no timeout at all, so a hung server would hold
    a request thread forever. Bound connect and every call (a private attribute: skipped
    if a chromadb release moves it)."""
    import httpx

    session = getattr(getattr(client, "_server", None), "_session", None)
    if isinstance(session, httpx.Client):
        session.timeout = httpx.Timeout(CHROMA_CALL_SECONDS, connect=CHROMA_CONNECT_SECONDS)


def writable(folder: Path) -> bool:
    """True when files can be created in ``folder`` (False on a read-only disk, or when
    another user owns it)."""
    if not folder.is_dir():
        return True  # made by whoever needs it (a failure then says why)
    try:
        fd, name = tempfile.mkstemp(dir=folder, prefix=".write-test-")
    except OSError:
        return False
    os.close(fd)
    os.unlink(name)
    return True


def private_dir(folder: Path) -> None:
    """Create ``folder`` readable by its owner only (0700), tightening an existing one."""
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    _chmod(folder, 0o700)


def private_tree(root: Path) -> None:
    """Make every folder under ``root`` 0700 and every file 0600 (the store holds
    staff-only text). Files another user owns, and read-only disks, are left alone."""
    if not root.is_dir():
        return
    _chmod(root, 0o700)
    for dirpath, dirnames, filenames in os.walk(root):
        for d in dirnames:
            _chmod(Path(dirpath) / d, 0o700)
        for f in filenames:
            _chmod(Path(dirpath) / f, 0o600)


def _chmod(path: Path, mode: int) -> None:
    try:
        st = path.lstat()
        if stat.S_ISLNK(st.st_mode) or st.st_uid != os.getuid() or stat.S_IMODE(st.st_mode) == mode:
            return
        path.chmod(mode)
    except OSError:
        pass  # a read-only disk, or the file went away meanwhile


def _group(items: Iterable[T], keys: list[str]) -> dict[str, list[T]]:
    """Items by scope key, in order (one Chroma call per collection)."""
    out: dict[str, list[T]] = {}
    for item, key in zip(items, keys, strict=True):
        out.setdefault(key, []).append(item)
    return out
