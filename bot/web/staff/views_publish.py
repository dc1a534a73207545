"""Publish: the diff of what will change, then the ingest with its progress and result."""

from __future__ import annotations

from typing import Any

from flask import jsonify, render_template, request

from bot.web.staff.blueprint import bp, done, lang, refuse, tr, user
from bot.web.staff.console import console


@bp.get("/publish")
def publish_page() -> str:
    staff = console()
    me = user()
    knowledge = staff.knowledge
    pending = staff.published.pending()
    hidden = 0
    if pending is not None:
        shown = [d for d in pending if staff.files.can_read(me, d.path, knowledge)]
        hidden = len(pending) - len(shown)
        pending = shown
    drafts = [d for d in staff.drafts.all() if staff.files.can_read(me, d.path, knowledge)]
    run_id = request.args.get("run", type=int)
    run = staff.publisher.get(run_id) if run_id else staff.publisher.latest("running")
    return render_template("staff/publish.html", pending=pending, hidden=hidden, drafts=drafts, run=run,
                           recent=staff.publisher.recent(10), problems=staff.checker.current().problems)


@bp.post("/publish")
def publish_start() -> Any:
    staff = console()
    run_id = staff.publisher.start(user().name)
    if run_id is None:
        return done(tr("publish_busy"), "staff.publish_page")
    return done(tr("publish_running"), "staff.publish_page", run=run_id)


@bp.get("/publish/status/<int:run_id>")
def publish_status(run_id: int) -> Any:
    run = console().publisher.get(run_id)
    if run is None:
        return refuse(tr("not_found"), 404)
    out = run.to_json()
    out["message"] = {"running": tr("publish_running"), "ok": tr("publish_ok"),
                      "failed": tr("publish_failed")}.get(run.status, run.status)
    summary = run.result.get("summary") if run.result else None
    out["summary"] = summary.get(lang(), "") if isinstance(summary, dict) else ""
    return jsonify(out)
