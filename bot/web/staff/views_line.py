"""LINE groups: binding codes for a house, the bound groups (hash prefix only), forget one.

A code may carry the stay's check-out date: the group it binds is forgotten (binding,
sealed id, its logged questions) the day after, by the LINE state's daily purge.

Everything goes through the LINE state's public methods (:class:`bot.line.state.BotState`);
the console never sees a raw group id, only the salted hash the state keys groups by.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from flask import flash, render_template, request

from bot.web.staff.blueprint import bp, done, refuse, tr, user
from bot.web.staff.console import console

#: A binding code is valid this long, or until the end of the stay's check-out day if sooner.
CODE_TTL = timedelta(hours=72)


def _state() -> Any:
    return console().line_state


def _groups() -> list[Any]:
    state = _state()
    if state is None:
        return []
    me = user()
    return [g for g in state.bindings() if me.may_see_house(g.house_id)]


@bp.get("/line")
def line_page() -> str:
    staff = console()
    houses = [h for h in staff.engine.houses.ids() if user().may_see_house(h)]
    return render_template("staff/line.html", houses=houses, groups=_groups(), enabled=_state() is not None)


@bp.post("/line/code")
def line_code() -> Any:
    staff = console()
    state = _state()
    house = request.form.get("house", "")
    if state is None:
        return refuse(tr("line_off"), 503)
    if house not in staff.engine.houses.ids() or not user().may_see_house(house):
        return refuse(tr("forbidden"), 403)
    ttl = CODE_TTL
    raw = request.form.get("checkout", "").strip()
    checkout: date | None = None
    if raw:
        try:
            checkout = date.fromisoformat(raw)
        except ValueError:
            return refuse(tr("checkout_invalid"), 400)
        if checkout < staff.now().date():
            return refuse(tr("checkout_past"), 400)
        end = datetime.combine(checkout, time(23, 59), staff.engine.houses.timezone)
        ttl = max(timedelta(minutes=1), min(ttl, end - staff.now()))
    code = state.issue_bind_code(house, ttl, checkout)
    staff.audit.record(user().name, "bind_code", house, f"checkout {checkout}" if checkout else "")
    flash(tr("code_issued", code=code))
    return render_template("staff/line.html", houses=[h for h in staff.engine.houses.ids()
                                                      if user().may_see_house(h)],
                           groups=_groups(), enabled=True, code=code)


@bp.post("/line/forget")
def line_forget() -> Any:
    state = _state()
    key = request.form.get("group", "")
    if state is None:
        return refuse(tr("line_off"), 503)
    group = next((g for g in _groups() if g.group_key == key), None)
    if group is None:  # unknown, or a group of a house this account may not see
        return refuse(tr("forbidden"), 403)
    state.forget_group_key(group.group_key)
    console().audit.record(user().name, "forget_group", group.house_id, group.group_key[:8])
    return done(tr("forgotten"), "staff.line_page")
