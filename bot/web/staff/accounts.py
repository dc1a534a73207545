"""Staff accounts: names, roles, the houses an account may see, password hashes, login limits.

Why werkzeug's scrypt: a vetted, memory-hard password hash that ships with Flask (no extra
dependency); hashes carry their own parameters, so a later default can be adopted on the
next password change. Failed logins are counted in the state database (not in process
memory) so the limit holds across gunicorn workers and hosts.
"""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from sqlalchemy import delete, func, select, update
from werkzeug.security import check_password_hash, generate_password_hash

from bot.state import Database
from bot.web.staff.tables import staff_accounts, staff_login_failures

ROLES = ("admin", "staff")
NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")
MIN_PASSWORD = 8
MAX_PASSWORD = 200
#: Failed logins allowed per window, per account name and per client address.
FAILURES_PER_NAME = 5
FAILURES_PER_ADDRESS = 20
FAILURE_WINDOW_SECONDS = 15 * 60


class AccountError(ValueError):
    """A name, role, house list or password that cannot be accepted; the message says why."""


@dataclass(frozen=True)
class Account:
    name: str
    role: str
    houses: tuple[str, ...]  # empty: every house
    session_token: str
    created_at: float

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def all_houses(self) -> bool:
        return not self.houses

    def may_see_house(self, house_id: str) -> bool:
        return self.all_houses or house_id in self.houses


def parse_houses(raw: str | Iterable[str] | None) -> tuple[str, ...]:
    items = raw.split(",") if isinstance(raw, str) else list(raw or [])
    return tuple(sorted({h.strip() for h in items if h and h.strip()}))


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"the password must have at least {MIN_PASSWORD} characters")
    if len(password) > MAX_PASSWORD:
        raise AccountError(f"the password must have at most {MAX_PASSWORD} characters")


class Accounts:
    """Typed access to the accounts table; safe to share between threads."""

    def __init__(self, db: Database, *, clock: Callable[[], float] = time.time):
        self.db = db
        self._clock = clock

    def add(self, name: str, password: str, role: str = "staff", houses: Iterable[str] = ()) -> Account:
        if not NAME_RE.match(name):
            raise AccountError(f"invalid account name {name!r}: use letters, digits, '.', '_', '-', '@' (max 64)")
        if role not in ROLES:
            raise AccountError(f"role must be one of {', '.join(ROLES)}, not {role!r}")
        check_password(password)
        hs = parse_houses(houses)
        now = self._clock()
        with self.db.write() as conn:
            if conn.execute(select(staff_accounts.c.name).where(staff_accounts.c.name == name)).first():
                raise AccountError(f"an account named {name!r} already exists")
            conn.execute(staff_accounts.insert().values(
                name=name, role=role, houses=",".join(hs), password_hash=generate_password_hash(password),
                session_token=secrets.token_hex(16), created_at=now))
        account = self.get(name)
        assert account is not None
        return account

    def get(self, name: str) -> Account | None:
        a = staff_accounts.c
        with self.db.read() as conn:
            row = conn.execute(select(a.name, a.role, a.houses, a.session_token, a.created_at)
                               .where(a.name == name)).first()
        return _account(row) if row else None

    def list(self) -> list[Account]:
        a = staff_accounts.c
        with self.db.read() as conn:
            rows = conn.execute(select(a.name, a.role, a.houses, a.session_token, a.created_at)
                                .order_by(a.name)).all()
        return [_account(r) for r in rows]

    def count_admins(self) -> int:
        with self.db.read() as conn:
            return int(conn.execute(select(func.count()).select_from(staff_accounts)
                                    .where(staff_accounts.c.role == "admin")).scalar_one())

    def remove(self, name: str) -> bool:
        with self.db.write() as conn:
            return conn.execute(delete(staff_accounts).where(staff_accounts.c.name == name)).rowcount > 0

    def set_password(self, name: str, password: str) -> bool:
        """New hash and a new session token: every open session of the account ends."""
        check_password(password)
        with self.db.write() as conn:
            return conn.execute(update(staff_accounts).where(staff_accounts.c.name == name).values(
                password_hash=generate_password_hash(password), session_token=secrets.token_hex(16))).rowcount > 0

    def set_access(self, name: str, role: str, houses: Iterable[str]) -> bool:
        if role not in ROLES:
            raise AccountError(f"role must be one of {', '.join(ROLES)}, not {role!r}")
        with self.db.write() as conn:
            return conn.execute(update(staff_accounts).where(staff_accounts.c.name == name).values(
                role=role, houses=",".join(parse_houses(houses)))).rowcount > 0

    def verify(self, name: str, password: str) -> Account | None:
        """The account when the password is right; None otherwise (same cost either way)."""
        with self.db.read() as conn:
            row = conn.execute(select(staff_accounts.c.password_hash).where(staff_accounts.c.name == name)).first()
        stored = row[0] if row else _DUMMY_HASH
        ok = check_password_hash(stored, password)
        return self.get(name) if ok and row else None

    # -- login rate limit ---------------------------------------------------------------

    def throttled(self, name: str, address: str) -> bool:
        """True when too many logins failed lately for this name or from this address."""
        since = self._clock() - FAILURE_WINDOW_SECONDS
        f = staff_login_failures.c
        with self.db.read() as conn:
            by_name = conn.execute(select(func.count()).select_from(staff_login_failures)
                                   .where(f.key == f"name:{name.lower()}", f.at >= since)).scalar_one()
            by_addr = conn.execute(select(func.count()).select_from(staff_login_failures)
                                   .where(f.key == f"addr:{address}", f.at >= since)).scalar_one()
        return int(by_name) >= FAILURES_PER_NAME or int(by_addr) >= FAILURES_PER_ADDRESS

    def record_failure(self, name: str, address: str) -> None:
        now = self._clock()
        with self.db.write() as conn:
            conn.execute(delete(staff_login_failures).where(staff_login_failures.c.at < now - FAILURE_WINDOW_SECONDS))
            conn.execute(staff_login_failures.insert(), [{"key": f"name:{name.lower()}", "at": now},
                                                         {"key": f"addr:{address}", "at": now}])

    def clear_failures(self, name: str) -> None:
        with self.db.write() as conn:
            conn.execute(delete(staff_login_failures).where(staff_login_failures.c.key == f"name:{name.lower()}"))


_DUMMY_HASH = generate_password_hash("not-a-password-of-anyone")


def _account(row: tuple) -> Account:  # type: ignore[type-arg]
    return Account(row[0], row[1], parse_houses(row[2]), row[3], float(row[4]))
