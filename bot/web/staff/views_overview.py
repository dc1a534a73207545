"""Overview: per house, this week's questions and how they went; what needs a person."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import render_template

from bot.web.staff.blueprint import bp, user
from bot.web.staff.console import console
from ingest.expiry import endings
from ingest.validate import fingerprint

WEEK_DAYS = 7


@dataclass(frozen=True)
class HouseWeek:
    house_id: str
    name: str
    asked: int
    abstained: int
    down: int  # answers a stayer turned down with 👎 (not HouseCounts.down: that is outages)

    @property
    def answered_share(self) -> float | None:
        return (self.asked - self.abstained) / self.asked if self.asked else None


def house_weeks(lang: str) -> list[HouseWeek]:
    staff = console()
    me = user()
    today = staff.now().date().isoformat()
    counts = {c.house_id: c for c in staff.questions.counts(WEEK_DAYS, today)}
    downvotes = staff.questions.downvotes(WEEK_DAYS)
    out = []
    for hid in staff.engine.houses.ids():
        if not me.may_see_house(hid):
            continue
        c = counts.get(hid)
        out.append(HouseWeek(hid, staff.engine.houses.name(hid, lang), c.asked if c else 0,
                             c.abstained if c else 0, downvotes.get(hid, 0)))
    return out


def attention() -> dict[str, Any]:
    """Problems, warnings (placeholders, calendars and feeds that end) and drafts this account may see."""
    staff = console()
    me = user()
    knowledge = staff.knowledge
    scan = staff.checker.current()

    def visible(path: str) -> bool:
        return staff.files.can_read(me, path, knowledge)

    today = staff.now().date()
    fp = fingerprint(staff.files.root)
    cached = getattr(staff, "_endings", None)
    if cached is None or cached[0] != fp:
        cached = (fp, endings(knowledge, today))
        staff._endings = cached  # type: ignore[attr-defined]
    return {
        "today": today,
        "endings": [e for e in cached[1] if visible(e.path)],
        "problems": [p for p in scan.problems if visible(p.path)],
        "warnings": [w for w in scan.warnings if visible(w.path)],
        "drafts": [d for d in staff.drafts.all() if visible(d.path)],
    }


@bp.get("/")
def overview() -> str:
    from bot.web.staff.blueprint import lang

    staff = console()
    return render_template("staff/overview.html", weeks=house_weeks(lang()), attention=attention(),
                           last=staff.publisher.latest("ok"), running=staff.publisher.latest("running"))
