"""The knowledge folder as staff may touch it: safe paths, who may see what, atomic writes.

* **Paths** come from the browser as text relative to the knowledge folder. They are
  refused when absolute, when any part is ``..``, ``.`` or hidden, or when the resolved
  path (symlinks followed) leaves the folder: :class:`PathRefused`.
* **Access**: an account limited to some houses reads and changes only
  ``houses/<its houses>/``; it may read (not change) the area folders of those houses,
  because an area's files serve every house of the area. Unlimited accounts reach everything.
* **Writes** go to a temporary file in the same folder, are flushed, then renamed over the
  target, so a reader (an ingest, another worker) sees the old file or the new one, never
  half of one.
* **Uploads** are limited in size and by type: the name's suffix must be one staff use
  (Markdown, PDF, Word, CSV, YAML, a GTFS zip) *and* the bytes must look like it.
"""

from __future__ import annotations

import io
import os
import re
import tempfile
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from bot.web.staff.accounts import Account
from ingest.knowledge import Knowledge

#: Files the editor opens as text.
TEXT_SUFFIXES = (".md", ".markdown", ".yaml", ".yml", ".csv", ".txt")
#: What may be uploaded.
UPLOAD_SUFFIXES = (".md", ".markdown", ".txt", ".pdf", ".docx", ".csv", ".yaml", ".yml", ".zip")
#: Largest file the editor opens (bigger text files are offered for download only).
MAX_EDIT_BYTES = 1 << 20
_DRIVE = re.compile(r"^[A-Za-z]:")


class PathRefused(ValueError):
    """A path outside the knowledge folder, hidden, or not this account's."""


class UploadRefused(ValueError):
    """An upload of the wrong type or size; the message says which."""


@dataclass(frozen=True)
class Scope:
    kind: str  # "house" | "area" | "site"
    id: str


def scope_of(rel: str) -> Scope:
    parts = PurePosixPath(rel).parts
    if len(parts) >= 2 and parts[0] == "houses":
        return Scope("house", parts[1])
    if len(parts) >= 2 and parts[0] == "areas":
        return Scope("area", parts[1])
    return Scope("site", "")


@dataclass(frozen=True)
class Entry:
    rel: str
    name: str
    is_dir: bool
    size: int
    depth: int


class KnowledgeFiles:
    def __init__(self, root: Path):
        self.root = Path(root).resolve()

    # -- paths ----------------------------------------------------------------------------

    def clean(self, rel: str) -> str:
        """``rel`` normalised, or PathRefused (see the module docstring)."""
        raw = (rel or "").strip().replace("\\", "/")
        if not raw or "\x00" in raw or raw.startswith("/") or _DRIVE.match(raw) or raw.startswith("~"):
            raise PathRefused(f"not a path inside the knowledge folder: {rel!r}")
        parts = [p for p in raw.split("/") if p]
        if not parts or any(p in ("..", ".") or p.startswith(".") for p in parts):
            raise PathRefused(f"not a path inside the knowledge folder: {rel!r}")
        clean = "/".join(parts)
        target = (self.root / clean).resolve()
        if target != self.root and not target.is_relative_to(self.root):
            raise PathRefused(f"{clean} leads outside the knowledge folder")
        return clean

    def path(self, rel: str) -> Path:
        return self.root / self.clean(rel)

    # -- access ---------------------------------------------------------------------------

    @staticmethod
    def visible_areas(account: Account, knowledge: Knowledge) -> set[str]:
        if account.all_houses:
            return set(knowledge.areas) | {h.area_id for h in knowledge.houses.values()}
        return {h.area_id for hid, h in knowledge.houses.items() if hid in account.houses}

    def can_read(self, account: Account, rel: str, knowledge: Knowledge) -> bool:
        if account.all_houses:
            return True
        scope = scope_of(rel)
        if scope.kind == "house":
            return account.may_see_house(scope.id)
        if scope.kind == "area":
            return scope.id in self.visible_areas(account, knowledge)
        return False

    def can_write(self, account: Account, rel: str) -> bool:
        if account.all_houses:
            return True
        scope = scope_of(rel)
        return scope.kind == "house" and account.may_see_house(scope.id)

    def checked(self, account: Account, rel: str, knowledge: Knowledge, *, write: bool = False) -> str:
        """The cleaned path when ``account`` may read (or write) it; else PathRefused."""
        clean = self.clean(rel)
        allowed = self.can_write(account, clean) if write else self.can_read(account, clean, knowledge)
        if not allowed:
            raise PathRefused(f"{clean}: this account may not {'change' if write else 'open'} it")
        return clean

    # -- listing --------------------------------------------------------------------------

    def folders(self, account: Account, knowledge: Knowledge) -> list[tuple[str, str]]:
        """(kind, rel) of the site, house and area folders this account may open."""
        out: list[tuple[str, str]] = []
        if account.all_houses:
            out.append(("site", ""))
        for kind, base in (("house", "houses"), ("area", "areas")):
            folder = self.root / base
            if not folder.is_dir():
                continue
            for p in sorted(folder.iterdir()):
                rel = f"{base}/{p.name}"
                if p.is_dir() and not p.name.startswith(".") and self.can_read(account, rel, knowledge):
                    out.append((kind, rel))
        return out

    def listing(self, rel: str) -> list[Entry]:
        """The files under folder ``rel`` (``""`` = the site's top-level files only)."""
        base = self.root / rel if rel else self.root
        out: list[Entry] = []
        if not rel:
            for p in sorted(base.iterdir()):
                if p.is_file() and not p.name.startswith("."):
                    out.append(Entry(p.name, p.name, False, p.stat().st_size, 0))
            return out
        for p in sorted(base.rglob("*")):
            inside = p.relative_to(base)
            if any(part.startswith(".") for part in inside.parts):
                continue
            try:
                target = p.resolve()
            except OSError:
                continue
            if not target.is_relative_to(self.root):
                continue  # a symlink leaving the folder is neither shown nor followed
            r = p.relative_to(self.root).as_posix()
            out.append(Entry(r, p.name, p.is_dir(), 0 if p.is_dir() else p.stat().st_size, len(inside.parts) - 1))
        return out

    # -- reading and writing --------------------------------------------------------------

    def read_text(self, rel: str) -> str:
        p = self.path(rel)
        if p.stat().st_size > MAX_EDIT_BYTES:
            raise UploadRefused(f"{rel} is larger than {MAX_EDIT_BYTES // 1024} KiB; edit it outside the console")
        data = p.read_bytes()
        return data.decode("utf-8-sig")

    def write(self, rel: str, data: bytes) -> None:
        atomic_write(self.path(rel), data)

    def delete(self, rel: str) -> None:
        self.path(rel).unlink()

    def rename(self, rel: str, new_rel: str) -> None:
        src, dst = self.path(rel), self.path(new_rel)
        if dst.exists():
            raise PathRefused(f"{self.clean(new_rel)} exists already")
        dst.parent.mkdir(parents=True, exist_ok=True)
        os.replace(src, dst)


def atomic_write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers see the old or the new file, never a part."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        mode = path.stat().st_mode & 0o777 if path.exists() else 0o644
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def is_text(rel: str) -> bool:
    return PurePosixPath(rel).suffix.lower() in TEXT_SUFFIXES


def clean_filename(name: str) -> str:
    """An uploaded file's own name, kept readable (Japanese names stay), or UploadRefused."""
    base = unicodedata.normalize("NFC", (name or "").replace("\\", "/").rsplit("/", 1)[-1]).strip()
    if not base or base.startswith(".") or len(base) > 120 or any(ord(c) < 32 for c in base):
        raise UploadRefused(f"unusable file name: {name!r}")
    return base


def check_upload(name: str, data: bytes, limit: int) -> str:
    """The upload's suffix when its size and content fit it; else UploadRefused."""
    suffix = PurePosixPath(name).suffix.lower()
    if suffix not in UPLOAD_SUFFIXES:
        raise UploadRefused(f"{name}: files of type {suffix or '(none)'} are not accepted "
                            f"(accepted: {', '.join(UPLOAD_SUFFIXES)})")
    if len(data) > limit:
        raise UploadRefused(f"{name}: {len(data) / 1e6:.1f} MB is over the limit of {limit / 1e6:.0f} MB")
    if not data:
        raise UploadRefused(f"{name}: the file is empty")
    if suffix == ".pdf" and not data.startswith(b"%PDF-"):
        raise UploadRefused(f"{name}: this is not a PDF file")
    if suffix in (".docx", ".zip"):
        try:
            names = zipfile.ZipFile(io.BytesIO(data)).namelist()
        except zipfile.BadZipFile:
            raise UploadRefused(f"{name}: this is not a {'Word' if suffix == '.docx' else 'zip'} file") from None
        if suffix == ".docx" and "word/document.xml" not in names:
            raise UploadRefused(f"{name}: this is not a Word (.docx) document")
        if suffix == ".zip" and not any(n.rsplit("/", 1)[-1] == "stops.txt" for n in names):
            raise UploadRefused(f"{name}: a zip must be a GTFS feed (it has no stops.txt)")
    if suffix in TEXT_SUFFIXES:
        try:
            data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise UploadRefused(f"{name}: text files must be UTF-8") from None
    return suffix
