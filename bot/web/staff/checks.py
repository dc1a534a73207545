"""Validate a change before it reaches the knowledge folder.

Why a shadow folder: most rules span files (``house.yaml`` names an area, a calendar names
the house's ``garbage_area``, an FAQ belongs to a house), so a file cannot be judged alone.
The change is applied to a copy of the folder made of hard links (symbolic links where the
file system refuses; nothing is copied), the same ``scan_knowledge`` that ``concierge
validate`` and ingest run is called on it, and the change is accepted only when it brings
no problem of its own: none in a touched file, none new elsewhere. Problems the folder
already had (an edit made outside the console) do not block unrelated saves.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path

from ingest.problems import KnowledgeError, Problem
from ingest.validate import Scan, fingerprint, scan_knowledge


@dataclass
class Change:
    writes: dict[str, bytes] = field(default_factory=dict)
    deletes: list[str] = field(default_factory=list)

    @property
    def touched(self) -> set[str]:
        return set(self.writes) | set(self.deletes)


@dataclass
class Verdict:
    ok: bool
    problems: list[Problem]  # what the change would bring (touched files first)
    warnings: list[Problem]  # e.g. placeholders left in a touched file


@dataclass
class ScanResult:
    problems: list[Problem]
    warnings: list[Problem]
    scan: Scan | None


def run_scan(root: Path) -> ScanResult:
    try:
        scan = scan_knowledge(root)
    except KnowledgeError as exc:
        return ScanResult(list(exc.problems), [], None)
    return ScanResult(list(scan.problems), list(scan.warnings), scan)


class Checker:
    """One per app. ``current()`` is cached by the folder's stat fingerprint."""

    def __init__(self, root: Path, work_dir: Path):
        self.root = Path(root).resolve()
        self.work_dir = Path(work_dir)
        self._lock = threading.Lock()
        self._cached: tuple[str, ScanResult] | None = None

    def current(self) -> ScanResult:
        fp = fingerprint(self.root)
        with self._lock:
            if self._cached and self._cached[0] == fp:
                return self._cached[1]
        result = run_scan(self.root)
        with self._lock:
            self._cached = (fp, result)
        return result

    def check(self, change: Change) -> Verdict:
        before = self.current()
        self.work_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        shadow = Path(tempfile.mkdtemp(prefix="check-", dir=self.work_dir))
        try:
            _mirror(self.root, shadow)
            for rel in change.deletes:
                (shadow / rel).unlink(missing_ok=True)
            for rel, data in change.writes.items():
                target = shadow / rel
                target.parent.mkdir(parents=True, exist_ok=True)
                target.unlink(missing_ok=True)  # never write through a hard link into the real file
                target.write_bytes(data)
            after = run_scan(shadow)
        finally:
            shutil.rmtree(shadow, ignore_errors=True)
        touched = change.touched
        old = set(before.problems)
        mine = [p for p in after.problems if p.path in touched or _under(p.path, touched)]
        new = [p for p in after.problems if p not in old and p not in mine]
        warnings = [w for w in after.warnings if w.path in touched]
        return Verdict(not mine and not new, mine + new, warnings)


def _under(path: str, touched: set[str]) -> bool:
    return any(path.startswith(t.rstrip("/") + "/") for t in touched)


def _mirror(src: Path, dst: Path) -> None:
    """Recreate ``src``'s tree under ``dst`` with links to its files (hidden files skipped)."""
    for dirpath, dirnames, filenames in os.walk(src):
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        rel = Path(dirpath).relative_to(src)
        (dst / rel).mkdir(parents=True, exist_ok=True)
        for name in filenames:
            if name.startswith("."):
                continue
            s, d = Path(dirpath) / name, dst / rel / name
            try:
                os.link(s, d)
            except OSError:
                os.symlink(s.resolve(), d)
