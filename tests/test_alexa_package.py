"""`concierge alexa package`: a skill package `ask deploy` (ASK CLI v2) accepts, whose bus
destinations are the knowledge folder's GTFS stops, and one-line errors with exit code 2."""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from bot.cli import cli
from tests.conftest import EVAL_CORPUS, REALDATA, ROOT, SAMPLE_KNOWLEDGE

ENDPOINT = "https://concierge.example.jp/alexa"
LOCALES = ("ja-JP", "en-US")
SLOT = re.compile(r"\{([^}]+)\}")
CERTIFICATE_TYPES = ("Trusted", "Wildcard", "SelfSigned")  # SMAPI v1.skill.Manifest.SSLCertificateType
MAX_SLOT_ENTRIES = 50_000


def package(out: Path, *args: str) -> Any:
    return CliRunner().invoke(cli, ["alexa", "package", "--endpoint", ENDPOINT, "--out", str(out), *args])


def read(path: Path) -> dict[str, Any]:
    return dict(json.loads(path.read_text(encoding="utf-8")))


def language_model(out: Path, locale: str) -> dict[str, Any]:
    return dict(read(out / "skill-package" / "interactionModels" / "custom" / f"{locale}.json")
                ["interactionModel"]["languageModel"])


def destination_words(out: Path, locale: str) -> set[str]:
    types = {t["name"]: t for t in language_model(out, locale)["types"]}
    words: set[str] = set()
    for v in types["BusDestination"]["values"]:
        words |= {v["name"]["value"], *v["name"].get("synonyms", [])}
    return words


def feed_stops(knowledge: Path) -> list[dict[str, str]]:
    rows: list[dict[str, str]] = []
    for stops in sorted(knowledge.glob("areas/*/gtfs/stops.txt")):
        text = stops.read_text(encoding="utf-8-sig")
        rows += [r for r in csv.DictReader(io.StringIO(text)) if (r.get("location_type") or "0") in "01"]
    return rows


def feed_english(knowledge: Path) -> set[str]:
    out: set[str] = set()
    for tr in knowledge.glob("areas/*/gtfs/translations.txt"):
        for r in csv.DictReader(io.StringIO(tr.read_text(encoding="utf-8-sig"))):
            if r.get("table_name") == "stops" and r.get("field_name") == "stop_name" and r.get("language") == "en":
                out.add(r["translation"])
    return out


def assert_deployable(out: Path, endpoint: str = ENDPOINT) -> None:
    """What `ask deploy` reads and what the skill package service validates."""
    resources = read(out / "ask-resources.json")
    assert resources["askcliResourcesVersion"] == "2020-03-31"
    profile = resources["profiles"]["default"]
    assert profile["skillMetadata"]["src"] == "./skill-package"
    # self-hosted HTTPS endpoint: no code to build, no deployer
    assert "code" not in profile and "skillInfrastructure" not in profile
    assert (out / profile["skillMetadata"]["src"] / "skill.json").is_file()

    manifest = read(out / "skill-package" / "skill.json")["manifest"]
    assert manifest["manifestVersion"] == "1.0"
    assert manifest["privacyAndCompliance"]
    locales = manifest["publishingInformation"]["locales"]
    assert set(locales) == set(LOCALES)
    for info in locales.values():
        assert len(info["name"]) >= 2 and len(info["summary"]) <= 160 and len(info["description"]) <= 4000
        assert 1 <= len(info["examplePhrases"]) <= 4
    endpoint_cfg = manifest["apis"]["custom"]["endpoint"]
    assert endpoint_cfg["uri"] == endpoint
    assert endpoint_cfg["sslCertificateType"] in CERTIFICATE_TYPES

    models = sorted(p.stem for p in (out / "skill-package" / "interactionModels" / "custom").glob("*.json"))
    assert models == sorted(LOCALES)
    for locale in LOCALES:
        lm = language_model(out, locale)
        assert lm["invocationName"].strip()
        assert lm["intents"] and isinstance(lm["types"], list)
        types = {t["name"]: t for t in lm["types"]}
        entries = 0
        for t in types.values():
            assert t["values"], f"{locale} {t['name']} has no values"
            seen: set[str] = set()
            for v in t["values"]:
                words = [v["name"]["value"], *v["name"].get("synonyms", [])]
                assert all(isinstance(w, str) and w.strip() for w in words), (locale, v)
                assert not ({w.lower() for w in words} & seen), (locale, t["name"], words)
                seen |= {w.lower() for w in words}
                entries += len(words)
        assert entries <= MAX_SLOT_ENTRIES
        for intent in lm["intents"]:
            assert intent["name"]
            declared = {s["name"]: s["type"] for s in intent.get("slots", [])}
            for slot_type in declared.values():
                assert slot_type.startswith("AMAZON.") or slot_type in types, (locale, slot_type)
            for sample in intent.get("samples", []):
                for slot in SLOT.findall(sample):
                    assert slot in declared, f"{locale}: {sample!r} uses undeclared slot {slot}"


@pytest.mark.parametrize("knowledge", [SAMPLE_KNOWLEDGE, EVAL_CORPUS], ids=["sample", "eval-corpus"])
def test_the_package_is_what_ask_deploy_expects(knowledge: Path, tmp_path: Path) -> None:
    out = tmp_path / "skill"
    r = package(out, "--knowledge", str(knowledge))
    assert r.exit_code == 0, r.output
    assert_deployable(out)


@pytest.mark.parametrize("knowledge", [SAMPLE_KNOWLEDGE, EVAL_CORPUS], ids=["sample", "eval-corpus"])
def test_destinations_are_the_feeds_stop_names_and_translations(knowledge: Path, tmp_path: Path) -> None:
    out = tmp_path / "skill"
    assert package(out, "--knowledge", str(knowledge)).exit_code == 0
    ja, en = destination_words(out, "ja-JP"), destination_words(out, "en-US")
    stops = feed_stops(knowledge)
    assert stops
    for stop in stops:
        assert stop["stop_name"] in ja, stop["stop_name"]
    assert feed_english(knowledge) <= en
    assert all(w.isascii() for w in en)
    # Kana readings are synonyms of their stop, in Japanese only.
    ja_values = {v["name"]["value"]: v["name"].get("synonyms", [])
                 for v in next(t for t in language_model(out, "ja-JP")["types"]
                               if t["name"] == "BusDestination")["values"]}
    assert "めまんべつくうこう" in ja_values["女満別空港"]
    # Nothing left over from the template's fixed examples.
    assert "札幌" not in ja and "Sapporo" not in en


def test_a_stop_that_exists_only_in_the_feed_becomes_a_slot_value(knowledge_copy: Path, tmp_path: Path) -> None:
    gtfs = knowledge_copy / "areas" / "kitami" / "gtfs"
    with (gtfs / "stops.txt").open("a", encoding="utf-8") as f:
        f.write("7777,常呂ふれあい広場,43.90,143.80,0\n")
    with (gtfs / "translations.txt").open("a", encoding="utf-8") as f:
        f.write("stops,stop_name,ja-Hrkt,ところふれあいひろば,7777,,\n")
        f.write("stops,stop_name,en,Tokoro Fureai Square,7777,,\n")
    out = tmp_path / "skill"
    r = package(out, "--knowledge", str(knowledge_copy))
    assert r.exit_code == 0, r.output
    assert_deployable(out)
    ja_entry = next(v["name"] for v in next(t for t in language_model(out, "ja-JP")["types"]
                                            if t["name"] == "BusDestination")["values"]
                    if v["name"]["value"] == "常呂ふれあい広場")
    assert "ところふれあいひろば" in ja_entry["synonyms"]
    assert "Tokoro Fureai Square" in destination_words(out, "en-US")


def test_a_feed_without_english_names_gets_romanised_readings(tmp_path: Path) -> None:
    """Donan Bus (real GTFS-JP, old translations layout: kana only, 240 stations)."""
    feed = REALDATA / "gtfs-donanbus-muroran-hokkaido"
    knowledge = tmp_path / "muroran"
    (knowledge / "houses" / "port-house").mkdir(parents=True)
    (knowledge / "houses" / "port-house" / "house.yaml").write_text(
        "id: port-house\narea: muroran\nname: Port house\n", encoding="utf-8")
    (knowledge / "areas" / "muroran").mkdir(parents=True)
    (knowledge / "areas" / "muroran" / "gtfs").symlink_to(feed, target_is_directory=True)
    out = tmp_path / "skill"
    r = package(out, "--knowledge", str(knowledge))
    assert r.exit_code == 0, r.output
    assert_deployable(out)
    ja, en = destination_words(out, "ja-JP"), destination_words(out, "en-US")
    assert {"絵鞆団地", "えともだんち"} <= ja
    assert "Etomodanchi" in en
    assert len(en) >= 200 and all(w.isascii() for w in en)


def test_rerunning_replaces_the_package_and_keeps_the_ask_state(tmp_path: Path) -> None:
    out = tmp_path / "skill"
    assert package(out, "--knowledge", str(SAMPLE_KNOWLEDGE)).exit_code == 0
    state = out / ".ask" / "ask-states.json"
    state.parent.mkdir()
    state.write_text('{"profiles": {"default": {"skillId": "amzn1.ask.skill.x"}}}', encoding="utf-8")
    other = "https://other.example.jp/alexa"
    r = CliRunner().invoke(cli, ["alexa", "package", "--endpoint", other, "--out", str(out),
                                 "--knowledge", str(SAMPLE_KNOWLEDGE), "--certificate", "wildcard"])
    assert r.exit_code == 0, r.output
    assert_deployable(out, other)
    assert read(out / "skill-package" / "skill.json")["manifest"]["apis"]["custom"]["endpoint"] == {
        "uri": other, "sslCertificateType": "Wildcard"}
    assert "amzn1.ask.skill.x" in state.read_text(encoding="utf-8")


def test_the_command_is_listed_and_defaults_to_the_configured_knowledge(tmp_path: Path, monkeypatch) -> None:
    assert "alexa" in CliRunner().invoke(cli, ["--help"]).output
    assert "package" in CliRunner().invoke(cli, ["alexa", "--help"]).output
    monkeypatch.setenv("CONCIERGE_KNOWLEDGE", str(EVAL_CORPUS))
    out = tmp_path / "skill"
    assert package(out).exit_code == 0
    assert "美芳小学校前" in destination_words(out, "ja-JP")


def _broken_house(k: Path) -> None:
    (k / "houses" / "hakka-house" / "house.yaml").write_text("id: hakka-house\nname: x\n", encoding="utf-8")


def _broken_feed(k: Path) -> None:
    (k / "areas" / "kitami" / "gtfs" / "stops.txt").unlink()


@pytest.mark.parametrize("endpoint, message", [
    ("http://concierge.example.jp/alexa", "https://"),
    ("concierge.example.jp/alexa", "https://"),
    ("https://concierge.example.jp:8443/alexa", "port 443"),
    ("https://[broken/alexa", "not a URL"),
])
def test_a_bad_endpoint_is_one_line_and_exit_2(endpoint: str, message: str, tmp_path: Path) -> None:
    r = CliRunner().invoke(cli, ["alexa", "package", "--endpoint", endpoint, "--out", str(tmp_path / "o"),
                                 "--knowledge", str(SAMPLE_KNOWLEDGE)])
    assert r.exit_code == 2
    assert message in r.output and len(r.output.strip().splitlines()) == 1, r.output
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("breakage", [_broken_house, _broken_feed], ids=["house.yaml", "gtfs"])
def test_an_invalid_knowledge_folder_is_one_line_and_exit_2(breakage, knowledge_copy: Path, tmp_path: Path) -> None:
    breakage(knowledge_copy)
    r = package(tmp_path / "o", "--knowledge", str(knowledge_copy))
    assert r.exit_code == 2, r.output
    assert "knowledge folder is invalid" in r.output and len(r.output.strip().splitlines()) == 1, r.output
    assert not (tmp_path / "o").exists()


def test_an_unwritable_out_folder_is_one_line_and_exit_2(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("x", encoding="utf-8")
    for out in (blocker, blocker / "skill"):
        r = package(out, "--knowledge", str(SAMPLE_KNOWLEDGE))
        assert r.exit_code == 2, r.output
        assert str(blocker) in r.output and len(r.output.strip().splitlines()) == 1, r.output


def test_errors_reach_the_shell_without_a_traceback(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "bot", "alexa", "package", "--endpoint", "http://x.example/alexa",
         "--out", str(tmp_path / "o"), "--knowledge", str(tmp_path / "missing")],
        check=False, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr and proc.stderr.strip().startswith("Error: ")
    assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr
