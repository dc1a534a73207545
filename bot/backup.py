"""`concierge backup DIR` / `concierge restore DIR`: everything a machine needs to answer again.

A backup holds three things, each in its own folder of DIR:

* ``knowledge/``: the knowledge folder, copied with its modification times (so the restored
  store is not taken for stale and re-embedded);
* ``store/``: the published snapshot only: the manifest, the records file it names, the
  timetable indexes and (embedded Chroma) the vectors. Older snapshot files are left out.
* ``state/``: the bot's state database when it is SQLite: every SQLite file in the data
  folder, copied with SQLite's online backup API (a consistent copy even while the bot
  writes). A PostgreSQL state database (``CONCIERGE_STATE_URL``) is backed up with
  ``pg_dump``; this says so and backs up the rest.

``backup.json`` records what was saved. Everything is written owner-only (files 0600,
folders 0700): a backup holds staff-only text and the state. A restore goes into the
places the settings name and refuses to write over a folder that is not empty (``--force``
replaces it). Why copy files and not export a format: the files are the formats the
engine reads, so a restore is checked simply by answering from it.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import stat
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.config import Settings
from ingest.retrieval.store import MANIFEST, private_tree, read_manifest

FORMAT = 1
SQLITE_MAGIC = b"SQLite format 3\x00"
#: Data-folder entries that are not state: prometheus' per-process files, SQLite's side
#: files (the backup API copies their content), lock files.
SKIP_IN_DATA = ("metrics",)
SKIP_SUFFIXES = ("-wal", "-shm", "-journal", ".lock", ".tmp")


class BackupError(RuntimeError):
    """The backup or restore cannot be done; the message says why and what to do."""


@dataclass
class Report:
    """What a backup or restore did, for the command to print."""

    folder: Path
    parts: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def backup(settings: Settings, target: Path) -> Report:
    target = Path(target)
    if target.exists() and any(target.iterdir()):
        raise BackupError(f"{target} is not empty: back up into a new folder")
    knowledge, store, data = Path(settings.knowledge), settings.store_dir, settings.data_dir
    if read_manifest(store) is None:
        raise BackupError(f"no published snapshot in {store}: run `concierge ingest` first")
    _private_dir(target)
    report = Report(target)
    _copy_tree(knowledge, target / "knowledge")
    report.parts["knowledge"] = str(knowledge)
    _backup_store(store, target / "store")
    report.parts["store"] = str(store)
    if settings.chroma_host:
        report.notes.append("the vectors are in the Chroma server: back up its --path folder too (or, after a "
                            "restore, remove the store's manifest.json and run `concierge ingest` to embed again)")
    state: dict[str, Any]
    if _is_postgresql(settings.state_url):
        state = {"kind": "postgresql"}
        report.notes.append("the state database is PostgreSQL: back it up with pg_dump, e.g. "
                            f"pg_dump --format=custom --file={target / 'state.dump'} \"$CONCIERGE_STATE_URL\"")
    else:
        files = _backup_state(data, target / "state")
        state = {"kind": "sqlite", "files": files}
        report.parts["state"] = f"{data} ({len(files)} file(s))" if files else f"{data} (empty)"
    meta = {"format": FORMAT, "created": datetime.now(UTC).isoformat(timespec="seconds"),
            "knowledge": str(knowledge), "store": str(store), "data": str(data), "state": state}
    (target / "backup.json").write_text(json.dumps(meta, ensure_ascii=False, indent=1), encoding="utf-8")
    private_tree(target)
    return report


def restore(settings: Settings, source: Path, *, force: bool = False) -> Report:
    source = Path(source)
    try:
        meta = json.loads((source / "backup.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BackupError(f"{source} is not a concierge backup (backup.json: {exc})") from None
    if meta.get("format") != FORMAT:
        raise BackupError(f"{source} was written by another version (format {meta.get('format')!r})")
    knowledge, store, data = Path(settings.knowledge), settings.store_dir, settings.data_dir
    state = meta.get("state") or {}
    restore_state = state.get("kind") == "sqlite" and not _is_postgresql(settings.state_url)
    targets = [knowledge, store] + ([data] if restore_state else [])
    busy = [t for t in targets if t.exists() and any(t.iterdir())]
    if busy and not force:
        raise BackupError("not empty: " + ", ".join(map(str, busy)) + " (use --force to replace)")
    report = Report(source)
    _replace(source / "knowledge", knowledge, _copy_tree)
    report.parts["knowledge"] = str(knowledge)
    _replace(source / "store", store, _copy_tree)
    private_tree(store)
    report.parts["store"] = str(store)
    if restore_state:
        if data.exists() and force:
            shutil.rmtree(data)
        _private_dir(data)
        for name in state.get("files", []):
            _sqlite_copy(source / "state" / name, data / name)
        private_tree(data)
        report.parts["state"] = str(data)
    elif state.get("kind") == "postgresql":
        report.notes.append("the state database was PostgreSQL: restore it with pg_restore")
    else:
        report.notes.append("the state database is PostgreSQL here: the backup's SQLite state was not restored")
    return report


# -- parts ------------------------------------------------------------------------------


def _backup_store(store: Path, out: Path) -> None:
    """The published snapshot: read the manifest, copy what it names, and start over if
    another process published meanwhile (the manifest is the one atomic step)."""
    for _ in range(3):
        manifest = read_manifest(store)
        if manifest is None:
            raise BackupError(f"no published snapshot in {store}")
        if out.exists():
            shutil.rmtree(out)
        _private_dir(out)
        records = Path(manifest.records)
        _copy_file(store / records, out / records)
        for folder in ("transit", "chroma"):
            if (store / folder).is_dir():
                _copy_tree(store / folder, out / folder)
        if records.parts[:1] == ("snapshots",):  # a followed shared snapshot: its own folder
            _copy_tree(store / records.parent, out / records.parent)
        _copy_file(store / MANIFEST, out / MANIFEST)
        if read_manifest(out) == read_manifest(store):
            return
    raise BackupError(f"{store} kept changing (an ingest is running?): try again when it is done")


def _backup_state(data: Path, out: Path) -> list[str]:
    """Every SQLite file of the data folder via the backup API; other files as they are."""
    names: list[str] = []
    if not data.is_dir():
        return names
    _private_dir(out)
    for path in sorted(data.rglob("*")):
        rel = path.relative_to(data)
        if rel.parts[0] in SKIP_IN_DATA or path.name.endswith(SKIP_SUFFIXES) or not path.is_file():
            continue
        if _is_sqlite(path):
            _sqlite_copy(path, out / rel)
        else:
            _copy_file(path, out / rel)
        names.append(rel.as_posix())
    return names


def _sqlite_copy(src: Path, dst: Path) -> None:
    """A consistent copy of a live SQLite database (SQLite's online backup API)."""
    _private_dir(dst.parent)
    dst.unlink(missing_ok=True)
    fd = os.open(dst, os.O_CREAT | os.O_WRONLY, 0o600)
    os.close(fd)
    if not _is_sqlite(src):  # a plain file kept beside the databases
        shutil.copy2(src, dst)
        return
    source = sqlite3.connect(f"file:{src}?mode=ro", uri=True)
    target = sqlite3.connect(dst)
    try:
        source.backup(target)
    except sqlite3.Error as exc:
        raise BackupError(f"cannot copy the database {src}: {exc}") from None
    finally:
        target.close()
        source.close()


def _is_sqlite(path: Path) -> bool:
    try:
        with open(path, "rb") as fh:
            return fh.read(16) == SQLITE_MAGIC
    except OSError:
        return False


def _is_postgresql(url: str) -> bool:
    return url.startswith(("postgresql:", "postgresql+", "postgres:"))


def _copy_tree(src: Path, dst: Path) -> None:
    if not src.is_dir():
        raise BackupError(f"{src} is missing")
    shutil.copytree(src, dst, copy_function=_copy_one, dirs_exist_ok=True)


def _copy_one(src: str, dst: str) -> None:
    """copy2 (modification times kept), except SQLite files, copied with the backup API."""
    if Path(src).name.endswith(SKIP_SUFFIXES):
        return
    if _is_sqlite(Path(src)):
        _sqlite_copy(Path(src), Path(dst))
        shutil.copystat(src, dst)
        os.chmod(dst, 0o600)
    else:
        shutil.copy2(src, dst)


def _copy_file(src: Path, dst: Path) -> None:
    if not src.is_file():
        raise BackupError(f"{src} is missing")
    _private_dir(dst.parent)
    _copy_one(str(src), str(dst))


def _replace(src: Path, dst: Path, copy: Callable[[Path, Path], None]) -> None:
    if dst.exists():
        shutil.rmtree(dst)
    _private_dir(dst.parent, only_new=True)
    copy(src, dst)


def _private_dir(folder: Path, only_new: bool = False) -> None:
    existed = folder.exists()
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    if not (existed and only_new) and stat.S_IMODE(folder.stat().st_mode) != 0o700:
        folder.chmod(0o700)
