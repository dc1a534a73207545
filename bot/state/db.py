"""The state database: one SQLAlchemy engine over SQLite (embedded default) or PostgreSQL.

Why SQLAlchemy Core and not hand-written SQL: one schema and one set of statements serve
both databases; the few dialect differences (``INSERT ... ON CONFLICT``, how a write
transaction starts) are handled here, once.

* **SQLite** (``<data>/bot-state.sqlite3``): WAL journal, a 10 s busy timeout, and write
  transactions that start with ``BEGIN IMMEDIATE`` so that concurrent writers (gunicorn
  workers, the CLI, the scheduler) queue for the lock instead of failing half-way. The file
  is created 0600 and its folder 0700 (the -wal/-shm files inherit the file's mode).
* **PostgreSQL** (``CONCIERGE_STATE_URL=postgresql://...``, psycopg 3): a connection pool
  with ``pool_pre_ping``, so connections broken by a database restart are replaced before
  use, and one retry of a failed checkout, so a call made while the server comes back waits
  a moment instead of failing.

Errors a caller can do nothing about (the database is down, the disk is full or read-only)
are raised as :class:`StateUnavailable`, so the webhook can answer 503 and log one line.
"""

from __future__ import annotations

import logging
import os
import stat
import threading
import time
import weakref
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, Table, create_engine, event, exc
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import URL, make_url
from sqlalchemy.pool import ConnectionPoolEntry

log = logging.getLogger(__name__)

#: File name of the embedded database inside ``settings.data_dir``.
STATE_FILE = "bot-state.sqlite3"
#: How long a SQLite writer waits for the lock, in milliseconds.
SQLITE_BUSY_MS = 10_000
#: Pause before the one retry of a failed checkout (a restarting server needs a moment).
CHECKOUT_RETRY_SECONDS = 0.5
#: Connections kept per process (gunicorn threads + LINE workers + the scheduler).
POOL_SIZE = 8
POOL_OVERFLOW = 16

_TRANSIENT = (exc.OperationalError, exc.InterfaceError, exc.TimeoutError)


class StateError(RuntimeError):
    """The state database cannot be used (bad URL, folder not writable, migration failed)."""


class StateUnavailable(StateError):
    """A call failed because the database is down, full or read-only; retry later."""


def database_url(raw_url: str, data_dir: Path) -> URL:
    """``CONCIERGE_STATE_URL`` as a SQLAlchemy URL, or the embedded SQLite file when unset.

    ``postgresql://`` and ``postgres://`` select psycopg 3 (the driver this project ships).
    """
    if not raw_url:
        return URL.create("sqlite", database=str(Path(data_dir) / STATE_FILE))
    try:
        url = make_url(raw_url)
    except exc.ArgumentError as err:
        raise StateError(f"CONCIERGE_STATE_URL is not a database URL: {err}") from None
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")
    if url.get_backend_name() not in ("postgresql", "sqlite"):
        raise StateError(f"CONCIERGE_STATE_URL must be postgresql://... or sqlite:///..., not {url.drivername}://")
    return url


def redacted(url: URL) -> str:
    """The URL for messages: never the password."""
    return url.render_as_string(hide_password=True)


@dataclass(eq=False)
class Database:
    """One engine (and its pool) per process; safe to share between threads.

    Use :meth:`read` for queries and :meth:`write` for anything that changes rows; both
    yield a SQLAlchemy ``Connection``. Build one with :func:`open_database`.
    """

    url: URL
    engine: Engine
    file: Path | None = None
    _fork_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    #: SQLite has one writer at a time. Threads of this process queue here instead of in
    #: SQLite's busy handler, which sleeps in steps of up to 100 ms: under 20 concurrent
    #: LINE clients those sleeps were most of the p95 (other processes still meet the
    #: busy handler). Reentrant so a nested write fails as before instead of hanging.
    _sqlite_writer: threading.RLock = field(default_factory=threading.RLock, repr=False)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @property
    def is_sqlite(self) -> bool:
        return self.dialect == "sqlite"

    def describe(self) -> str:
        return str(self.file) if self.file else redacted(self.url)

    # -- connections ----------------------------------------------------------------------

    def _checkout(self) -> Connection:
        """A pooled connection; a failed checkout is retried once after a short pause."""
        try:
            return self.engine.connect()
        except _TRANSIENT as first:
            log.info("state database checkout failed (%s); retrying once", _reason(first))
            time.sleep(CHECKOUT_RETRY_SECONDS)
            try:
                return self.engine.connect()
            except _TRANSIENT as err:
                raise StateUnavailable(f"state database {self.describe()} unavailable: {_reason(err)}") from err

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A connection for queries (a deferred transaction, rolled back at the end)."""
        conn = self._checkout()
        try:
            yield conn
        except _TRANSIENT as err:
            raise StateUnavailable(f"state database {self.describe()} unavailable: {_reason(err)}") from err
        finally:
            conn.close()

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """One write transaction, committed when the block ends without an exception.

        On SQLite it starts with ``BEGIN IMMEDIATE``: the write lock is taken up front, so a
        transaction that reads and then writes never fails with "database is locked".
        """
        with self._sqlite_writer if self.is_sqlite else nullcontext():
            conn = self._checkout()
            try:
                conn.execution_options(state_write=True, preserve_rowcount=True)
                with conn.begin():
                    yield conn
            except _TRANSIENT as err:
                raise StateUnavailable(f"state database {self.describe()} unavailable: {_reason(err)}") from err
            finally:
                conn.close()

    # -- dialect helpers ------------------------------------------------------------------

    def insert(self, table: Table) -> Any:
        """An INSERT that supports ``on_conflict_do_nothing`` / ``on_conflict_do_update``."""
        if self.is_sqlite:
            return sqlite.insert(table)
        return postgresql.insert(table)

    def dispose(self) -> None:
        """Close every pooled connection (tests, shutdown)."""
        self.engine.dispose()

    def after_fork(self) -> None:
        """Forget the parent's pooled connections without closing them (they are the parent's)."""
        self.engine.dispose(close=False)


def _reason(err: BaseException) -> str:
    orig = getattr(err, "orig", None) or err
    text = str(orig).strip().splitlines()[0] if str(orig).strip() else type(orig).__name__
    return text[:200]


# -- construction ---------------------------------------------------------------------------

_open: weakref.WeakSet[Database] = weakref.WeakSet()


def _forget_pools_after_fork() -> None:
    for db in list(_open):
        db.after_fork()


os.register_at_fork(after_in_child=_forget_pools_after_fork)


def private_file(path: Path) -> None:
    """Create ``path`` (and its folder) readable by the owner only: 0600 in a 0700 folder.

    Existing files and folders are tightened too, so an installation made before this rule
    is fixed at its next start.
    """
    folder = path.parent
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    if stat.S_IMODE(folder.stat().st_mode) != 0o700 and folder.stat().st_uid == os.getuid():
        folder.chmod(0o700)
    fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
    os.close(fd)
    for p in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        if p.exists() and stat.S_IMODE(p.stat().st_mode) != 0o600 and p.stat().st_uid == os.getuid():
            p.chmod(0o600)


def _sqlite_engine(url: URL) -> tuple[Engine, Path]:
    file = Path(url.database or "").resolve()
    if not url.database or url.database == ":memory:":
        raise StateError("the SQLite state database must be a file")
    try:
        private_file(file)
    except OSError as err:
        raise StateError(f"cannot create the bot state at {file}: {err}") from err
    engine = create_engine(
        url.set(database=str(file)),
        connect_args={"timeout": SQLITE_BUSY_MS / 1000},
        pool_size=POOL_SIZE,
        max_overflow=POOL_OVERFLOW,
        pool_pre_ping=False,  # a file cannot go away under a pooled connection
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: ConnectionPoolEntry) -> None:
        dbapi_conn.isolation_level = None  # SQLAlchemy emits BEGIN itself (below)
        cur = dbapi_conn.cursor()
        try:
            cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_MS}")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
        finally:
            cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        immediate = conn.get_execution_options().get("state_write")
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine, file


def _postgresql_engine(url: URL) -> Engine:
    return create_engine(
        url,
        pool_pre_ping=True,  # a restarted server leaves dead connections in the pool
        pool_size=POOL_SIZE,
        max_overflow=POOL_OVERFLOW,
        pool_recycle=1800,
        connect_args={"connect_timeout": 5, "application_name": "stay-concierge"},
    )


def open_database(url: URL | str, *, migrate: bool = True) -> Database:
    """An engine for ``url``, with the schema brought up to date unless ``migrate`` is False.

    Migrating is idempotent and safe when several processes start at once (see
    :mod:`bot.state.migrate`).
    """
    url = make_url(url) if isinstance(url, str) else url
    try:
        if url.get_backend_name() == "sqlite":
            engine, file = _sqlite_engine(url)
            db = Database(url, engine, file)
        else:
            db = Database(url, _postgresql_engine(url))
    except exc.ArgumentError as err:
        raise StateError(f"cannot use state database {redacted(url)}: {err}") from None
    except exc.NoSuchModuleError as err:
        raise StateError(f"no driver for state database {redacted(url)}: {err}") from None
    _open.add(db)
    if migrate:
        from bot.state.migrate import upgrade

        upgrade(db)
    return db
