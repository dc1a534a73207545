"""Staff accounts (admins only): add, remove, reset a password, limit an account to houses;
and the audit log."""

from __future__ import annotations

from typing import Any

from flask import render_template, request

from bot.web.staff.accounts import AccountError, parse_houses
from bot.web.staff.blueprint import bp, done, refuse, tr, user
from bot.web.staff.console import console


def _admin_only() -> Any:
    if not user().is_admin:
        return refuse(tr("forbidden"), 403)
    return None


@bp.get("/accounts")
def accounts_page() -> Any:
    if (denied := _admin_only()) is not None:
        return denied
    staff = console()
    return render_template("staff/accounts.html", accounts=staff.accounts.list(), houses=staff.engine.houses.ids(),
                           audit=staff.audit.recent(200))


def _houses(raw: str) -> list[str]:
    known = set(console().engine.houses.ids())
    houses = list(parse_houses(raw))
    unknown = [h for h in houses if h not in known]
    if unknown:
        raise AccountError(f"unknown house(s): {', '.join(unknown)}")
    return houses


@bp.post("/accounts/add")
def account_add() -> Any:
    if (denied := _admin_only()) is not None:
        return denied
    staff = console()
    name = (request.form.get("name") or "").strip()
    try:
        staff.accounts.add(name, request.form.get("password") or "", request.form.get("role") or "staff",
                           _houses(request.form.get("houses") or ""))
    except AccountError as exc:
        return refuse(str(exc), 400)
    staff.audit.record(user().name, "account_add", name, request.form.get("role") or "staff")
    return done(tr("account_added"), "staff.accounts_page")


@bp.post("/accounts/remove")
def account_remove() -> Any:
    if (denied := _admin_only()) is not None:
        return denied
    staff = console()
    name = request.form.get("name") or ""
    target = staff.accounts.get(name)
    if target is None:
        return refuse(tr("not_found"), 404)
    if target.is_admin and staff.accounts.count_admins() <= 1:
        return refuse(tr("last_admin"), 409)
    staff.accounts.remove(name)
    staff.audit.record(user().name, "account_remove", name)
    return done(tr("account_removed"), "staff.accounts_page")


@bp.post("/accounts/password")
def account_password() -> Any:
    if (denied := _admin_only()) is not None:
        return denied
    staff = console()
    name = request.form.get("name") or ""
    try:
        changed = staff.accounts.set_password(name, request.form.get("password") or "")
    except AccountError as exc:
        return refuse(str(exc), 400)
    if not changed:
        return refuse(tr("not_found"), 404)
    staff.audit.record(user().name, "password_reset", name)
    return done(tr("account_updated"), "staff.accounts_page")


@bp.post("/accounts/access")
def account_access() -> Any:
    if (denied := _admin_only()) is not None:
        return denied
    staff = console()
    name = request.form.get("name") or ""
    target = staff.accounts.get(name)
    if target is None:
        return refuse(tr("not_found"), 404)
    role = request.form.get("role") or target.role
    if target.is_admin and role != "admin" and staff.accounts.count_admins() <= 1:
        return refuse(tr("last_admin"), 409)
    try:
        staff.accounts.set_access(name, role, _houses(request.form.get("houses") or ""))
    except AccountError as exc:
        return refuse(str(exc), 400)
    staff.audit.record(user().name, "account_access", name, f"{role} {request.form.get('houses') or 'all'}")
    return done(tr("account_updated"), "staff.accounts_page")
