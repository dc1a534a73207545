"""``/healthz``: 200 when everything a question needs is up, 503 naming what is not.

The engine reports its own dependencies (the vector store, the published snapshot; see
:mod:`bot.engine.outage`); this adds the bot's state database, which the engine does not
know about: a ``SELECT 1``, and for the embedded SQLite file, a writable data folder with
room left (a full disk used to mean HTTP 200 and silence). Each outage is logged once.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

from bot.engine.outage import Outages

STATE = "state"
#: Below this much free space in the data folder the state database counts as unavailable.
MIN_FREE_BYTES = 1 << 20


def health_report(engine: Any, db: Any, outages: Outages) -> tuple[dict[str, Any], int]:
    """The JSON body and HTTP status of /healthz."""
    body = dict(engine.health())
    deps: dict[str, Any] = dict(body.get("dependencies") or {})
    if db is not None:
        problem = state_problem(db)
        if problem:
            outages.failed(STATE, problem)
        else:
            outages.ok(STATE)
        deps[STATE] = outages.status(STATE)
    up = all(bool(d.get("up")) for d in deps.values() if isinstance(d, dict))
    body["dependencies"] = deps
    body["status"] = "ok" if up and body.get("status", "ok") == "ok" else "unavailable"
    return body, 200 if body["status"] == "ok" else 503


def state_problem(db: Any) -> str | None:
    """Why the state database cannot be used now, or None when it can."""
    try:
        with db.read() as conn:
            conn.exec_driver_sql("SELECT 1")
    except Exception as exc:  # noqa: BLE001 - any failure means "down"; the reason is reported
        return f"{type(exc).__name__}: {str(exc).strip()[:200]}"
    file: Path | None = getattr(db, "file", None)
    if file is None:
        return None
    folder = Path(file).parent
    try:
        if not os.access(folder, os.W_OK) or os.statvfs(folder).f_flag & os.ST_RDONLY:
            return f"data folder {folder} is read-only"
        free = shutil.disk_usage(folder).free
    except OSError as exc:
        return f"data folder {folder}: {exc.strerror or exc}"
    if free < MIN_FREE_BYTES:
        return f"data folder {folder} is full ({free} bytes free)"
    return None
