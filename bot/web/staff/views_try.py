"""Try it: ask as a stayer of a chosen house, at a chosen time, in a chosen language, and see
the answer as LINE shows it and as the speaker says it, with intent, confidence, sources
and why it abstained. Nothing asked here is logged as a stayer's question."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask import render_template, request

from bot.engine.contract import Answer, Question
from bot.line.render import answer_messages
from bot.state.questions import rateable
from bot.web.staff.blueprint import bp, refuse, tr, user
from bot.web.staff.console import console
from ingest.knowledge import UnknownHouse
from skills.alexa.speech import render as speak
from text.detect import norm_lang

LANG_CHOICES = ("", "ja", "en", "zh", "ko")


@dataclass
class LineView:
    texts: list[str] = field(default_factory=list)
    flex_alt: list[str] = field(default_factory=list)
    chips: list[str] = field(default_factory=list)


def line_view(answer: Answer) -> LineView:
    """The reply LINE would get, 👍/👎 included for an answer stayers may rate (the row id
    of a real reply is left out: nothing asked here is logged)."""
    view = LineView()
    for m in answer_messages(answer, rating=0 if rateable(answer) else None):
        text = getattr(m, "text", None)
        if text is not None:
            view.texts.append(text)
        alt = getattr(m, "alt_text", None)
        if alt:
            view.flex_alt.append(alt)
        qr = getattr(m, "quick_reply", None)
        if qr is not None:
            view.chips = [item.action.label for item in qr.items]
    return view


def why_abstained(answer: Answer, lang: str) -> str:
    if not answer.abstained:
        return ""
    reason = answer.data.get("abstain_reason") or answer.data.get("why") if answer.data else None
    if reason:
        return str(reason)
    config = getattr(console().engine, "config", None)
    threshold = getattr(getattr(config, "compose", None), "abstain_below", None)
    if not answer.sources and answer.confidence <= 0.0:
        return tr("abstained_none")
    if threshold is not None:
        return tr("abstained_low", conf=f"{answer.confidence:.2f}", threshold=f"{threshold:.2f}")
    return tr("abstained_none")


def candidates(question: Question) -> list[Any]:
    """The top sections retrieval considered (when the engine offers ``search``)."""
    search = getattr(console().engine, "search", None)
    if search is None:
        return []
    try:
        return list(search(question))[:3]
    except Exception:  # a diagnostic only: the answer itself is already shown
        return []


@bp.route("/try", methods=["GET", "POST"])
def try_it() -> Any:
    staff = console()
    me = user()
    houses = [h for h in staff.engine.houses.ids() if me.may_see_house(h)]
    form: dict[str, str] = {
        "house": request.form.get("house") or (houses[0] if houses else ""),
        "when": request.form.get("when") or staff.now().strftime("%Y-%m-%dT%H:%M"),
        "lang": request.form.get("lang", ""),
        "q": (request.form.get("q") or "").strip(),
    }
    result: dict[str, Any] | None = None
    if request.method == "POST":
        if form["house"] not in houses:
            return refuse(tr("forbidden"), 403)
        try:
            now = datetime.fromisoformat(form["when"])
        except ValueError:
            now = staff.now()
        if now.tzinfo is None:
            now = now.replace(tzinfo=staff.engine.houses.timezone)
        q = Question(text=form["q"], house_id=form["house"], now=now,
                     lang=form["lang"] if form["lang"] in LANG_CHOICES[1:] else None, channel="staff")
        try:
            answer = staff.engine.answer(q)
        except UnknownHouse:
            return refuse(tr("not_found"), 404)
        lang = norm_lang(answer.lang)
        result = {"answer": answer, "line": line_view(answer), "speech": speak(answer, lang),
                  "why": why_abstained(answer, lang), "hits": candidates(q) if answer.abstained else []}
    return render_template("staff/try.html", houses=houses, form=form, result=result, langs=LANG_CHOICES)
