"""The staff console through Flask's test client: sessions, CSRF, house limits, paths,
uploads, edits with validation and drafts, questions, Try it, LINE groups, accounts."""

from __future__ import annotations

import io
import os
import re
from datetime import datetime, time, timedelta

import pytest

from bot.engine.contract import Answer
from tests.staffconsole import HOUSE, OTHER, PASSWORD, Console, login, make_console, post, token

MANUAL = f"houses/{HOUSE}/manual.ja.md"
OTHER_MANUAL = f"houses/{OTHER}/manual.ja.md"

GET_PAGES = ["/staff/", "/staff/knowledge", f"/staff/knowledge?folder=houses/{HOUSE}",
             f"/staff/knowledge/view?path={MANUAL}", f"/staff/knowledge/edit?path={MANUAL}", "/staff/publish",
             "/staff/questions", "/staff/try", "/staff/line", "/staff/accounts"]
POSTS = ["/staff/knowledge/save", "/staff/knowledge/discard", "/staff/knowledge/new", "/staff/knowledge/upload",
         "/staff/knowledge/rename", "/staff/knowledge/delete", "/staff/publish", "/staff/questions/action",
         "/staff/questions/answer", "/staff/try", "/staff/line/code", "/staff/line/forget", "/staff/accounts/add",
         "/staff/accounts/remove", "/staff/accounts/password", "/staff/accounts/access", "/staff/logout"]


@pytest.fixture(scope="module")
def console(tmp_path_factory: pytest.TempPathFactory, embeddings: object) -> Console:
    return make_console(tmp_path_factory.mktemp("staff"), embeddings, staff_upload_mb=1)


# -- sessions and CSRF ------------------------------------------------------------------


def test_the_console_without_a_session_redirects_to_the_login_page(console: Console) -> None:
    resp = console.client().get("/staff/")
    assert resp.status_code == 302
    assert resp.headers["Location"].startswith("/staff/login")


@pytest.mark.parametrize("page", GET_PAGES + ["/staff/publish/status/1", "/staff/questions/answer?house=x&q=y"])
def test_every_page_but_login_needs_a_session(console: Console, page: str) -> None:
    resp = console.client().get(page)
    assert resp.status_code == 302 and "/staff/login" in resp.headers["Location"]


@pytest.mark.parametrize("url", POSTS)
def test_every_form_without_a_session_is_not_carried_out(console: Console, url: str) -> None:
    client = console.client()
    resp = client.post(url, data={"csrf_token": token(client), "path": MANUAL, "content": "x"})
    assert resp.status_code == 302 and "/staff/login" in resp.headers["Location"]
    assert "x" != (console.knowledge / MANUAL).read_text(encoding="utf-8")


def test_a_login_without_a_csrf_token_is_refused_with_400(console: Console) -> None:
    resp = console.client().post("/staff/login", data={"username": "admin", "password": PASSWORD})
    assert resp.status_code == 400


@pytest.mark.parametrize("url", POSTS)
def test_a_logged_in_form_with_a_wrong_csrf_token_is_refused_with_400(console: Console, url: str) -> None:
    client = console.client("admin")
    before = (console.knowledge / MANUAL).read_bytes()
    resp = client.post(url, data={"csrf_token": "forged", "path": MANUAL, "content": "# x\n"})
    assert resp.status_code == 400
    assert (console.knowledge / MANUAL).read_bytes() == before


def test_the_login_form_has_the_contract_field_names(console: Console) -> None:
    html = console.client().get("/staff/login").get_data(as_text=True)
    for field in ('name="username"', 'name="password"', 'name="csrf_token"'):
        assert field in html


def test_a_wrong_password_is_refused(console: Console) -> None:
    client = console.client()
    resp = client.post("/staff/login", data={"username": "staffer", "password": "wrong-password",
                                              "csrf_token": token(client)})
    assert resp.status_code == 401
    assert client.get("/staff/").status_code == 302


def test_logins_are_rate_limited_per_account(console: Console) -> None:
    console.staff.accounts.add("target", PASSWORD, "staff")
    client = console.client()
    for _ in range(5):
        client.post("/staff/login", data={"username": "target", "password": "nope-nope",
                                          "csrf_token": token(client)})
    resp = client.post("/staff/login", data={"username": "target", "password": PASSWORD,
                                              "csrf_token": token(client)})
    assert resp.status_code == 429
    assert client.get("/staff/").status_code == 302


def test_the_session_cookie_is_httponly_and_samesite_lax(console: Console) -> None:
    resp = login(console.client(), "staffer")
    cookie = next(v for k, v in resp.headers.items() if k == "Set-Cookie" and v.startswith("concierge_staff="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/staff" in cookie


def test_the_session_cookie_is_secure_by_default() -> None:
    from bot.config import Settings

    assert Settings.from_env({}).staff_cookie_secure is True
    assert Settings.from_env({"CONCIERGE_STAFF_COOKIE_SECURE": "false"}).staff_cookie_secure is False


def test_logging_out_ends_the_session(console: Console) -> None:
    client = console.client("staffer")
    assert post(client, "/staff/logout", {}).status_code == 302
    assert client.get("/staff/").status_code == 302


def test_a_password_reset_ends_the_accounts_open_sessions(console: Console) -> None:
    console.staff.accounts.add("resetme", PASSWORD, "staff")
    client = console.client("resetme")
    assert client.get("/staff/").status_code == 200
    admin = console.client("admin")
    assert post(admin, "/staff/accounts/password", {"name": "resetme", "password": "another-pass-9"}).status_code \
        == 302
    assert client.get("/staff/").status_code == 302


@pytest.mark.parametrize("page", GET_PAGES)
def test_every_page_loads_for_an_admin(console: Console, page: str) -> None:
    resp = console.client("admin").get(page)
    assert resp.status_code == 200, resp.get_data(as_text=True)[:800]


def test_the_english_switch_changes_the_words(console: Console) -> None:
    client = console.client("admin")
    assert "概要" in client.get("/staff/").get_data(as_text=True)
    client.get("/staff/lang/en")
    html = client.get("/staff/").get_data(as_text=True)
    assert "Overview" in html and "Questions this week" in html


# -- house limits -----------------------------------------------------------------------


def test_a_house_limited_account_cannot_read_another_house(console: Console) -> None:
    client = console.client("hakka")
    assert client.get(f"/staff/knowledge/view?path={OTHER_MANUAL}").status_code == 403
    assert client.get(f"/staff/knowledge/edit?path={OTHER_MANUAL}").status_code == 403
    assert client.get(f"/staff/knowledge?folder=houses/{OTHER}").status_code == 403
    assert "other-secret-42" not in client.get(f"/staff/knowledge?folder=houses/{HOUSE}").get_data(as_text=True)
    assert client.get(f"/staff/knowledge/view?path={MANUAL}").status_code == 200


def test_a_house_limited_account_cannot_change_another_house(console: Console) -> None:
    client = console.client("hakka")
    before = (console.knowledge / OTHER_MANUAL).read_bytes()
    assert post(client, "/staff/knowledge/save", {"path": OTHER_MANUAL, "content": "# hacked\n"}).status_code == 403
    assert post(client, "/staff/knowledge/delete", {"path": OTHER_MANUAL}).status_code == 403
    assert post(client, "/staff/knowledge/rename", {"path": OTHER_MANUAL, "name": "x.ja.md"}).status_code == 403
    upload = {"folder": f"houses/{OTHER}", "file": (io.BytesIO(b"# x\n"), "x.ja.md")}
    assert post(client, "/staff/knowledge/upload", upload, content_type="multipart/form-data").status_code == 403
    assert (console.knowledge / OTHER_MANUAL).read_bytes() == before


def test_a_house_limited_account_may_read_but_not_change_its_area(console: Console) -> None:
    client = console.client("hakka")
    assert client.get("/staff/knowledge/view?path=areas/kitami/guide.ja.md").status_code == 200
    assert post(client, "/staff/knowledge/save", {"path": "areas/kitami/guide.ja.md", "content": "# x\n"}) \
        .status_code == 403
    assert client.get("/staff/knowledge/view?path=site.yaml").status_code == 403


def test_a_house_limited_account_sees_and_tries_only_its_houses(console: Console) -> None:
    client = console.client("hakka")
    overview = client.get("/staff/").get_data(as_text=True)
    assert HOUSE in overview and OTHER not in overview
    resp = post(client, "/staff/try", {"house": OTHER, "q": "wifi password", "lang": "", "when": ""})
    assert resp.status_code == 403
    assert post(client, "/staff/line/code", {"house": OTHER}).status_code == 403
    assert post(client, "/staff/questions/action", {"house": OTHER, "text": "q", "action": "ignore"}).status_code \
        == 403
    assert client.get(f"/staff/questions/answer?house={OTHER}&q=x").status_code in (403, 501)


def test_only_admins_open_the_accounts_page(console: Console) -> None:
    assert console.client("staffer").get("/staff/accounts").status_code == 403
    assert post(console.client("staffer"), "/staff/accounts/add",
                {"name": "sneaky", "password": PASSWORD, "role": "admin"}).status_code == 403
    assert console.staff.accounts.get("sneaky") is None


# -- paths ------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["../outside.md", "houses/../../outside.md", "/etc/passwd", "C:/x.md",
                                  "houses/hakka-house/.hidden.md", "~/x.md", "houses\\..\\..\\outside.md"])
def test_paths_that_leave_the_knowledge_folder_are_refused(console: Console, path: str) -> None:
    client = console.client("admin")
    assert client.get(f"/staff/knowledge/view?path={path}").status_code == 403
    assert post(client, "/staff/knowledge/save", {"path": path, "content": "# x\n"}).status_code == 403
    assert not (console.knowledge.parent / "outside.md").exists()


def test_a_symlink_that_leaves_the_folder_is_refused(console: Console, tmp_path: os.PathLike[str]) -> None:
    secret = console.knowledge.parent / "secret.md"
    secret.write_text("# secret\n\nTOP-SECRET\n", encoding="utf-8")
    link = console.knowledge / "houses" / HOUSE / "link.md"
    link.symlink_to(secret)
    try:
        client = console.client("admin")
        resp = client.get(f"/staff/knowledge/view?path=houses/{HOUSE}/link.md")
        assert resp.status_code == 403 and "TOP-SECRET" not in resp.get_data(as_text=True)
        listing = client.get(f"/staff/knowledge?folder=houses/{HOUSE}").get_data(as_text=True)
        assert "link.md" not in listing
        assert post(client, "/staff/knowledge/save", {"path": f"houses/{HOUSE}/link.md", "content": "# x\n"}) \
            .status_code == 403
        assert "TOP-SECRET" in secret.read_text(encoding="utf-8")
    finally:
        link.unlink()


# -- editing ----------------------------------------------------------------------------


def test_an_invalid_save_is_kept_as_a_draft_with_path_line_messages(console: Console) -> None:
    client = console.client("staffer")
    rel = f"houses/{HOUSE}/rules.ja.md"
    bad = "---\nseason: autumn\n---\n# ルール\n\n静かに。\n"
    resp = post(client, "/staff/knowledge/save", {"path": rel, "content": bad})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert f"{rel}:2:" in html or f"{rel}:1:" in html
    assert not (console.knowledge / rel).exists()
    assert console.staff.drafts.get(rel) is not None
    assert "autumn" in client.get(f"/staff/knowledge/edit?path={rel}").get_data(as_text=True)


def test_a_valid_save_writes_the_file_and_drops_the_draft(console: Console) -> None:
    client = console.client("staffer")
    rel = f"houses/{HOUSE}/garden.ja.md"
    post(client, "/staff/knowledge/save", {"path": rel, "content": "---\nseason: autumn\n---\n# 庭\n"})
    good = "# 庭\n\n## 草取り\n\n庭の草取りは不要です。\r\n"
    resp = post(client, "/staff/knowledge/save", {"path": rel, "content": good})
    assert resp.status_code == 200
    assert (console.knowledge / rel).read_text(encoding="utf-8") == good.replace("\r\n", "\n")
    assert console.staff.drafts.get(rel) is None
    assert any(e.action == "edit" and e.target == rel and e.actor == "staffer"
               for e in console.staff.audit.recent())


def test_a_save_that_breaks_another_file_is_refused(console: Console) -> None:
    client = console.client("admin")
    rel = f"houses/{OTHER}/house.yaml"
    before = (console.knowledge / rel).read_text(encoding="utf-8")
    resp = post(client, "/staff/knowledge/save", {"path": rel, "content": before.replace("area: kitami",
                                                                                          "area: nowhere")})
    assert resp.status_code == 422
    assert (console.knowledge / rel).read_text(encoding="utf-8") == before


def test_placeholders_are_shown_as_warnings_beside_the_text(console: Console) -> None:
    rel = f"houses/{HOUSE}/parking.en.md"
    resp = post(console.client("admin"), "/staff/knowledge/save",
                {"path": rel, "content": "# Parking\n\n## Spaces\n\nPark in space number ____ please.\n"})
    assert resp.status_code == 200
    assert f"{rel}:5:" in resp.get_data(as_text=True)


def test_discarding_a_draft_keeps_the_file(console: Console) -> None:
    client = console.client("admin")
    before = (console.knowledge / MANUAL).read_text(encoding="utf-8")
    post(client, "/staff/knowledge/save", {"path": MANUAL, "content": "---\naudience: nobody: x\n---\n"})
    assert console.staff.drafts.get(MANUAL) is not None
    post(client, "/staff/knowledge/discard", {"path": MANUAL})
    assert console.staff.drafts.get(MANUAL) is None
    assert (console.knowledge / MANUAL).read_text(encoding="utf-8") == before


def test_rename_and_delete_change_the_folder_and_are_audited(console: Console) -> None:
    client = console.client("admin")
    post(client, "/staff/knowledge/save", {"path": f"houses/{HOUSE}/tmp.ja.md", "content": "# 一時\n\n本文。\n"})
    assert post(client, "/staff/knowledge/rename", {"path": f"houses/{HOUSE}/tmp.ja.md", "name": "moved.ja.md"}) \
        .status_code == 302
    assert (console.knowledge / "houses" / HOUSE / "moved.ja.md").exists()
    assert post(client, "/staff/knowledge/delete", {"path": f"houses/{HOUSE}/moved.ja.md"}).status_code == 302
    assert not (console.knowledge / "houses" / HOUSE / "moved.ja.md").exists()
    actions = [e.action for e in console.staff.audit.recent()]
    assert "rename" in actions and "delete" in actions


def test_deleting_a_required_file_is_refused(console: Console) -> None:
    resp = post(console.client("admin"), "/staff/knowledge/delete", {"path": f"houses/{OTHER}/house.yaml"})
    assert resp.status_code == 422
    assert (console.knowledge / "houses" / OTHER / "house.yaml").exists()


# -- uploads ----------------------------------------------------------------------------


def _upload(console: Console, name: str, data: bytes, folder: str = f"houses/{HOUSE}") -> object:
    return post(console.client("admin"), "/staff/knowledge/upload",
                {"folder": folder, "file": (io.BytesIO(data), name)}, content_type="multipart/form-data")


def test_an_upload_over_the_limit_is_refused_with_a_message(console: Console) -> None:
    resp = _upload(console, "big.en.md", b"# Big\n\n" + b"x" * (2 << 20))
    assert resp.status_code == 413
    assert "MB" in resp.get_data(as_text=True)
    assert not (console.knowledge / "houses" / HOUSE / "big.en.md").exists()


@pytest.mark.parametrize("name,data", [("run.exe", b"MZ\x90\x00"), ("fake.pdf", b"not a pdf"),
                                       ("fake.docx", b"PK nope"), ("latin.csv", "é".encode("latin-1")),
                                       ("feed.zip", b"PK\x05\x06" + b"\x00" * 18)])
def test_an_upload_of_an_unexpected_type_is_refused(console: Console, name: str, data: bytes) -> None:
    resp = _upload(console, name, data)
    assert resp.status_code == 400
    assert name in resp.get_data(as_text=True)
    assert not (console.knowledge / "houses" / HOUSE / name).exists()


def test_a_markdown_upload_is_validated_and_saved(console: Console) -> None:
    resp = _upload(console, "bikes.en.md", b"# Bikes\n\n## Rental\n\nTwo bikes are in the shed.\n")
    assert resp.status_code == 302
    assert (console.knowledge / "houses" / HOUSE / "bikes.en.md").exists()


def test_an_invalid_upload_is_refused_with_path_line_messages(console: Console) -> None:
    resp = _upload(console, "broken.ja.md", b"---\nseason: autumn\n---\n# x\n")
    assert resp.status_code == 422
    assert f"houses/{HOUSE}/broken.ja.md:" in resp.get_data(as_text=True)
    assert not (console.knowledge / "houses" / HOUSE / "broken.ja.md").exists()


# -- questions, try it, LINE groups, accounts -------------------------------------------


def abstain(console: Console, house: str, text: str) -> None:
    """A question a stayer asked that got "I don't know", logged as the channels log it."""
    answer = Answer(text="わかりません。管理人にお尋ねください。", lang="ja", intent="abstain", confidence=0.1,
                    abstained=True)
    console.staff.questions.record(channel="line", house_id=house, day="2026-12-01", text=text, answer=answer)



def test_an_unanswered_question_is_listed_and_ignore_hides_it(console: Console) -> None:
    abstain(console, HOUSE, "ジムはありますか")
    client = console.client("admin")
    assert "ジムはありますか" in client.get("/staff/questions").get_data(as_text=True)
    post(client, "/staff/questions/action", {"house": HOUSE, "text": "ジムはありますか", "action": "ignore"})
    assert "ジムはありますか" not in client.get("/staff/questions").get_data(as_text=True)


def test_questions_of_other_houses_are_hidden_from_a_limited_account(console: Console) -> None:
    abstain(console, OTHER, "秘密の質問")
    assert "秘密の質問" not in console.client("hakka").get("/staff/questions").get_data(as_text=True)
    assert "秘密の質問" in console.client("admin").get("/staff/questions").get_data(as_text=True)


def test_try_it_shows_the_answer_as_line_and_speaker_with_its_sources(console: Console) -> None:
    resp = post(console.client("admin"), "/staff/try",
                {"house": HOUSE, "q": "Wi-Fiのパスワードは？", "lang": "", "when": "2026-12-03T19:00"})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert "mint-kitami-2026" in html and "manual.ja.md" in html and 'id="try-intent">retrieval' in html


def test_try_it_shows_the_thumbs_a_stayer_gets_under_an_answer_from_the_manual(console: Console) -> None:
    manual = post(console.client("admin"), "/staff/try",
                  {"house": HOUSE, "q": "Wi-Fiのパスワードは？", "lang": "", "when": "2026-12-03T19:00"})
    abstained = post(console.client("admin"), "/staff/try",
                     {"house": HOUSE, "q": "Is there a gym nearby?", "lang": "en", "when": "2026-12-03T19:00"})
    assert "👎" in manual.get_data(as_text=True) and "👎" not in abstained.get_data(as_text=True)


def test_try_it_says_why_it_abstained(console: Console) -> None:
    resp = post(console.client("admin"), "/staff/try",
                {"house": HOUSE, "q": "Is there a gym nearby?", "lang": "en", "when": "2026-12-03T19:00"})
    assert 'id="try-why"' in resp.get_data(as_text=True)


def test_try_it_logs_no_question(console: Console) -> None:
    before = console.staff.questions.logged(30)
    post(console.client("admin"), "/staff/try", {"house": HOUSE, "q": "ジムは近くにある？", "lang": "", "when": ""})
    assert console.staff.questions.logged(30) == before


def test_a_binding_code_is_issued_for_a_house(console: Console) -> None:
    resp = post(console.client("admin"), "/staff/line/code", {"house": HOUSE, "checkout": "2099-01-31"})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and 'id="bind-code"' in html
    assert any(e.action == "bind_code" and e.target == HOUSE for e in console.staff.audit.recent())


def test_a_group_bound_with_a_check_out_date_is_forgotten_by_the_daily_run_after_that_day(
        console: Console) -> None:
    from bot.line.client import Outcome
    from bot.line.morning import daily_run

    class Pushes:
        def push(self, *args: object, **kw: object) -> Outcome:
            return Outcome.PUSHED

    state = console.staff.line_state
    checkout = console.staff.now().date() + timedelta(days=1)
    html = post(console.client("admin"), "/staff/line/code", {"house": HOUSE, "checkout": checkout.isoformat()}) \
        .get_data(as_text=True)
    code = re.search(r'id="bind-code">([A-Z0-9-]+)<', html)
    group = "C" + "c" * 32
    assert code and state.redeem_bind_code(code.group(1), group) == HOUSE
    assert checkout.isoformat() in console.client("admin").get("/staff/line").get_data(as_text=True)
    state.log_answer(house_id=HOUSE, day=checkout.isoformat(), text="サウナは何時まで？", chat_id=group,
                     answer=Answer(text="わかりません", lang="ja", intent="abstain", confidence=0.1, abstained=True))
    morning = datetime.combine(checkout, time(7, 0), console.engine.houses.timezone)
    daily_run(console.engine, state, Pushes(), morning, 30)  # the check-out day: still their group
    assert state.binding(group) is not None
    daily_run(console.engine, state, Pushes(), morning + timedelta(days=1), 30)
    assert state.binding(group) is None
    assert "サウナは何時まで？" not in console.client("admin").get("/staff/questions").get_data(as_text=True)


def test_a_check_out_date_in_the_past_is_refused(console: Console) -> None:
    past = console.staff.now().date() - timedelta(days=1)
    assert post(console.client("admin"), "/staff/line/code", {"house": HOUSE, "checkout": past.isoformat()}) \
        .status_code == 400


def test_an_admin_adds_limits_and_removes_an_account(console: Console) -> None:
    admin = console.client("admin")
    assert post(admin, "/staff/accounts/add", {"name": "newbie", "password": PASSWORD, "role": "staff",
                                               "houses": HOUSE}).status_code == 302
    assert console.staff.accounts.get("newbie").houses == (HOUSE,)
    post(admin, "/staff/accounts/access", {"name": "newbie", "role": "staff", "houses": ""})
    assert console.staff.accounts.get("newbie").all_houses
    assert post(admin, "/staff/accounts/add", {"name": "bad", "password": PASSWORD, "houses": "nope"}) \
        .status_code == 400
    post(admin, "/staff/accounts/remove", {"name": "newbie"})
    assert console.staff.accounts.get("newbie") is None
    audit = admin.get("/staff/accounts").get_data(as_text=True)
    assert "account_add" in audit and "account_remove" in audit


def test_the_last_admin_cannot_be_removed(console: Console) -> None:
    resp = post(console.client("admin"), "/staff/accounts/remove", {"name": "admin"})
    assert resp.status_code == 409
    assert console.staff.accounts.get("admin") is not None


def test_the_overview_warns_about_a_bus_feed_that_ends_within_30_days(console: Console) -> None:
    calendar = console.knowledge / "areas" / "kitami" / "gtfs" / "calendar.txt"
    dates = calendar.with_name("calendar_dates.txt")
    before, before_dates = calendar.read_text(encoding="utf-8"), dates.read_text(encoding="utf-8")
    soon = (console.staff.now().date() + timedelta(days=10)).strftime("%Y%m%d")
    calendar.write_text(before.replace("20280331", soon), encoding="utf-8")
    dates.write_text(before_dates.splitlines()[0] + "\n", encoding="utf-8")
    try:
        client = console.client("admin")
        client.get("/staff/lang/en")
        html = client.get("/staff/").get_data(as_text=True)
        assert 'id="endings"' in html and "areas/kitami/gtfs" in html and "bus timetable" in html
    finally:
        calendar.write_text(before, encoding="utf-8")
        dates.write_text(before_dates, encoding="utf-8")


def test_bound_groups_are_listed_by_hash_prefix_and_can_be_forgotten(console: Console) -> None:
    state = console.staff.line_state
    state.bind("C" + "f" * 32, HOUSE)
    state.bind("C" + "e" * 32, OTHER)
    key = state.group_key("C" + "f" * 32)
    limited = console.client("hakka").get("/staff/line").get_data(as_text=True)
    assert key[:8] in limited and state.group_key("C" + "e" * 32)[:8] not in limited
    assert "C" + "f" * 32 not in limited
    assert post(console.client("hakka"), "/staff/line/forget", {"group": state.group_key("C" + "e" * 32)}) \
        .status_code == 403
    assert post(console.client("hakka"), "/staff/line/forget", {"group": key}).status_code == 302
    assert state.binding("C" + "f" * 32) is None and state.binding("C" + "e" * 32) is not None
    assert any(e.action == "forget_group" for e in console.staff.audit.recent())
