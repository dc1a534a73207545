"""Publish: the same ingest as ``concierge ingest``, run in the background, one at a time.

The run is claimed in the state database (a ``running`` row with a heartbeat), so only one
publish runs across every worker and host, and any worker can show its progress: the
browser polls whichever worker it reaches. The ingest itself is the engine's ``reload``
(validate, embed what changed, publish atomically, swap this process's snapshot); a failed
ingest changes nothing and its problems are reported. Other processes pick the new
snapshot up by themselves (see the reliability issue); this module only runs and reports.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy import select, update

from bot.state import Database
from bot.web.staff.audit import AuditLog
from bot.web.staff.diffs import PublishedFiles
from bot.web.staff.tables import staff_publishes
from ingest.pipeline import Progress

log = logging.getLogger(__name__)

#: A running publish whose heartbeat is older than this died with its process.
STALE_SECONDS = 120.0
HEARTBEAT_SECONDS = 5.0
#: Progress is written at most this often (every worker's poll reads it from the database).
PROGRESS_EVERY_SECONDS = 0.25


class ReportLike(Protocol):
    ok: bool
    problems: list[Any]
    added: list[str]
    changed: list[str]
    removed: list[str]
    chunks_embedded: int
    seconds: float

    def summary(self, lang: str = "en") -> str: ...


class Reloadable(Protocol):
    """What publishing needs from the engine: a reload that reports its embedding progress."""

    def reload(self, progress: Progress | None = None) -> Any: ...


@dataclass
class PublishRun:
    id: int
    actor: str
    started_at: float
    finished_at: float | None
    status: str  # running | ok | failed
    done: int
    total: int
    result: dict[str, Any] = field(default_factory=dict)

    @property
    def running(self) -> bool:
        return self.status == "running"

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "actor": self.actor, "started_at": self.started_at,
                "finished_at": self.finished_at, "status": self.status, "done": self.done,
                "total": self.total, "result": self.result}


class Publisher:
    def __init__(self, db: Database, engine: Reloadable, published: PublishedFiles, audit: AuditLog, *,
                 clock: Callable[[], float] = time.time, after: Callable[[], None] | None = None):
        self.db = db
        self.engine = engine
        self.published = published
        self.audit = audit
        self._clock = clock
        self._after = after  # e.g. drop cached scans
        self.thread: threading.Thread | None = None

    def start(self, actor: str) -> int | None:
        """Claim the publish and run it in a background thread; None when one is running."""
        run_id = self._claim(actor)
        if run_id is None:
            return None
        self.thread = threading.Thread(target=self._run, args=(run_id, actor), name=f"staff-publish-{run_id}",
                                       daemon=True)
        self.thread.start()
        return run_id

    def _claim(self, actor: str) -> int | None:
        now = self._clock()
        p = staff_publishes.c
        with self.db.write() as conn:
            if self.db.dialect == "postgresql":
                conn.exec_driver_sql("SELECT pg_advisory_xact_lock(72435012)")
            conn.execute(update(staff_publishes).where(p.status == "running", p.heartbeat < now - STALE_SECONDS)
                         .values(status="failed", finished_at=now,
                                 result=json.dumps({"ok": False, "problems": ["interrupted (the process stopped)"]})))
            if conn.execute(select(p.id).where(p.status == "running")).first() is not None:
                return None
            result = conn.execute(staff_publishes.insert().values(actor=actor, started_at=now, heartbeat=now,
                                                                  status="running", done=0, total=0, result=""))
            pk = result.inserted_primary_key
            assert pk is not None
            return int(pk[0])

    def _run(self, run_id: int, actor: str) -> None:
        last = [0.0]
        stop = threading.Event()

        def progress(done: int, total: int) -> None:
            now = self._clock()
            if done < total and now - last[0] < PROGRESS_EVERY_SECONDS:
                return
            last[0] = now
            self._update(run_id, done=done, total=total, heartbeat=now)

        def beat() -> None:
            while not stop.wait(HEARTBEAT_SECONDS):
                self._update(run_id, heartbeat=self._clock())

        threading.Thread(target=beat, daemon=True, name=f"staff-publish-beat-{run_id}").start()
        try:
            report = self.engine.reload(progress=progress)
            result = _result(report)
        except Exception as exc:  # reported to the page; the previous index keeps serving
            log.exception("publish %d failed", run_id)
            result = {"ok": False, "problems": [f"{type(exc).__name__}: {exc}"], "added": [], "changed": [],
                      "removed": []}
        finally:
            stop.set()
        status = "ok" if result["ok"] else "failed"
        if result["ok"]:
            try:
                self.published.record()
            except Exception:
                log.exception("could not record the published files (the diff may show them again)")
        self._update(run_id, status=status, finished_at=self._clock(), result=json.dumps(result, ensure_ascii=False),
                     **({"done": result.get("embedded", 0), "total": result.get("embedded", 0)}
                        if result["ok"] else {}))
        detail = "; ".join(f"{k}: {len(result.get(k, []))}" for k in ("added", "changed", "removed"))
        self.audit.record(actor, "publish" if result["ok"] else "publish_failed", "",
                          detail if result["ok"] else "\n".join(result.get("problems", [])[:20]))
        if self._after is not None:
            self._after()

    def _update(self, run_id: int, **values: Any) -> None:
        try:
            with self.db.write() as conn:
                conn.execute(update(staff_publishes).where(staff_publishes.c.id == run_id).values(**values))
        except Exception:
            log.warning("could not record publish progress", exc_info=True)

    def get(self, run_id: int) -> PublishRun | None:
        rows = self._select(staff_publishes.c.id == run_id, 1)
        return rows[0] if rows else None

    def latest(self, status: str | None = None) -> PublishRun | None:
        rows = self._select(staff_publishes.c.status == status if status else None, 1)
        return rows[0] if rows else None

    def recent(self, limit: int = 10) -> list[PublishRun]:
        return self._select(None, limit)

    def _select(self, where: Any, limit: int) -> list[PublishRun]:
        p = staff_publishes.c
        query = select(p.id, p.actor, p.started_at, p.finished_at, p.status, p.done, p.total, p.result,
                       p.heartbeat).order_by(p.id.desc()).limit(limit)
        if where is not None:
            query = query.where(where)
        with self.db.read() as conn:
            rows = conn.execute(query).all()
        out = []
        now = self._clock()
        for r in rows:
            status = r[4]
            result = json.loads(r[7]) if r[7] else {}
            if status == "running" and r[8] < now - STALE_SECONDS:
                status, result = "failed", {"ok": False, "problems": ["interrupted (the process stopped)"]}
            out.append(PublishRun(int(r[0]), r[1], float(r[2]), r[3], status, int(r[5]), int(r[6]), result))
        return out


def _result(report: Any) -> dict[str, Any]:
    return {
        "ok": bool(report.ok),
        "added": list(report.added), "changed": list(report.changed), "removed": list(report.removed),
        "problems": [str(p) for p in report.problems],
        "embedded": int(getattr(report, "chunks_embedded", 0)),
        "seconds": round(float(getattr(report, "seconds", 0.0)), 2),
        "summary": {"ja": report.summary("ja"), "en": report.summary("en")},
    }
