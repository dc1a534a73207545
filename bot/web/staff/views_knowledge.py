"""Knowledge: browse, view, edit (validated on every save; invalid saves kept as drafts),
upload, rename and delete files of the knowledge folder."""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Any

from flask import Response, redirect, render_template, request, url_for

from bot.web.staff.blueprint import bp, done, refuse, tr, user
from bot.web.staff.checks import Change, Verdict
from bot.web.staff.console import console
from bot.web.staff.files import (
    TEXT_SUFFIXES,
    PathRefused,
    UploadRefused,
    check_upload,
    clean_filename,
    is_text,
    scope_of,
)
from bot.web.staff.render import render_file

NEW_FILE_SUFFIXES = (".md", ".yaml", ".yml", ".csv")


def _checked(rel: str, *, write: bool = False) -> str:
    staff = console()
    return staff.files.checked(user(), rel, staff.knowledge, write=write)


@bp.errorhandler(PathRefused)
def path_refused(err: PathRefused) -> tuple[str, int]:
    return refuse(tr("path_refused", reason=str(err)), 403)


@bp.get("/knowledge")
def knowledge() -> str:
    staff = console()
    me = user()
    folders = staff.files.folders(me, staff.knowledge)
    folder = request.args.get("folder")
    if folder is None:
        folder = folders[0][1] if folders else ""
    if folder:
        folder = _checked(folder)
    elif not me.all_houses:
        raise PathRefused("the site's files")
    entries = staff.files.listing(folder)
    drafts = {d.path for d in staff.drafts.all()}
    return render_template("staff/knowledge.html", folders=folders, folder=folder, entries=entries,
                           drafts=drafts, writable=staff.files.can_write(me, folder or "site.yaml"),
                           text_suffixes=TEXT_SUFFIXES)


@bp.get("/knowledge/view")
def view_file() -> Any:
    staff = console()
    rel = _checked(request.args.get("path", ""))
    path = staff.files.path(rel)
    if not path.is_file():
        return refuse(tr("not_found"), 404)
    return render_template("staff/view.html", path=rel, rendered=render_file(path, staff.files.root),
                           editable=is_text(rel), writable=staff.files.can_write(user(), rel),
                           draft=staff.drafts.get(rel))


@bp.get("/knowledge/edit")
def edit_file() -> Any:
    staff = console()
    rel = _checked(request.args.get("path", ""))
    if not is_text(rel):
        return refuse(tr("forbidden"), 400)
    draft = staff.drafts.get(rel)
    path = staff.files.path(rel)
    if draft is not None:
        content, problems = draft.content, draft.problems
    else:
        content = staff.files.read_text(rel) if path.is_file() else ""
        problems = []
    return render_template("staff/edit.html", path=rel, content=content, problems=problems, warnings=[],
                           draft=draft is not None, writable=staff.files.can_write(user(), rel))


@bp.post("/knowledge/save")
def save_file() -> Any:
    staff = console()
    me = user()
    rel = _checked(request.form.get("path", ""), write=True)
    if not is_text(rel):
        return refuse(tr("forbidden"), 400)
    content = (request.form.get("content") or "").replace("\r\n", "\n").replace("\r", "\n")
    verdict = staff.checker.check(Change(writes={rel: content.encode("utf-8")}))
    if not verdict.ok:
        problems = [str(p) for p in verdict.problems]
        staff.drafts.save(rel, content, problems, me.name)
        staff.audit.record(me.name, "draft", rel, "\n".join(problems[:10]))
        return render_template("staff/edit.html", path=rel, content=content, problems=problems,
                               warnings=[str(w) for w in verdict.warnings], draft=True, writable=True,
                               message=tr("saved_draft")), 422
    try:
        staff.files.write(rel, content.encode("utf-8"))
    except OSError as exc:
        return refuse(tr("readonly_folder", reason=exc.strerror or str(exc)), 500)
    staff.drafts.discard(rel)
    staff.audit.record(me.name, "edit", rel)
    return render_template("staff/edit.html", path=rel, content=content, problems=[],
                           warnings=[str(w) for w in verdict.warnings], draft=False, writable=True,
                           message=tr("saved"))


@bp.post("/knowledge/discard")
def discard_draft() -> Response:
    staff = console()
    rel = _checked(request.form.get("path", ""), write=True)
    if staff.drafts.discard(rel):
        staff.audit.record(user().name, "discard_draft", rel)
    return done(tr("discarded"), "staff.knowledge", folder=_folder_of(rel))


@bp.post("/knowledge/new")
def new_file() -> Any:
    folder = _checked(request.form.get("folder", ""), write=True)
    try:
        name = clean_filename(request.form.get("name", ""))
    except UploadRefused as exc:
        return refuse(str(exc), 400)
    if PurePosixPath(name).suffix.lower() not in NEW_FILE_SUFFIXES:
        name += ".md"
    rel = _checked(f"{folder}/{name}" if folder else name, write=True)
    return redirect(url_for("staff.edit_file", path=rel))


@bp.post("/knowledge/upload")
def upload() -> Any:
    staff = console()
    me = user()
    folder = _checked(request.form.get("folder", ""), write=True)
    file = request.files.get("file")
    if file is None or not file.filename:
        return refuse(tr("not_found"), 400)
    data = file.read()
    try:
        name = clean_filename(file.filename)
        suffix = check_upload(name, data, staff.settings.staff_upload_mb << 20)
    except UploadRefused as exc:
        return refuse(str(exc), 413 if "over the limit" in str(exc) else 400)
    if suffix == ".zip" and scope_of(folder).kind == "area" and not folder.endswith("/gtfs"):
        folder = f"{folder.split('/gtfs')[0]}/gtfs"
    rel = _checked(f"{folder}/{name}" if folder else name, write=True)
    verdict = staff.checker.check(Change(writes={rel: data}))
    if not verdict.ok:
        return _refused_change(verdict, rel)
    staff.files.write(rel, data)
    staff.audit.record(me.name, "upload", rel, f"{len(data)} bytes")
    return done(tr("uploaded"), "staff.knowledge", folder=_folder_of(rel))


@bp.post("/knowledge/rename")
def rename_file() -> Any:
    staff = console()
    me = user()
    rel = _checked(request.form.get("path", ""), write=True)
    try:
        name = clean_filename(request.form.get("name", ""))
    except UploadRefused as exc:
        return refuse(str(exc), 400)
    parent = _folder_of(rel)
    new_rel = _checked(f"{parent}/{name}" if parent else name, write=True)
    path = staff.files.path(rel)
    if not path.is_file():
        return refuse(tr("not_found"), 404)
    if staff.files.path(new_rel).exists():
        return refuse(tr("path_refused", reason=f"{new_rel} exists already"), 409)
    verdict = staff.checker.check(Change(writes={new_rel: path.read_bytes()}, deletes=[rel]))
    if not verdict.ok:
        return _refused_change(verdict, rel)
    staff.files.rename(rel, new_rel)
    staff.drafts.move(rel, new_rel)
    staff.audit.record(me.name, "rename", rel, new_rel)
    return done(tr("renamed"), "staff.knowledge", folder=parent)


@bp.post("/knowledge/delete")
def delete_file() -> Any:
    staff = console()
    me = user()
    rel = _checked(request.form.get("path", ""), write=True)
    if not staff.files.path(rel).is_file():
        if staff.drafts.discard(rel):  # a new file that only ever existed as a draft
            return done(tr("discarded"), "staff.knowledge", folder=_folder_of(rel))
        return refuse(tr("not_found"), 404)
    verdict = staff.checker.check(Change(deletes=[rel]))
    if not verdict.ok:
        return _refused_change(verdict, rel)
    staff.files.delete(rel)
    staff.drafts.discard(rel)
    staff.audit.record(me.name, "delete", rel)
    return done(tr("deleted"), "staff.knowledge", folder=_folder_of(rel))


def _refused_change(verdict: Verdict, rel: str) -> tuple[str, int]:
    flash_lines = [str(p) for p in verdict.problems]
    return render_template("staff/message.html", message=tr("problems"), lines=flash_lines,
                           back=url_for("staff.knowledge", folder=_folder_of(rel))), 422


def _folder_of(rel: str) -> str:
    parts = PurePosixPath(rel).parts
    if len(parts) >= 2 and parts[0] in ("houses", "areas"):
        return "/".join(parts[:2])
    return ""


