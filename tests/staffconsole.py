"""Helpers for the staff console tests: an app over a writable knowledge copy, logins, CSRF."""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import SAMPLE_KNOWLEDGE

PASSWORD = "correct-horse-1"
HOUSE = "hakka-house"
OTHER = "other-house"
_TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')


@dataclass
class Console:
    app: Flask
    knowledge: Path
    engine: Any

    @property
    def staff(self) -> Any:
        return self.app.extensions["staff"]

    def client(self, name: str | None = None) -> FlaskClient:
        client = self.app.test_client()
        if name:
            login(client, name)
        return client


def knowledge_with_two_houses(dst: Path) -> Path:
    """The sample folder plus a second house in the same area, for house-limited accounts."""
    shutil.copytree(SAMPLE_KNOWLEDGE, dst)
    other = dst / "houses" / OTHER
    other.mkdir()
    (other / "house.yaml").write_text(
        f"id: {OTHER}\nname: {{ja: ほかの家, en: Other House}}\narea: kitami\ngarbage_area: \"北見市中央\"\n"
        "languages: [ja]\ncontacts:\n  - {label: {ja: 管理人, en: Caretaker}, phone: \"0157-00-9999\"}\n",
        encoding="utf-8")
    (other / "manual.ja.md").write_text("# ほかの家\n\n## Wi-Fi\n\nパスワードは other-secret-42 です。\n",
                                        encoding="utf-8")
    return dst


def make_console(tmp: Path, embeddings: Any, **settings: Any) -> Console:
    from bot.app import create_app
    from bot.config import Settings
    from bot.engine.engine import Engine

    knowledge = knowledge_with_two_houses(tmp / "knowledge")
    s = Settings(knowledge=knowledge, store=tmp / "store", data=tmp / "data", staff_cookie_secure=False,
                 morning_time="off", **settings)
    engine = Engine.open(s.engine_config(), embeddings=embeddings)
    app = create_app(s, engine=engine)
    app.config["TESTING"] = True
    accounts = app.extensions["staff"].accounts
    accounts.add("admin", PASSWORD, "admin")
    accounts.add("staffer", PASSWORD, "staff")
    accounts.add("hakka", PASSWORD, "staff", [HOUSE])
    return Console(app, knowledge, engine)


def token(client: FlaskClient, page: str = "/staff/login") -> str:
    html = client.get(page).get_data(as_text=True)
    m = _TOKEN.search(html)
    assert m, f"no csrf_token on {page}"
    return m.group(1) or m.group(2)


def login(client: FlaskClient, name: str, password: str = PASSWORD) -> Any:
    resp = client.post("/staff/login", data={"username": name, "password": password, "csrf_token": token(client)})
    assert resp.status_code == 302, resp.get_data(as_text=True)[:500]
    return resp


def post(client: FlaskClient, url: str, data: dict[str, Any], **kw: Any) -> Any:
    """A POST with the session's CSRF token (taken from the knowledge page)."""
    return client.post(url, data={**data, "csrf_token": token(client, "/staff/knowledge")}, **kw)
