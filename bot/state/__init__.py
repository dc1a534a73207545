"""The bot's own state database, shared by every channel (see ``db.py`` for why and how).

Public API (what channel code and new features use):

* :func:`database_for` (settings -> a migrated :class:`Database`), :func:`open_database`
  (a URL -> the same), :class:`Database` with ``read()``/``write()`` connections and
  ``insert(table)`` for portable upserts;
* :data:`~bot.state.schema.metadata` to declare tables on, :func:`meta_value` for
  installation-wide values;
* :class:`QuestionLog`, the question log shared by LINE and Alexa;
* :class:`StateError` / :class:`StateUnavailable` for failures.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any

from bot.config import Settings
from bot.state.db import STATE_FILE, Database, StateError, StateUnavailable, database_url, open_database
from bot.state.questions import QuestionLog
from bot.state.schema import meta_value, metadata

__all__ = ["APP_EXTENSION", "STATE_FILE", "Database", "QuestionLog", "StateError", "StateUnavailable", "database_for",
           "database_url", "meta_value", "metadata", "open_database", "shared_database"]

#: Key of the app's one Database in ``Flask.extensions`` (LINE, Alexa and the staff console share it).
APP_EXTENSION = "concierge_state"


def database_for(settings: Settings, *, migrate: bool = True) -> Database:
    """The state database ``settings`` name: ``CONCIERGE_STATE_URL``, else SQLite in the data folder."""
    return open_database(database_url(settings.state_url, settings.data_dir), migrate=migrate)


def shared_database(extensions: MutableMapping[str, Any], settings: Settings) -> Database:
    """The app's one state database (kept in ``app.extensions``), opened by the first channel."""
    db = extensions.get(APP_EXTENSION)
    if db is None:
        db = extensions[APP_EXTENSION] = database_for(settings)
    assert isinstance(db, Database)
    return db
