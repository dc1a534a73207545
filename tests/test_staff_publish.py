"""Publishing from the console: the diff first, then the ingest in the background with its
progress, the new answer served, a failed publish changing nothing; and the CLI accounts."""

from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner

from tests.staffconsole import HOUSE, Console, make_console, post


@pytest.fixture(scope="module")
def console(tmp_path_factory: pytest.TempPathFactory, embeddings: object) -> Console:
    return make_console(tmp_path_factory.mktemp("staff-publish"), embeddings)


def _publish(console: Console) -> dict:
    client = console.client("admin")
    resp = post(client, "/staff/publish", {})
    assert resp.status_code == 302
    run_id = int(re.search(r"run=(\d+)", resp.headers["Location"]).group(1))
    thread = console.staff.publisher.thread
    assert thread is not None
    thread.join(timeout=120)
    return client.get(f"/staff/publish/status/{run_id}").get_json()


def _ask(console: Console, q: str) -> str:
    resp = post(console.client("admin"), "/staff/try", {"house": HOUSE, "q": q, "lang": "", "when": ""})
    return resp.get_data(as_text=True)


def test_publish_shows_the_diff_then_serves_the_new_answer(console: Console) -> None:
    rel = f"houses/{HOUSE}/sauna.ja.md"
    post(console.client("admin"), "/staff/knowledge/save",
         {"path": rel, "content": "# サウナ\n\n## 庭のサウナ\n\n庭のバレルサウナは18時から22時まで使えます。\n"})
    page = console.client("admin").get("/staff/publish").get_data(as_text=True)
    assert rel in page and "+庭のバレルサウナは18時から22時まで使えます。" in page
    status = _publish(console)
    assert status["status"] == "ok", status
    assert rel in status["result"]["added"]
    assert status["done"] == status["total"] > 0
    assert "バレルサウナ" in _ask(console, "サウナは何時まで使える？")
    assert console.client("admin").get("/staff/publish").get_data(as_text=True).count(rel) == 0 or \
        'id="no-pending"' in console.client("admin").get("/staff/publish").get_data(as_text=True)
    entry = console.staff.audit.recent(action="publish")[0]
    assert entry.actor == "admin"
    assert "admin" in console.client("admin").get("/staff/").get_data(as_text=True)


def test_progress_counts_sections_embedded_out_of_the_total(console: Console) -> None:
    seen: list[tuple[int, int]] = []
    rel = console.knowledge / "houses" / HOUSE / "many.en.md"
    rel.write_text("# Many\n\n" + "".join(f"## Topic {i}\n\nThe answer to topic {i} is {i * 7}.\n\n"
                                            for i in range(150)), encoding="utf-8")
    try:
        report = console.engine.reload(progress=lambda done, total: seen.append((done, total)))
        assert report.ok
        assert seen[0][0] == 0 and seen[-1][0] == seen[-1][1] > 64
        assert len(seen) >= 3
    finally:
        rel.unlink()
        console.engine.reload()


def test_a_failed_publish_changes_nothing_and_says_why(console: Console) -> None:
    bad = console.knowledge / "houses" / HOUSE / "bad.ja.md"
    bad.write_text("---\nseason: autumn\n---\n# x\n", encoding="utf-8")  # an edit made outside the console
    try:
        before = _ask(console, "Wi-Fiのパスワードは？")
        status = _publish(console)
        assert status["status"] == "failed"
        assert any("bad.ja.md" in p for p in status["result"]["problems"])
        assert "mint-kitami-2026" in before and "mint-kitami-2026" in _ask(console, "Wi-Fiのパスワードは？")
    finally:
        bad.unlink()


def test_only_one_publish_runs_at_a_time(console: Console) -> None:
    staff = console.staff
    first = staff.publisher._claim("a")
    try:
        assert first is not None
        assert staff.publisher._claim("b") is None
        assert staff.publisher.start("b") is None
    finally:
        staff.publisher._update(first, status="ok", finished_at=0.0, result=json.dumps({"ok": True}))


# -- concierge staff add|list|remove ----------------------------------------------------


@pytest.fixture()
def cli_env(tmp_path, knowledge_copy) -> dict[str, str]:
    return {"CONCIERGE_KNOWLEDGE": str(knowledge_copy), "CONCIERGE_STORE": str(tmp_path / "store"),
            "CONCIERGE_DATA": str(tmp_path / "data")}


def test_staff_add_reads_the_password_from_stdin_and_list_shows_the_account(cli_env: dict[str, str]) -> None:
    from bot.cli import cli

    runner = CliRunner()
    out = runner.invoke(cli, ["staff", "add", "mika", "--role", "admin", "--password-stdin"],
                        input="a-long-password\n", env=cli_env)
    assert out.exit_code == 0, out.output
    assert "mika" in out.output and "admin" in out.output
    out = runner.invoke(cli, ["staff", "add", "ken", "--houses", HOUSE, "--password-stdin"],
                        input="another-password\n", env=cli_env)
    assert out.exit_code == 0, out.output
    listing = runner.invoke(cli, ["staff", "list"], env=cli_env).output
    assert "mika\tadmin\t*" in listing and f"ken\tstaff\t{HOUSE}" in listing
    assert "a-long-password" not in listing


def test_staff_add_asks_for_the_password_twice_without_stdin(cli_env: dict[str, str]) -> None:
    from bot.cli import cli

    out = CliRunner().invoke(cli, ["staff", "add", "aki"], input="pass-word-1\npass-word-1\n", env=cli_env)
    assert out.exit_code == 0, out.output
    assert "admin" in out.output  # the first account is an admin unless --role says otherwise


def test_staff_add_refuses_unknown_houses_short_passwords_and_duplicates(cli_env: dict[str, str]) -> None:
    from bot.cli import cli

    runner = CliRunner()
    bad_house = runner.invoke(cli, ["staff", "add", "x", "--houses", "nowhere", "--password-stdin"],
                              input="long-enough-pw\n", env=cli_env)
    assert bad_house.exit_code != 0 and "nowhere" in bad_house.output
    short = runner.invoke(cli, ["staff", "add", "x", "--password-stdin"], input="short\n", env=cli_env)
    assert short.exit_code != 0 and "at least 8" in short.output
    runner.invoke(cli, ["staff", "add", "x", "--password-stdin"], input="long-enough-pw\n", env=cli_env)
    again = runner.invoke(cli, ["staff", "add", "x", "--password-stdin"], input="long-enough-pw\n", env=cli_env)
    assert again.exit_code != 0 and "already exists" in again.output
    assert "Traceback" not in bad_house.output + short.output + again.output


def test_staff_remove_deletes_the_account(cli_env: dict[str, str]) -> None:
    from bot.cli import cli

    runner = CliRunner()
    runner.invoke(cli, ["staff", "add", "gone", "--password-stdin"], input="long-enough-pw\n", env=cli_env)
    assert runner.invoke(cli, ["staff", "remove", "gone"], env=cli_env).exit_code == 0
    assert "gone" not in runner.invoke(cli, ["staff", "list"], env=cli_env).output
    missing = runner.invoke(cli, ["staff", "remove", "gone"], env=cli_env)
    assert missing.exit_code != 0 and "no account" in missing.output
