"""The interaction models and the manifest are deployable: the checks the Alexa developer
console runs on a build that we can run offline, plus the contract other tools rely on."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

SKILL_DIR = Path(__file__).resolve().parents[1] / "skills" / "alexa"
LOCALES = ("ja-JP", "en-US")
CONTRACT: dict[str, dict[str, str | None]] = {
    "MorningBriefingIntent": {},
    "GarbageDayIntent": {"date": "AMAZON.DATE"},
    "SortingIntent": {"item": None},
    "NextBusIntent": {"destination": None},
    "AskQuestionIntent": {"query": "AMAZON.SearchQuery"},
}
BUILT_INS = (
    "AMAZON.HelpIntent",
    "AMAZON.CancelIntent",
    "AMAZON.StopIntent",
    "AMAZON.NavigateHomeIntent",
    "AMAZON.FallbackIntent",
)
SLOT = re.compile(r"\{([^}]+)\}")


def model(locale: str) -> dict[str, Any]:
    data = json.loads((SKILL_DIR / "models" / f"{locale}.json").read_text(encoding="utf-8"))
    return dict(data["interactionModel"]["languageModel"])


def intents(locale: str) -> dict[str, dict[str, Any]]:
    return {i["name"]: i for i in model(locale)["intents"]}


@pytest.mark.parametrize("locale", LOCALES)
def test_every_contract_intent_and_slot_is_in_the_model(locale: str) -> None:
    found = intents(locale)
    for name, slots in CONTRACT.items():
        assert name in found, name
        declared = {s["name"]: s["type"] for s in found[name].get("slots", [])}
        assert set(declared) == set(slots), name
        for slot, slot_type in slots.items():
            if slot_type:
                assert declared[slot] == slot_type


@pytest.mark.parametrize("locale", LOCALES)
def test_the_required_built_in_intents_are_present(locale: str) -> None:
    assert set(BUILT_INS) <= set(intents(locale))


@pytest.mark.parametrize("locale", LOCALES)
def test_every_custom_intent_has_many_samples(locale: str) -> None:
    for name in CONTRACT:
        assert len(intents(locale)[name]["samples"]) >= 20, name


@pytest.mark.parametrize("locale", LOCALES)
def test_no_sample_is_used_by_two_intents(locale: str) -> None:
    seen: dict[str, str] = {}
    for name, intent in intents(locale).items():
        for sample in intent.get("samples", []):
            key = " ".join(sample.lower().split())
            assert key not in seen or seen[key] == name, f"{sample!r} in {seen.get(key)} and {name}"
            seen[key] = name


@pytest.mark.parametrize("locale", LOCALES)
def test_samples_only_use_declared_slots_and_allowed_characters(locale: str) -> None:
    types = {t["name"] for t in model(locale).get("types", [])}
    for intent in intents(locale).values():
        declared = {s["name"]: s["type"] for s in intent.get("slots", [])}
        for slot_type in declared.values():
            assert slot_type.startswith("AMAZON.") or slot_type in types
        for sample in intent.get("samples", []):
            for slot in SLOT.findall(sample):
                assert slot in declared, f"{sample!r} uses undeclared slot {slot}"
            text = SLOT.sub("", sample)
            assert not re.search(r"[?？!！。、,;:\"()（）\[\]]", text), f"punctuation in {sample!r}"
            if locale == "en-US":
                assert not re.search(r"\d", text), f"digits must be spelled out: {sample!r}"


def test_japanese_slots_have_half_width_spaces_around_them() -> None:
    for intent in intents("ja-JP").values():
        for sample in intent.get("samples", []):
            for m in SLOT.finditer(sample):
                before = sample[m.start() - 1] if m.start() > 0 else " "
                after = sample[m.end()] if m.end() < len(sample) else " "
                assert before == " " and after == " ", sample


@pytest.mark.parametrize("locale", LOCALES)
def test_search_query_samples_carry_a_phrase_besides_the_slot(locale: str) -> None:
    for sample in intents(locale)["AskQuestionIntent"]["samples"]:
        assert SLOT.sub("", sample).strip(), sample
        assert SLOT.findall(sample) == ["query"], sample


@pytest.mark.parametrize("locale", LOCALES)
def test_custom_slot_values_are_unique(locale: str) -> None:
    for slot_type in model(locale)["types"]:
        words: list[str] = []
        for value in slot_type["values"]:
            words += [value["name"]["value"], *value["name"].get("synonyms", [])]
        lowered = [w.lower() for w in words]
        assert len(lowered) == len(set(lowered)), slot_type["name"]


def test_invocation_names_follow_the_locale_rules() -> None:
    ja, en = model("ja-JP")["invocationName"], model("en-US")["invocationName"]
    assert re.fullmatch(r"[\u3040-\u30ff\u4e00-\u9fff]{2,}", ja)
    assert re.fullmatch(r"[a-z]+( [a-z]+)+", en)
    for word in ("alexa", "amazon", "echo", "skill", "app", "launch", "ask", "tell", "open"):
        assert word not in en.split()


def test_the_manifest_covers_both_locales_and_points_at_alexa() -> None:
    manifest = json.loads((SKILL_DIR / "skill.json").read_text(encoding="utf-8"))["manifest"]
    locales = manifest["publishingInformation"]["locales"]
    assert set(locales) == set(LOCALES)
    assert manifest["apis"]["custom"]["endpoint"]["uri"].endswith("/alexa")
    assert manifest["apis"]["custom"]["endpoint"]["sslCertificateType"] in (
        "Trusted",
        "Wildcard",
        "SelfSigned",
    )


@pytest.mark.parametrize("locale", LOCALES)
def test_example_phrases_use_the_invocation_name(locale: str) -> None:
    manifest = json.loads((SKILL_DIR / "skill.json").read_text(encoding="utf-8"))["manifest"]
    phrases = manifest["publishingInformation"]["locales"][locale]["examplePhrases"]
    assert 1 <= len(phrases) <= 3
    wake = "アレクサ、" if locale == "ja-JP" else "Alexa, "
    name = model(locale)["invocationName"]
    for p in phrases:
        assert p.startswith(wake) and name in p
