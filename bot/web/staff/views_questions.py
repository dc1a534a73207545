"""Questions: what stayers asked that got "I don't know", a low-confidence answer or a 👎;
write the answer (a curated FAQ entry), mark the answer right, or ignore."""

from __future__ import annotations

from typing import Any

from flask import render_template, request

from bot.web.staff import faq
from bot.web.staff.blueprint import bp, done, refuse, tr, user
from bot.web.staff.console import console
from bot.web.staff.questions import open_questions
from text.detect import detect_lang


def _house(house_id: str) -> str:
    staff = console()
    if house_id not in staff.engine.houses.ids() or not user().may_see_house(house_id):
        raise PermissionError(house_id)
    return house_id


@bp.errorhandler(PermissionError)
def not_yours(_err: PermissionError) -> tuple[str, int]:
    return refuse(tr("forbidden"), 403)


@bp.get("/questions")
def questions_page() -> str:
    staff = console()
    me = user()
    days = staff.settings.question_log_days
    items = open_questions(staff.db, staff.actions, days, me.may_see_house)
    by_house: dict[str, list[Any]] = {}
    for q in items:
        by_house.setdefault(q.house_id, []).append(q)
    return render_template("staff/questions.html", by_house=by_house, faq_ready=faq.available())


@bp.post("/questions/action")
def question_action() -> Any:
    staff = console()
    house = _house(request.form.get("house", ""))
    text = (request.form.get("text") or "").strip()
    action = {"right": "right", "ignore": "ignored"}.get(request.form.get("action", ""))
    if not text or action is None:
        return refuse(tr("forbidden"), 400)
    staff.actions.record(house, text, action, user().name)
    staff.audit.record(user().name, f"question_{action}", house, text[:200])
    return done(tr("action_done"), "staff.questions_page")


@bp.route("/questions/answer", methods=["GET", "POST"])
def write_answer() -> Any:
    staff = console()
    source = request.form if request.method == "POST" else request.args
    house = _house(source.get("house", ""))
    question = (source.get("q") or "").strip()
    if not faq.available():
        return refuse(tr("faq_missing"), 501)
    if request.method == "GET":
        return render_template("staff/faq.html", house=house, question=question, variants=question,
                               answer="", answer_lang=detect_lang(question) if question else "ja", problems=[])
    variants = [v.strip() for v in (request.form.get("variants") or "").splitlines() if v.strip()]
    answer = (request.form.get("answer") or "").replace("\r\n", "\n").strip()
    answer_lang = request.form.get("lang", "ja")
    result = faq.add_entry(staff, house, variants, answer, answer_lang, user().name)
    if result.problems:
        return render_template("staff/faq.html", house=house, question=question, variants="\n".join(variants),
                               answer=answer, answer_lang=answer_lang, problems=result.problems), 422
    for text in {question, *variants} - {""}:
        staff.actions.record(house, text, "answered", user().name)
    staff.audit.record(user().name, "faq_add", result.path, question[:200])
    return done(tr("faq_saved"), "staff.publish_page")
