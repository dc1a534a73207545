"""The /staff/ blueprint: sessions, CSRF, language, login and logout; the pages live in
``views_*.py`` and register on the same blueprint.

* **Sessions**: Flask-Login over Flask's signed cookie (``concierge_staff``: HttpOnly,
  SameSite=Lax, Secure unless ``CONCIERGE_STAFF_COOKIE_SECURE=false`` for plain-HTTP
  trials on localhost). The session names the account and its session token, so a password
  reset or a removed account ends every open session at the next request.
* **Every route but the login page requires a session**; without one, GET and POST are
  redirected to ``/staff/login``.
* **CSRF**: Flask-WTF's token (field ``csrf_token``) is checked on every POST of the
  blueprint, before anything else; a missing or wrong token is answered 400. The check is
  not app-wide, because the LINE and Alexa webhooks authenticate by signature instead.
* **Body size**: form posts are limited to a few MiB, uploads to the upload limit
  (``CONCIERGE_STAFF_UPLOAD_MB``); beyond it, 413 with a message.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, Flask, Response, flash, redirect, render_template, request, session, url_for
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user
from flask_wtf import FlaskForm
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.exceptions import RequestEntityTooLarge
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from bot.web.staff.accounts import Account
from bot.web.staff.console import StaffConsole, console
from bot.web.staff.phrases import LANGS, t

bp = Blueprint("staff", __name__, url_prefix="/staff", template_folder="templates", static_folder="static")

#: Form posts other than uploads (the editor's text is at most 1 MiB, sent as UTF-8).
MAX_FORM_BYTES = 4 << 20
OPEN_ENDPOINTS = ("staff.login", "staff.static", "staff.set_lang")
csrf = CSRFProtect()


class StaffUser(UserMixin):  # type: ignore[misc]
    def __init__(self, account: Account):
        self.account = account

    def get_id(self) -> str:
        return f"{self.account.name}:{self.account.session_token}"


def user() -> Account:
    """The logged-in account (routes run only with a session, see ``guard``)."""
    account: Account = current_user.account
    return account


def lang() -> str:
    value = session.get("staff_lang", "ja")
    return value if value in LANGS else "ja"


def tr(key: str, **values: object) -> str:
    return t(key, lang(), **values)


class LoginForm(FlaskForm):  # type: ignore[misc]
    username = StringField(validators=[DataRequired(), Length(max=64)])
    password = PasswordField(validators=[DataRequired(), Length(max=200)])


def safe_next(target: str | None) -> str:
    """Only a path of this console: never another site (open redirect)."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and parts.path.startswith("/staff/"):
            return target
    return url_for("staff.overview")


@bp.before_request
def guard() -> Any:
    """CSRF first (it parses the body, so the size limit is set before), then the session."""
    if request.method == "POST":
        staff = console()
        upload = request.endpoint == "staff.upload"
        request.max_content_length = (staff.settings.staff_upload_mb << 20) + (64 << 10) if upload \
            else MAX_FORM_BYTES
        csrf.protect()
    if request.endpoint in OPEN_ENDPOINTS:
        return None
    if not current_user.is_authenticated:
        back = request.full_path.rstrip("?") if request.method == "GET" else None
        return redirect(url_for("staff.login", next=back))
    return None


@bp.errorhandler(CSRFError)
def csrf_failed(_err: CSRFError) -> tuple[str, int]:
    return render_template("staff/message.html", message=tr("csrf_failed")), 400


@bp.errorhandler(RequestEntityTooLarge)
def too_large(_err: RequestEntityTooLarge) -> tuple[str, int]:
    return render_template("staff/message.html", message=tr("too_large", mb=console().settings.staff_upload_mb)), 413


@bp.app_template_filter("when")
def when(ts: float | None) -> str:
    if not ts:
        return "–"
    return datetime.fromtimestamp(float(ts), console().engine.houses.timezone).strftime("%Y-%m-%d %H:%M")


@bp.context_processor
def inject() -> dict[str, Any]:
    authed = current_user.is_authenticated
    return {"t": tr, "lang": lang(), "me": user() if authed else None, "staff": console()}


@bp.get("/lang/<code>")
def set_lang(code: str) -> Response:
    if code in LANGS:
        session["staff_lang"] = code
    return redirect(safe_next(request.args.get("next")))  # type: ignore[return-value]


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    form = LoginForm()
    error = ""
    status = 200
    if request.method == "POST":
        staff = console()
        name = (request.form.get("username") or "").strip()[:64]
        address = request.remote_addr or "?"
        if staff.accounts.throttled(name, address):
            error, status = tr("login_throttled"), 429
        elif form.validate() and (account := staff.accounts.verify(name, form.password.data)) is not None:
            staff.accounts.clear_failures(name)
            session.clear()
            session.permanent = True
            login_user(StaffUser(account))
            staff.audit.record(account.name, "login")
            return redirect(safe_next(request.args.get("next")))
        else:
            staff.accounts.record_failure(name, address)
            error, status = tr("login_failed"), 401
    return render_template("staff/login.html", form=form, error=error), status


@bp.post("/logout")
def logout() -> Response:
    keep = session.get("staff_lang")
    logout_user()
    session.clear()
    if keep:
        session["staff_lang"] = keep
    return redirect(url_for("staff.login"))  # type: ignore[return-value]


def register(app: Flask, staff: StaffConsole) -> None:
    """Wire sessions, CSRF and the blueprint into ``app``."""
    settings = staff.settings
    if not app.secret_key:
        app.secret_key = staff.secret_key()
    app.config.update(
        SESSION_COOKIE_NAME="concierge_staff",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.staff_cookie_secure,
        SESSION_COOKIE_PATH="/staff",
        PERMANENT_SESSION_LIFETIME=timedelta(hours=12),
        WTF_CSRF_CHECK_DEFAULT=False,  # checked in ``guard`` for /staff/ only
        WTF_CSRF_TIME_LIMIT=12 * 3600,
    )
    csrf.init_app(app)
    manager = LoginManager()
    manager.session_protection = "basic"
    manager.init_app(app)

    def load(user_id: str) -> StaffUser | None:
        name, _, token = user_id.partition(":")
        account = staff.accounts.get(name)
        if account is None or not token or account.session_token != token:
            return None
        return StaffUser(account)

    manager.user_loader(load)

    from bot.web.staff import (  # noqa: F401  (each registers its routes on ``bp``)
        views_accounts,
        views_knowledge,
        views_line,
        views_overview,
        views_publish,
        views_questions,
        views_try,
    )

    app.register_blueprint(bp)


def refuse(message: str, status: int = 403) -> tuple[str, int]:
    return render_template("staff/message.html", message=message), status


def done(message: str, endpoint: str, **values: Any) -> Response:
    flash(message)
    return redirect(url_for(endpoint, **values))  # type: ignore[return-value]
