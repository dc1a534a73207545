"""Data that has ended: validate warns ahead, and answers never say "no collection".

Real data: Sapporo's day-by-area calendar covers 2024-10-01..2025-09-30 and the Muroran
GTFS feed ends 2021-04-01. Asked on 2026-12-02, the concierge says the calendar (or
timetable) has ended, with the year, and to ask the house's contact.
"""

from __future__ import annotations

import shutil
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from bot.cli import cli
from bot.engine.contract import HouseContext, Question
from bot.garbage.answerer import GarbageAnswerer
from bot.transit.answerer import BusAnswerer
from ingest.knowledge import load_knowledge
from ingest.transit.schema import index_path
from ingest.transit.timetables import build_index
from ingest.validate import scan_knowledge
from tests.conftest import REALDATA

ASKED = datetime.fromisoformat("2026-12-02T20:00:00+09:00")
CONTACT = "0133-00-0000"
CODES = ('codes:\n  "1": {name: 燃やせるごみ, en: Burnable}\n  "2": {name: 燃やせないごみ, en: Non-burnable}\n'
         '  "8": {name: びん・缶・ペットボトル, en: "Bottles, cans and PET bottles"}\n'
         '  "9": {name: 容器包装プラスチック, en: Plastic packaging}\n  "10": {name: 雑がみ, en: Mixed paper}\n'
         '  "11": {name: 枝・葉・草, en: "Branches, leaves and grass"}\n')


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two areas: Sapporo's calendar (ended 2025-09-30) and Muroran's feed (ended 2021-04-01)."""
    root = tmp_path_factory.mktemp("ended") / "knowledge"
    garbage = root / "areas" / "sapporo" / "garbage"
    garbage.mkdir(parents=True)
    shutil.copy(REALDATA / "sapporo-garbage-calendar" / "garvagecollectioncalendar202410.csv", garbage)
    (garbage / "codes.yaml").write_text(CODES, encoding="utf-8")
    (root / "areas" / "muroran").mkdir(parents=True)
    (root / "areas" / "muroran" / "gtfs").symlink_to(REALDATA / "gtfs-donanbus-muroran-hokkaido")
    for house, area, extra in (("city-house", "sapporo", 'garbage_area: "中央区①"\n'),
                               ("port-house", "muroran", "stops: ['0001']\n")):
        (root / "houses" / house).mkdir(parents=True)
        (root / "houses" / house / "house.yaml").write_text(
            f"id: {house}\narea: {area}\n{extra}contacts:\n  - {{label: {{ja: 管理人, en: Caretaker}}, phone: "
            f'"{CONTACT}"}}\n', encoding="utf-8")
    return root


def warnings(root: Path, today: date) -> list[str]:
    return [str(w) for w in scan_knowledge(root, today=today).warnings]


def test_validate_warns_with_path_and_line_that_the_calendar_and_the_feed_have_ended(folder: Path) -> None:
    got = CliRunner().invoke(cli, ["validate", "--knowledge", str(folder)])
    assert got.exit_code == 0, got.output  # a warning, not an error: ingest goes on
    assert ("areas/sapporo/garbage/garvagecollectioncalendar202410.csv:366: warning: this garbage calendar "
            "ended on 2025-09-30") in got.output
    assert "areas/muroran/gtfs/calendar.txt:2: warning: this bus timetable (GTFS) ended on 2021-04-01" in got.output


def test_validate_warns_30_days_ahead_and_not_before(folder: Path) -> None:
    soon = warnings(folder, date(2025, 9, 10))
    assert any("garbage calendar ends on 2025-09-30 (in 20 days)" in w for w in soon)
    assert not any("garbage" in w for w in warnings(folder, date(2025, 8, 30)))


def test_a_feed_ending_within_30_days_is_named_with_its_row(tmp_path: Path) -> None:
    root = tmp_path / "k"
    (root / "areas" / "kyoto").mkdir(parents=True)
    (root / "areas" / "kyoto" / "gtfs").symlink_to(REALDATA / "gtfs-jp-kyotosangyo-univ-shuttle")
    (root / "houses" / "h").mkdir(parents=True)
    (root / "houses" / "h" / "house.yaml").write_text("id: h\narea: kyoto\n", encoding="utf-8")
    got = warnings(root, date(2026, 1, 1))
    assert any(w.startswith("areas/kyoto/gtfs/calendar.txt:") and "ends on 2026-01-19 (in 18 days)" in w
               for w in got), got


def garbage_answer(folder: Path, text: str, lang: str) -> Any:
    knowledge, _ = load_knowledge(folder)
    house = knowledge.house("city-house")
    ctx = HouseContext(house=house, area=knowledge.area_of(house), knowledge_root=str(folder), lang=lang,
                       retrieve=lambda q: None)
    return GarbageAnswerer(knowledge).answer(Question(text=text, house_id=house.id, now=ASKED, lang=lang), ctx)


@pytest.mark.parametrize(("text", "lang", "ended"), [
    ("明日のごみは？", "ja", "2025年9月30日で終わって"),
    ("今日ゴミ出せる？", "ja", "2025年9月30日で終わって"),
    ("次の燃やせないごみの日は？", "ja", "2025年9月30日で終わって"),
    ("What goes out tomorrow?", "en", "ended on September 30, 2025"),
    ("明天扔什么垃圾？", "zh", "已于2025年9月30日结束"),
    ("내일은 무슨 쓰레기예요?", "ko", "2025년 9월 30일에 끝나서"),
])
def test_after_the_calendar_ends_answers_say_so_with_the_year_and_the_contact(
        folder: Path, text: str, lang: str, ended: str) -> None:
    answer = garbage_answer(folder, text, lang)
    assert answer is not None
    assert ended in answer.text and CONTACT in answer.text
    for never in ("収集がありません", "no garbage collection", "没有垃圾收集", "수거가 없습니다", "10月1日（"):
        assert never not in answer.text


def test_the_morning_briefing_says_the_calendar_has_ended(folder: Path) -> None:
    knowledge, _ = load_knowledge(folder)
    got = GarbageAnswerer(knowledge).briefing(knowledge.house("city-house"), ASKED, "ja")
    assert got is not None and "2025年9月30日で終わって" in got.text and "収集はありません" not in got.text


def test_after_the_feed_ends_the_bus_answer_says_so_with_the_year_and_the_contact(
        folder: Path, tmp_path: Path) -> None:
    knowledge, _ = load_knowledge(folder)
    store = tmp_path / "store"
    build_index(knowledge.areas["muroran"].gtfs, index_path(store, "muroran"))
    bus = BusAnswerer(knowledge, index_path(store, "muroran").parent)
    house = knowledge.house("port-house")
    ctx = HouseContext(house=house, area=knowledge.area_of(house), knowledge_root=str(folder), lang="en",
                       retrieve=lambda q: None)
    answer = bus.answer(Question(text="When is the next bus?", house_id=house.id, now=ASKED, lang="en"), ctx)
    assert answer is not None and "ended on April 1, 2021" in answer.text and CONTACT in answer.text
    assert "ended on April 1, 2021" in (bus.next_bus_sentence(house, ASKED, "en") or "")
