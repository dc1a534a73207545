"""The staff console as one object per app (``app.extensions["staff"]``), built by ``init_app``.

It holds the pieces the pages use: accounts, the audit log, drafts, the knowledge folder
(:class:`~bot.web.staff.files.KnowledgeFiles`), validation (:class:`~bot.web.staff.checks.Checker`),
publishing, the question log and the LINE state. Everything that must be the same for every
worker (accounts, drafts, publish progress, the session key) is in the state database.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import Flask, current_app

from bot.config import Settings
from bot.engine.contract import ConciergeEngine
from bot.state import Database, QuestionLog, StateError, database_for, meta_value
from bot.web.staff.accounts import Accounts
from bot.web.staff.audit import AuditLog
from bot.web.staff.checks import Checker
from bot.web.staff.diffs import PublishedFiles
from bot.web.staff.drafts import Drafts
from bot.web.staff.files import KnowledgeFiles
from bot.web.staff.publish import Publisher, Reloadable
from bot.web.staff.questions import QuestionActions
from ingest.knowledge import Knowledge

EXTENSION = "staff"
log = logging.getLogger(__name__)


@dataclass
class StaffConsole:
    settings: Settings
    engine: ConciergeEngine
    db: Database
    accounts: Accounts
    audit: AuditLog
    drafts: Drafts
    files: KnowledgeFiles
    checker: Checker
    published: PublishedFiles
    publisher: Publisher
    questions: QuestionLog
    actions: QuestionActions
    line_state: Any = None  # bot.line.state.BotState when the LINE channel is set up

    @classmethod
    def create(cls, settings: Settings, engine: ConciergeEngine, db: Database | None = None,
               line_state: Any = None) -> StaffConsole:
        db = db or database_for(settings)
        root = settings.engine_config().knowledge_dir
        audit = AuditLog(db)
        files = KnowledgeFiles(root)
        checker = Checker(files.root, settings.data_dir / "staff-checks")
        published = PublishedFiles(db, files.root, settings.store_dir)
        reloadable: Reloadable = engine  # type: ignore[assignment]
        publisher = Publisher(db, reloadable, published, audit)
        return cls(settings, engine, db, Accounts(db), audit, Drafts(db), files, checker, published, publisher,
                   QuestionLog(db), QuestionActions(db), line_state)

    @property
    def knowledge(self) -> Knowledge:
        """The knowledge model the engine serves (houses, areas, time zone)."""
        return self.engine.houses.knowledge

    def now(self) -> datetime:
        return datetime.now(self.engine.houses.timezone)

    def secret_key(self) -> str:
        """The session signing key: one per installation, shared by every worker and host."""
        return meta_value(self.db, "staff_session_key", lambda: secrets.token_hex(32))


def console() -> StaffConsole:
    ext: StaffConsole = current_app.extensions[EXTENSION]
    return ext


def init_app(app: Flask, engine: ConciergeEngine, settings: Settings) -> None:
    """Serve the console under /staff/ (see :mod:`bot.web.staff.blueprint`)."""
    from bot.web.staff.blueprint import register

    line = app.extensions.get("line")
    line_state = getattr(line, "state", None)
    db = getattr(line_state, "db", None)
    staff = StaffConsole.create(settings, engine, db, line_state)
    try:  # the first start after an ingest: remember what is published, for the next diff
        staff.published.seed_if_current()
    except (OSError, StateError) as exc:
        log.warning("staff console: cannot record the published files yet (%s)", exc)
    app.extensions[EXTENSION] = staff
    register(app, staff)
