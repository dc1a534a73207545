"""One published snapshot for every host: the snapshot's files in a shared database.

With several hosts (``CHROMA_HOST`` + a PostgreSQL ``CONCIERGE_STATE_URL``), the vectors
are in the Chroma server and everything else a question needs is published here: the
chunk records with their BM25 index, the manifest, each area's timetable index and the
knowledge folder's own files (house, area and site descriptions, calendars, sorting
dictionaries: what the answerers read), except what ingest compiled (GTFS feeds, PDF and
Word manuals). Each host keeps a local copy in its store folder, so a question never waits
on the database.

Tables (their own, beside the bot's state tables; created when missing):

* ``snapshot_objects`` / ``snapshot_parts``: files by content (sha256), in parts of
  :data:`PART_BYTES`, written once and shared by every snapshot that has that file;
* ``snapshots``: one row per published snapshot, its body (manifest + path -> object id);
* ``snapshot_heads``: which snapshot each *channel* serves, a channel being one embedding
  model and index format, so hosts running a newer format during an upgrade follow their own.

**Publishing** (:meth:`SharedSnapshots.publish`) is one transaction: the missing objects,
the snapshot row and the head, under an advisory lock on PostgreSQL. Ingest calls it after
it has written the new snapshot file and before it replaces its own manifest, so a failed
ingest, or a database that is down, changes nothing anywhere. **Following**
(:meth:`SharedSnapshots.sync`) reads the head (one indexed row), and when it moved, copies
the new snapshot into ``<store>/snapshots/<id>/`` (files it already has are linked, not
fetched), renames that folder into place and then replaces the local manifest: the same
single atomic step as a local ingest. Serving processes call it every second.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import logging
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    Engine,
    Float,
    Integer,
    LargeBinary,
    MetaData,
    Table,
    Text,
    create_engine,
    delete,
    exc,
    select,
)
from sqlalchemy.engine import URL, make_url

from ingest.retrieval.store import Manifest, read_manifest, write_atomic, write_manifest
from ingest.transit.schema import index_path, transit_dir

log = logging.getLogger(__name__)

#: Where followed snapshots live inside a store folder.
SNAPSHOTS_DIR = "snapshots"
#: The records file inside a snapshot folder, and the folder's own index of its files.
RECORDS_FILE = "chunks.pkl"
BODY_FILE = "snapshot.json"
#: Large files are stored in parts so that no single value is huge.
PART_BYTES = 8 << 20
#: Snapshots kept per channel in the database (older ones and their unused files are dropped).
KEEP_PUBLISHED = 3
#: Any constant; the same in every process of an installation.
PG_LOCK_KEY = 72_435_012
#: Knowledge files that ingest compiles into the snapshot and that answers never read.
COMPILED_SUFFIXES = (".pdf", ".docx")

metadata = MetaData()
objects = Table(
    "snapshot_objects", metadata,
    Column("id", Text, primary_key=True),  # sha256 hex of the content
    Column("size", BigInteger, nullable=False),
    Column("parts", Integer, nullable=False),
)
parts = Table(
    "snapshot_parts", metadata,
    Column("object_id", Text, primary_key=True),
    Column("part", Integer, primary_key=True),
    Column("data", LargeBinary, nullable=False),
)
snapshots = Table(
    "snapshots", metadata,
    Column("id", Text, primary_key=True),
    Column("channel", Text, nullable=False, index=True),
    Column("body", Text, nullable=False),
    Column("published", Float, nullable=False),
)
heads = Table(
    "snapshot_heads", metadata,
    Column("channel", Text, primary_key=True),
    Column("snapshot_id", Text, nullable=False),
    Column("published", Float, nullable=False),
)


class SnapshotUnavailable(RuntimeError):
    """The shared snapshot database cannot be reached (or a published file is missing)."""


def channel_of(model_id: str, fmt: int) -> str:
    return f"{model_id}#format-{fmt}"


def shared_url(raw: str) -> URL:
    """``postgresql://`` selects psycopg 3 (the driver the project ships), as for the state."""
    url = make_url(raw)
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")
    return url


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def knowledge_files(root: Path) -> dict[str, Path]:
    """The knowledge folder's files a question may read: everything but hidden files,
    GTFS feeds (compiled into timetable indexes) and PDF/Word manuals (compiled into records)."""
    out: dict[str, Path] = {}
    for p in sorted(root.rglob("*")):
        rel = p.relative_to(root)
        if not p.is_file() or any(part.startswith(".") for part in rel.parts):
            continue
        if "gtfs" in rel.parts[:-1] or p.suffix.lower() in COMPILED_SUFFIXES:
            continue
        out[rel.as_posix()] = p
    return out


def snapshot_files(store: Path, root: Path, manifest: Manifest) -> dict[str, Path]:
    """Every file of the snapshot ``manifest`` publishes, by its path inside a snapshot folder."""
    files = {RECORDS_FILE: store / manifest.records}
    for info in manifest.files.values():
        if info.get("kind") == "gtfs":
            area = str(info["area"])
            files[f"transit/{area}.sqlite"] = index_path(store, area)
    for rel, path in knowledge_files(root).items():
        files[f"knowledge/{rel}"] = path
    return files


def served_paths(store: Path, manifest: Manifest, knowledge_dir: Path) -> tuple[Path, Path]:
    """(knowledge folder, transit folder) that a published manifest serves from: a followed
    snapshot's own copies, or (a local ingest) the knowledge folder and the store's transit."""
    records = Path(manifest.records)
    if records.parts[:1] == (SNAPSHOTS_DIR,):
        folder = Path(store) / records.parent
        return folder / "knowledge", folder / "transit"
    return knowledge_dir, transit_dir(store)


@dataclass
class Published:
    """What :meth:`SharedSnapshots.publish` put in the database."""

    id: str
    objects_total: int
    objects_uploaded: int
    bytes_uploaded: int
    seconds: float


@dataclass
class SharedSnapshots:
    """The shared snapshot database of one installation (one engine per process)."""

    url: URL
    engine: Engine
    _known: dict[str, Path] = field(default_factory=dict)  # object id -> a local file with it
    _ready: bool = False

    @classmethod
    def open(cls, raw_url: str) -> SharedSnapshots:
        url = shared_url(raw_url)
        kwargs: dict[str, Any] = {"pool_pre_ping": True}
        if url.get_backend_name() == "postgresql":
            kwargs.update(pool_size=2, max_overflow=4, connect_args={"connect_timeout": 5})
        return cls(url, create_engine(url, **kwargs))

    def describe(self) -> str:
        return self.url.render_as_string(hide_password=True)

    def dispose(self) -> None:
        self.engine.dispose()

    # -- database ------------------------------------------------------------------------

    @contextlib.contextmanager
    def _tx(self) -> Iterator[Connection]:
        try:
            with self.engine.begin() as conn:
                if not self._ready:
                    metadata.create_all(conn, checkfirst=True)
                    self._ready = True
                yield conn
        except (exc.OperationalError, exc.InterfaceError, exc.TimeoutError) as err:
            raise SnapshotUnavailable(f"snapshot database {self.describe()} unavailable: {_reason(err)}") from err

    def head(self, channel: str) -> str | None:
        """The published snapshot id of ``channel`` (None when nothing is published)."""
        with self._tx() as conn:
            value = conn.execute(select(heads.c.snapshot_id).where(heads.c.channel == channel)).scalar()
            return str(value) if value is not None else None

    def head_time(self, channel: str) -> float | None:
        """When ``channel``'s snapshot was published (Unix seconds)."""
        with self._tx() as conn:
            value = conn.execute(select(heads.c.published).where(heads.c.channel == channel)).scalar()
            return float(value) if value is not None else None

    # -- publishing ----------------------------------------------------------------------

    def publish(self, manifest: Manifest, store: Path, root: Path) -> Published:
        """Put the snapshot ``manifest`` names (written in ``store``, from knowledge ``root``)
        in the database and make it the channel's head, in one transaction."""
        t0 = time.perf_counter()
        files = snapshot_files(Path(store), Path(root), manifest)
        ids = {rel: sha256_file(path) for rel, path in files.items()}
        body = {"model": manifest.model, "format": manifest.format,
                "manifest": {k: v for k, v in manifest.__dict__.items() if k != "records"},
                "objects": dict(sorted(ids.items()))}
        text = json.dumps(body, ensure_ascii=False, sort_keys=True)
        snap_id = hashlib.sha256(text.encode()).hexdigest()[:32]
        channel = channel_of(manifest.model, manifest.format)
        uploaded = size = 0
        with self._tx() as conn:
            if conn.dialect.name == "postgresql":
                conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({PG_LOCK_KEY})")
            wanted = set(ids.values())
            have = set(conn.execute(select(objects.c.id).where(objects.c.id.in_(wanted))).scalars())
            for rel, oid in ids.items():
                if oid in have:
                    continue
                size += _upload(conn, oid, files[rel])
                have.add(oid)
                uploaded += 1
            now = time.time()
            if conn.execute(select(snapshots.c.id).where(snapshots.c.id == snap_id)).first() is None:
                conn.execute(snapshots.insert().values(id=snap_id, channel=channel, body=text, published=now))
            if conn.execute(select(heads.c.channel).where(heads.c.channel == channel)).first() is None:
                conn.execute(heads.insert().values(channel=channel, snapshot_id=snap_id, published=now))
            else:
                conn.execute(heads.update().where(heads.c.channel == channel)
                             .values(snapshot_id=snap_id, published=now))
            _collect_garbage(conn, channel, snap_id)
        for rel, oid in ids.items():
            if not rel.startswith("knowledge/"):  # staff may edit those in place: never link them
                self._known[oid] = files[rel]
        seconds = time.perf_counter() - t0
        log.info("snapshot %s published to %s: %d files, %d uploaded (%.1f MB) in %.2fs", snap_id[:12],
                 self.describe(), len(ids), uploaded, size / 1e6, seconds)
        return Published(snap_id, len(ids), uploaded, size, seconds)

    # -- following -----------------------------------------------------------------------

    def sync(self, store: Path, model_id: str, fmt: int) -> str | None:
        """Make ``store`` serve the channel's published snapshot; returns its id, or None
        when nothing is published for this model and format. Cheap when already current."""
        store = Path(store)
        channel = channel_of(model_id, fmt)
        for _ in range(3):
            snap_id = self.head(channel)
            if snap_id is None:
                return None
            if _current_id(store) == snap_id:
                return snap_id
            with _store_lock(store):
                if _current_id(store) == snap_id:  # another worker of this host did it meanwhile
                    return snap_id
                try:
                    self._materialize(store, snap_id)
                except _Gone:
                    continue  # collected while we copied: a newer head exists, follow that one
            return snap_id
        raise SnapshotUnavailable(f"snapshot {snap_id} kept changing while it was copied; try again")

    def _materialize(self, store: Path, snap_id: str) -> None:
        t0 = time.perf_counter()
        with self._tx() as conn:
            text = conn.execute(select(snapshots.c.body).where(snapshots.c.id == snap_id)).scalar()
        if text is None:
            raise _Gone(snap_id)
        body = json.loads(text)
        base = store / SNAPSHOTS_DIR
        base.mkdir(parents=True, exist_ok=True)
        local = self._local_objects(store)
        tmp = Path(tempfile.mkdtemp(prefix=f".{snap_id}.", dir=base))
        fetched = 0
        try:
            for rel, oid in body["objects"].items():
                dst = tmp / rel
                dst.parent.mkdir(parents=True, exist_ok=True)
                src = local.get(oid)
                if src is not None and _link_or_copy(src, dst, oid):
                    continue
                self._download(oid, dst)
                fetched += 1
            write_atomic(tmp / BODY_FILE, text.encode())
            final = base / snap_id
            if final.exists():
                shutil.rmtree(final)
            os.replace(tmp, final)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        fields = {k: v for k, v in body["manifest"].items() if k in Manifest.__dataclass_fields__}
        fields.update(records=f"{SNAPSHOTS_DIR}/{snap_id}/{RECORDS_FILE}",
                      knowledge=str(final / "knowledge"))
        write_manifest(store, Manifest(**fields))  # the step that makes this host serve it
        _remove_old(base, keep=snap_id)
        log.info("snapshot %s copied from %s (%d of %d files fetched) in %.2fs", snap_id[:12], self.describe(),
                 fetched, len(body["objects"]), time.perf_counter() - t0)

    def _local_objects(self, store: Path) -> dict[str, Path]:
        """Files this host already has, by content id: the served snapshot's and whatever
        this process published."""
        found = {oid: p for oid, p in self._known.items() if p.exists()}
        base = store / SNAPSHOTS_DIR
        for body_file in base.glob(f"*/{BODY_FILE}"):
            try:
                body = json.loads(body_file.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            for rel, oid in body.get("objects", {}).items():
                found.setdefault(oid, body_file.parent / rel)
        return found

    def _download(self, oid: str, dst: Path) -> None:
        h = hashlib.sha256()
        with self._tx() as conn:
            count = conn.execute(select(objects.c.parts).where(objects.c.id == oid)).scalar()
            if count is None:
                raise _Gone(oid)
            with open(dst, "wb") as fh:
                for n in range(int(count)):
                    data = conn.execute(select(parts.c.data)
                                        .where(parts.c.object_id == oid, parts.c.part == n)).scalar()
                    if data is None:
                        raise _Gone(oid)
                    fh.write(data)
                    h.update(data)
        if h.hexdigest() != oid:
            dst.unlink(missing_ok=True)
            raise SnapshotUnavailable(f"snapshot file {oid[:12]} is corrupt in {self.describe()}")


class _Gone(Exception):
    """A snapshot or file was garbage-collected while it was being copied."""


def _upload(conn: Connection, oid: str, path: Path) -> int:
    n = size = 0
    with open(path, "rb") as fh:
        while True:
            data = fh.read(PART_BYTES)
            if not data and n:
                break
            conn.execute(parts.insert().values(object_id=oid, part=n, data=data))
            n += 1
            size += len(data)
            if len(data) < PART_BYTES:
                break
    conn.execute(objects.insert().values(id=oid, size=size, parts=n))
    return size


def _collect_garbage(conn: Connection, channel: str, head_id: str) -> None:
    """Keep the newest :data:`KEEP_PUBLISHED` snapshots of the channel and every file any
    kept snapshot (of any channel) uses."""
    rows = conn.execute(select(snapshots.c.id).where(snapshots.c.channel == channel)
                        .order_by(snapshots.c.published.desc())).scalars().all()
    old = [r for r in rows[KEEP_PUBLISHED:] if r != head_id]
    if not old:
        return
    conn.execute(delete(snapshots).where(snapshots.c.id.in_(old)))
    used: set[str] = set()
    for text in conn.execute(select(snapshots.c.body)).scalars():
        used.update(json.loads(text)["objects"].values())
    dead = [oid for oid in conn.execute(select(objects.c.id)).scalars() if oid not in used]
    for i in range(0, len(dead), 500):
        conn.execute(delete(parts).where(parts.c.object_id.in_(dead[i:i + 500])))
        conn.execute(delete(objects).where(objects.c.id.in_(dead[i:i + 500])))


def _current_id(store: Path) -> str | None:
    """The followed snapshot the store's manifest serves, if it serves one."""
    manifest = read_manifest(store)
    if manifest is None:
        return None
    parts_ = Path(manifest.records).parts
    if len(parts_) == 3 and parts_[0] == SNAPSHOTS_DIR and (store / manifest.records).exists():
        return parts_[1]
    return None


@contextlib.contextmanager
def _store_lock(store: Path) -> Iterator[None]:
    """One copier per host: gunicorn workers of one store wait for each other."""
    store.mkdir(parents=True, exist_ok=True)
    with open(store / ".snapshot-sync.lock", "a+b") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _link_or_copy(src: Path, dst: Path, oid: str) -> bool:
    """A hard link to a file we already have (same content), else a copy; False if it is gone."""
    try:
        os.link(src, dst)
        return True
    except FileNotFoundError:
        return False
    except OSError:
        pass
    try:
        shutil.copyfile(src, dst)
    except FileNotFoundError:
        return False
    return True


def _remove_old(base: Path, keep: str) -> None:
    """Drop followed snapshots but the served one and the one before it (a question that
    started on the previous one may still be reading its timetable files)."""
    folders = sorted((p for p in base.iterdir() if p.is_dir() and not p.name.startswith(".") and p.name != keep),
                     key=lambda p: p.stat().st_mtime, reverse=True)
    for p in folders[1:]:
        shutil.rmtree(p, ignore_errors=True)
    for p in base.glob(".*"):  # copies abandoned by a killed process
        if p.is_dir() and time.time() - p.stat().st_mtime > 600:
            shutil.rmtree(p, ignore_errors=True)


def _reason(err: BaseException) -> str:
    orig = getattr(err, "orig", None) or err
    text = str(orig).strip().splitlines()[0] if str(orig).strip() else type(orig).__name__
    return text[:200]
