"""What the next publish will change: the folder now against the files as last published.

After every successful publish the console records each file's hash (and, for text files
under 1 MiB outside GTFS feeds, its text) in the state database; the Publish page diffs
the folder against that record. When nothing was published through the console yet but
the folder is exactly what the index was built from (same stat fingerprint as the
published manifest), the record is seeded from the folder itself.
"""

from __future__ import annotations

import difflib
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import delete, select

from bot.state import Database
from bot.web.staff.files import MAX_EDIT_BYTES, is_text
from bot.web.staff.tables import staff_published_files
from ingest.retrieval.store import read_manifest
from ingest.validate import fingerprint

MAX_DIFF_LINES = 400


@dataclass(frozen=True)
class FileDiff:
    path: str
    status: str  # added | changed | removed
    lines: list[str]  # unified diff lines; empty for binary files
    binary: bool


def _walk(root: Path) -> dict[str, Path]:
    out: dict[str, Path] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        for name in filenames:
            if not name.startswith("."):
                p = Path(dirpath) / name
                out[p.relative_to(root).as_posix()] = p
    return out


def _keeps_text(rel: str, path: Path) -> bool:
    return is_text(rel) and "/gtfs/" not in f"/{rel}" and path.stat().st_size <= MAX_EDIT_BYTES


def _read(path: Path) -> tuple[str, bytes]:
    data = path.read_bytes()
    return hashlib.sha256(data).hexdigest(), data


class PublishedFiles:
    def __init__(self, db: Database, root: Path, store: Path):
        self.db = db
        self.root = Path(root).resolve()
        self.store = Path(store)

    def recorded(self) -> dict[str, tuple[str, str]]:
        t = staff_published_files.c
        with self.db.read() as conn:
            return {r[0]: (r[1], r[2]) for r in conn.execute(select(t.path, t.hash, t.content))}

    def record(self) -> None:
        """Remember the folder as it is now (call after a successful publish)."""
        old = {k: v[0] for k, v in self.recorded().items()}
        now = _walk(self.root)
        rows = []
        for rel, path in now.items():
            digest, data = _read(path)
            if old.get(rel) == digest:
                continue
            text = data.decode("utf-8-sig", errors="replace") if _keeps_text(rel, path) else ""
            rows.append({"path": rel, "hash": digest, "content": text})
        gone = [rel for rel in old if rel not in now]
        with self.db.write() as conn:
            if gone:
                conn.execute(delete(staff_published_files).where(staff_published_files.c.path.in_(gone)))
            for row in rows:
                ins = self.db.insert(staff_published_files).values(**row)
                conn.execute(ins.on_conflict_do_update(index_elements=[staff_published_files.c.path],
                                                       set_={"hash": ins.excluded.hash,
                                                             "content": ins.excluded.content}))

    def seed_if_current(self) -> bool:
        """Seed an empty record when the folder is exactly what the index was built from."""
        if self.recorded():
            return True
        manifest = read_manifest(self.store)
        if manifest is None or manifest.fingerprint != fingerprint(self.root):
            return False
        self.record()
        return True

    def pending(self) -> list[FileDiff] | None:
        """Every file the next publish would add, change or remove; None when unknown."""
        if not self.seed_if_current():
            return None
        old = self.recorded()
        now = _walk(self.root)
        out: list[FileDiff] = []
        for rel in sorted(set(old) | set(now)):
            if rel not in now:
                out.append(FileDiff(rel, "removed", _lines(old[rel][1], "", rel), not old[rel][1]))
                continue
            digest, data = _read(now[rel])
            if rel in old and old[rel][0] == digest:
                continue
            text = _keeps_text(rel, now[rel])
            new_text = data.decode("utf-8-sig", errors="replace") if text else ""
            before = old[rel][1] if rel in old else ""
            out.append(FileDiff(rel, "changed" if rel in old else "added",
                                _lines(before, new_text, rel) if text else [], not text))
        return out


def _lines(before: str, after: str, rel: str) -> list[str]:
    diff = list(difflib.unified_diff(before.splitlines(), after.splitlines(), f"a/{rel}", f"b/{rel}",
                                     n=2, lineterm=""))[2:]
    if len(diff) > MAX_DIFF_LINES:
        diff = diff[:MAX_DIFF_LINES] + [f"… ({len(diff) - MAX_DIFF_LINES} more lines)"]
    return diff
