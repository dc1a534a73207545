"""The `concierge` command: contracts other tools rely on, and clear errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from click.testing import CliRunner

from bot.cli import cli
from tests.conftest import EVAL_CORPUS, ROOT


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    """One ingested store of the eval corpus shared by the CLI tests."""
    path = tmp_path_factory.mktemp("cli-store")
    result = CliRunner().invoke(cli, ["ingest", "--knowledge", str(EVAL_CORPUS), "--store", str(path)])
    assert result.exit_code == 0, result.output
    return path


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


def test_ask_json_prints_the_documented_contract(store):
    r = run("ask", "チェックアウトは何時ですか？", "--knowledge", str(EVAL_CORPUS), "--store", str(store),
            "--house", "doto-house", "--now", "2026-07-12T08:10:00+09:00", "--json")
    assert r.exit_code == 0, r.output
    data = json.loads(r.output)
    assert set(data) == {"answer", "lang", "intent", "confidence", "abstained", "sources"}
    assert data["sources"][0] == {"path": "houses/doto-house/manual.ja.md", "heading": "チェックアウト",
                                  "score": data["sources"][0]["score"]}
    assert "10:00" in data["answer"] and data["lang"] == "ja" and data["abstained"] is False


def test_ask_batch_answers_each_line_with_its_id(store, tmp_path):
    batch = tmp_path / "q.jsonl"
    batch.write_text(
        json.dumps({"id": "a", "q": "What's the Wi-Fi password?", "house": "doto-house",
                    "now": "2026-12-03T19:00:00+09:00"}) + "\n"
        + json.dumps({"id": "b", "q": "事務局の電話番号は？", "house": "kitami-base",
                      "now": "2026-12-03T19:00:00+09:00"}) + "\n",
        encoding="utf-8")
    r = run("ask", "--batch", str(batch), "--knowledge", str(EVAL_CORPUS), "--store", str(store))
    assert r.exit_code == 0, r.output
    lines = [json.loads(x) for x in r.output.splitlines()]
    assert [x["id"] for x in lines] == ["a", "b"]
    assert "hokkaido-doto-8151" in lines[0]["answer"] and "0157-66-2130" in lines[1]["answer"]


def test_an_unknown_house_exits_non_zero_with_a_message(store):
    r = run("ask", "Wi-Fi?", "--knowledge", str(EVAL_CORPUS), "--store", str(store), "--house", "nowhere")
    assert r.exit_code == 1 and "unknown house 'nowhere'" in r.output and "Traceback" not in r.output


def test_a_bad_now_exits_non_zero_with_a_message(store):
    r = run("ask", "Wi-Fi?", "--knowledge", str(EVAL_CORPUS), "--store", str(store), "--now", "tomorrow")
    assert r.exit_code == 1 and "--now 'tomorrow' is not an ISO 8601" in r.output


def test_validate_lists_problems_and_exits_non_zero(knowledge_copy):
    (knowledge_copy / "houses/hakka-house/bad.md").write_text("---\nseason: spring\n---\n# a\nb\n", encoding="utf-8")
    r = run("validate", "--knowledge", str(knowledge_copy))
    assert r.exit_code == 1
    assert r.output.splitlines()[0] == "houses/hakka-house/bad.md:2: season 'spring' must be winter or summer"


def test_validate_names_a_file_it_does_not_read(knowledge_copy):
    (knowledge_copy / "houses/hakka-house/floorplan.jpg").write_bytes(b"\xff\xd8\xff\xe0")
    r = run("validate", "--knowledge", str(knowledge_copy))
    assert r.exit_code == 0
    assert "notice: houses/hakka-house/floorplan.jpg: ignored (not .md, .txt, .pdf or .docx)" in r.output.splitlines()


def test_ingest_of_an_invalid_folder_fails_and_says_nothing_changed(knowledge_copy, tmp_path):
    (knowledge_copy / "houses/hakka-house/house.yaml").write_text("id: [\n", encoding="utf-8")
    r = run("ingest", "--knowledge", str(knowledge_copy), "--store", str(tmp_path / "s"))
    assert r.exit_code == 1 and "house.yaml:" in r.output and "previous index keeps serving" in r.output


def test_eval_prints_scores_per_kind_and_language(store, tmp_path):
    qs = tmp_path / "q.jsonl"
    qs.write_text(json.dumps({"id": "x", "house": "doto-house", "q": "Wi-Fiのパスワードは？", "lang": "ja",
                              "now": "2026-12-03T19:00:00+09:00", "kind": "manual",
                              "expect": {"sources": ["houses/doto-house/manual.ja.md#Wi-Fi・インターネット"],
                                         "facts": ["hokkaido-doto-8151"], "abstain": False}}) + "\n", encoding="utf-8")
    r = run("eval", "--questions", str(qs), "--knowledge", str(EVAL_CORPUS), "--store", str(store), "--json")
    assert r.exit_code == 0, r.output
    data = json.loads(r.output)
    assert data["overall"]["hit@1"] == 1.0 and data["overall"]["fact_accuracy"] == 1.0
    assert set(data["by_kind"]) == {"manual"} and set(data["by_lang"]) == {"ja"}


def test_chat_answers_lines_until_an_empty_one(store):
    r = CliRunner().invoke(cli, ["chat", "--knowledge", str(EVAL_CORPUS), "--store", str(store)],
                           input="Wi-Fiのパスワードは？\n\n")
    assert r.exit_code == 0 and "hokkaido-doto-8151" in r.output


def test_the_console_script_runs_as_a_real_process(store):
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "CONCIERGE_KNOWLEDGE": str(EVAL_CORPUS), "CONCIERGE_STORE": str(store)}
    out = subprocess.run([sys.executable, "-m", "bot", "ask", "退房时间是几点？", "--house", "doto-house", "--json"],
                         capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["lang"] == "zh" and "10:00" in data["answer"]


def test_answering_from_the_command_line_imports_no_web_stack_or_chat_model():
    # cold start: Flask, the LINE/Alexa SDKs and langchain's chat layer are imported only
    # by the commands (or the CONCIERGE_LLM setting) that need them
    import subprocess
    import sys

    code = ("import sys, bot.cli, bot.engine.engine\n"
            "heavy = [m for m in ('flask', 'linebot', 'ask_sdk_core',\n"
            "                     'langchain_core.language_models.chat_models') if m in sys.modules]\n"
            "assert not heavy, heavy")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
