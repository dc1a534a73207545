"""Whole answers from BusAnswerer: exact times in the asker's language, honest "no bus"
answers with the next service day and a taxi pointer, and the briefing sentence."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.engine.contract import Answer, HouseContext, Question, Source
from bot.transit.answerer import BusAnswerer
from ingest.knowledge import Knowledge, load_knowledge
from ingest.transit.timetables import build_index
from tests.conftest import EVAL_CORPUS, REALDATA, SAMPLE_KNOWLEDGE

TZ = ZoneInfo("Asia/Tokyo")
TAXI = Answer(text="北見中央ハイヤー：0157-25-1188（24時間）", lang="ja", intent="retrieval",
              confidence=0.6, sources=[Source("areas/kitami/transit.ja.md", "タクシー", 0.7)])


class Retriever:
    """Records what the answerer looked up; answers with the taxi section."""

    def __init__(self) -> None:
        self.asked: list[Question] = []

    def __call__(self, q: Question) -> Answer:
        self.asked.append(q)
        return TAXI


def load(root: Path, out: Path) -> tuple[Knowledge, Path]:
    knowledge, _ = load_knowledge(root)
    for area in knowledge.areas.values():
        if area.gtfs is not None:
            build_index(area.gtfs, out / f"{area.id}.sqlite")
    return knowledge, out


@pytest.fixture(scope="module")
def eval_kb(tmp_path_factory: pytest.TempPathFactory) -> tuple[Knowledge, Path]:
    return load(EVAL_CORPUS, tmp_path_factory.mktemp("eval-transit"))


@pytest.fixture(scope="module")
def answerer(eval_kb: tuple[Knowledge, Path]) -> BusAnswerer:
    return BusAnswerer(*eval_kb)


def ask(answerer: BusAnswerer, house: str, text: str, now: str, lang: str = "ja",
        retriever: Retriever | None = None) -> Answer | None:
    kb = answerer.knowledge
    h = kb.houses[house]
    ctx = HouseContext(house=h, area=kb.area_of(h), knowledge_root=str(kb.root), lang=lang,
                       retrieve=retriever or Retriever())
    return answerer.answer(Question(text=text, house_id=house, now=datetime.fromisoformat(now), lang=lang), ctx)


def test_next_airport_bus_gives_departure_arrival_route_and_headsign(answerer: BusAnswerer) -> None:
    a = ask(answerer, "kitami-base", "次の空港行きのバスは？", "2026-11-18T08:00:00+09:00")
    assert a is not None and a.intent == "transit"
    first = a.text.splitlines()[0]
    assert "北見駅前" in first and "女満別空港" in first and "9時45分" in first and "10時38分" in first
    assert "空港線" in a.text and "女満別空港行き" in a.text
    assert [s.path for s in a.sources] == ["areas/kitami/gtfs/"]


def test_three_departures_are_listed_by_default(answerer: BusAnswerer) -> None:
    a = ask(answerer, "kitami-base", "次の空港行きのバスは？", "2026-11-18T08:00:00+09:00")
    assert a is not None
    assert next(line for line in a.text.splitlines() if line.startswith("・")).startswith("・9時45分発")
    assert len(a.data["departures"]) == 3


def test_english_answer_uses_english_stop_names_and_clock_times(answerer: BusAnswerer) -> None:
    a = ask(answerer, "doto-house", "When is the next bus to Kitami Station?", "2027-01-11T09:00:00+09:00", "en")
    assert a is not None and a.lang == "en"
    assert "Kitami Station (北見駅前)" in a.text and "11:10" in a.text and "Toryo Line" in a.text


def test_speech_is_one_short_sentence_without_bracketed_japanese(answerer: BusAnswerer) -> None:
    a = ask(answerer, "doto-house", "When is the next bus to Kitami Station?", "2027-01-11T09:00:00+09:00", "en")
    assert a is not None
    assert a.speech == "The next bus to Kitami Station leaves Biho 5-chome at 11:10."


def test_kana_only_question_is_answered(answerer: BusAnswerer) -> None:
    a = ask(answerer, "kitami-base", "つぎの めまんべつ いきの ばすは なんじ？", "2026-11-18T08:00:00+09:00")
    assert a is not None and "9時45分" in a.text


def test_typo_in_english_destination_is_answered(answerer: BusAnswerer) -> None:
    a = ask(answerer, "kitami-base", "next bus to the airpot?", "2026-11-18T08:00:00+09:00", "en")
    assert a is not None and "Memanbetsu Airport" in a.text and "9:45" in a.text


def test_chinese_question_is_answered_in_chinese(answerer: BusAnswerer) -> None:
    a = ask(answerer, "kitami-base", "下一班去机场的巴士是几点？", "2026-11-18T08:00:00+09:00", "zh")
    assert a is not None and a.lang == "zh" and "9:45" in a.text and "下一班车" in a.text


def test_a_bus_after_midnight_is_shown_as_late_night_of_today(answerer: BusAnswerer) -> None:
    a = ask(answerer, "kitami-base", "今から美芳5丁目まで行くバスってまだありますか？", "2026-11-20T23:30:00+09:00")
    assert a is not None and "深夜0時13分" in a.text and "これが今日の最終です" in a.text


def test_around_nine_lists_the_departures_nearest_nine(answerer: BusAnswerer) -> None:
    a = ask(answerer, "kitami-base", "9時ごろ赤十字病院に行くバスある？", "2026-11-18T07:00:00+09:00")
    assert a is not None
    assert "9時ごろ" in a.text.splitlines()[0] and "9時23分" in a.text.splitlines()[0]
    assert "8時15分" in a.text


def test_last_bus_tonight_names_the_last_departure(answerer: BusAnswerer) -> None:
    a = ask(answerer, "doto-house", "When is the last bus to Kitami station tonight?",
            "2026-11-18T15:00:00+09:00", "en")
    assert a is not None
    assert a.text.startswith("The last bus from Biho 5-chome") and "18:10" in a.text
    assert "That is the last bus today." in a.text


def test_no_more_buses_tonight_gives_tomorrows_first_and_the_taxi_section(answerer: BusAnswerer) -> None:
    retriever = Retriever()
    a = ask(answerer, "kitami-base", "空港行きのバスはまだある？", "2026-11-18T20:00:00+09:00",
            retriever=retriever)
    assert a is not None
    assert "今日はもう" in a.text and "最終は 16時55分 発でした" in a.text
    assert "次は 明日 6時15分 発です" in a.text
    assert "0157-25-1188" in a.text
    assert [q.text for q in retriever.asked] == ["タクシー"]
    assert "areas/kitami/transit.ja.md" in [s.path for s in a.sources]


def test_a_route_that_does_not_run_today_says_so_and_gives_the_next_day(answerer: BusAnswerer) -> None:
    a = ask(answerer, "kitami-base", "北見工業大学に行くバスは何時？", "2026-11-21T10:00:00+09:00")  # Saturday
    assert a is not None
    assert "今日は北見駅前から北見工業大学へ行くバスは走っていません" in a.text
    assert "11月24日（火）8時15分" in a.text  # Monday 23rd is a holiday


def test_english_taxi_pointer_asks_retrieval_in_english(answerer: BusAnswerer) -> None:
    retriever = Retriever()
    ask(answerer, "kitami-base", "Is there a bus to the hospital around 9pm?", "2026-11-18T07:00:00+09:00",
        "en", retriever)
    assert [q.text for q in retriever.asked] == ["taxi"]


def test_no_direct_bus_suggests_one_change(answerer: BusAnswerer) -> None:
    a = ask(answerer, "doto-house", "bus to the airport?", "2026-11-18T07:00:00+09:00", "en")
    assert a is not None
    assert "change at Kitami Bus Terminal" in a.text
    assert "8:25" in a.text and "9:40" in a.text


def test_the_last_bus_with_one_change_is_the_last_connection_of_the_day(answerer: BusAnswerer) -> None:
    # it gave the next connection (10:10 -> 13:20) without a word about "last"
    a = ask(answerer, "doto-house", "last bus to the airport", "2026-12-03T09:00:00+09:00", "en")
    assert a is not None and "change at Kitami Bus Terminal" in a.text
    assert "16:10" in a.text and "16:50" in a.text and "That is the last bus today." in a.text
    b = ask(answerer, "doto-house", "空港行き最終", "2026-12-03T09:00:00+09:00")
    assert b is not None and "16時50分" in b.text and "これが今日の最終です。" in b.text


def test_chinese_and_korean_station_words_name_the_station(answerer: BusAnswerer) -> None:
    for text, lang in (("去车站的公交车", "zh"), ("역까지 가는 버스", "ko")):
        a = ask(answerer, "doto-house", text, "2026-12-03T09:00:00+09:00", lang)
        assert a is not None and "Kitami Station" in a.text, text


def test_where_is_the_stop_gives_the_nearest_stop_with_distance_and_map(answerer: BusAnswerer) -> None:
    a = ask(answerer, "kitami-base", "バス停どこ？", "2026-11-18T07:00:00+09:00")
    assert a is not None
    assert a.text.startswith("最寄りのバス停は「北見駅前」（きたみえきまえ）です（北へ約150m）")
    assert "maps.google.com" in a.text and "次の発車" in a.text


def test_asking_for_a_bus_to_ones_own_stop_says_it_is_walkable(answerer: BusAnswerer) -> None:
    a = ask(answerer, "kitami-base", "When is the last bus to Kitami station tonight?",
            "2026-11-18T20:00:00+09:00", "en")
    assert a is not None and a.text.startswith("Kitami Station (北見駅前) is your own nearest stop")


def test_a_fare_question_is_left_to_retrieval(answerer: BusAnswerer) -> None:
    assert ask(answerer, "kitami-base", "How long does the airport bus take and how much is it?",
               "2026-09-03T12:00:00+09:00", "en") is None


def test_an_unknown_destination_is_left_to_retrieval(answerer: BusAnswerer) -> None:
    assert ask(answerer, "kitami-base", "札幌行きのバスは何時？", "2026-11-18T07:00:00+09:00") is None


def test_arrive_by_picks_the_latest_bus_that_arrives_in_time(answerer: BusAnswerer) -> None:
    a = ask(answerer, "kitami-base", "I need to be at the airport by 2pm, which bus?",
            "2026-11-18T07:00:00+09:00", "en")
    assert a is not None and "leaves at 9:45, arriving at 10:38" in a.text


def test_tomorrow_first_bus_is_tomorrows_first_departure(answerer: BusAnswerer) -> None:
    a = ask(answerer, "kitami-base", "what time is the first bus to the airport tomorrow?",
            "2026-11-18T07:00:00+09:00", "en")
    assert a is not None and "6:15 tomorrow" in a.text.splitlines()[0]


def test_new_years_day_uses_the_special_calendar(answerer: BusAnswerer) -> None:
    a = ask(answerer, "doto-house", "次の北見駅前行きのバスは？", "2027-01-01T08:00:00+09:00")
    assert a is not None and "11時10分" in a.text.splitlines()[0]


def test_the_morning_briefing_sentence_names_the_next_bus(eval_kb: tuple[Knowledge, Path]) -> None:
    kb, index_dir = eval_kb
    s = BusAnswerer(kb, index_dir).next_bus_sentence(kb.houses["doto-house"],
                          datetime(2026, 12, 2, 7, 0, tzinfo=TZ), "ja")
    assert s == "次のバスは 7時00分 美芳5丁目発（東陵公園行き）です。"


def test_the_briefing_sentence_can_target_a_destination(eval_kb: tuple[Knowledge, Path]) -> None:
    kb, index_dir = eval_kb
    s = BusAnswerer(kb, index_dir).next_bus_sentence(kb.houses["doto-house"],
                          datetime(2026, 12, 2, 7, 30, tzinfo=TZ), "en", destination="Kitami Station")
    assert s == ("Next bus: 7:40 from Biho 5-chome (美芳5丁目), for Kitami Bus Terminal,"
                 " arriving at Kitami Station (北見駅前) 7:57.")


@pytest.mark.parametrize("lang,sentence", [
    ("zh", "下一班车：7:00从Biho 5-chome (美芳5丁目)发车（开往Toryo Park）。"),
    ("ko", "다음 버스: 7:00에 Biho 5-chome (美芳5丁目) 출발 (Toryo Park행)."),
])
def test_the_briefing_sentence_is_in_chinese_and_korean_too(eval_kb: tuple[Knowledge, Path], lang, sentence) -> None:
    kb, index_dir = eval_kb
    s = BusAnswerer(kb, index_dir).next_bus_sentence(kb.houses["doto-house"], datetime(2026, 12, 2, 7, 0, tzinfo=TZ),
                                                     lang)
    assert s == sentence


def test_the_briefing_sentence_is_none_without_an_index(eval_kb: tuple[Knowledge, Path], tmp_path: Path) -> None:
    kb, _ = eval_kb
    assert BusAnswerer(kb, tmp_path).next_bus_sentence(kb.houses["doto-house"], datetime(2026, 12, 2, 7, tzinfo=TZ),
                             "ja") is None


def test_no_index_means_no_answer(eval_kb: tuple[Knowledge, Path], tmp_path: Path) -> None:
    kb, _ = eval_kb
    assert ask(BusAnswerer(kb, tmp_path), "kitami-base", "次の空港行きのバスは？",
               "2026-11-18T08:00:00+09:00") is None


def test_a_rebuilt_index_is_picked_up_without_restarting(eval_kb: tuple[Knowledge, Path],
                                                         tmp_path: Path) -> None:
    kb, _ = eval_kb
    bus = BusAnswerer(kb, tmp_path)
    assert ask(bus, "kitami-base", "次の空港行きのバスは？", "2026-11-18T08:00:00+09:00") is None
    build_index(kb.areas["kitami"].gtfs, tmp_path / "kitami.sqlite")
    a = ask(bus, "kitami-base", "次の空港行きのバスは？", "2026-11-18T08:00:00+09:00")
    assert a is not None and "9時45分" in a.text


def muroran_house(tmp_path: Path, stop: str) -> BusAnswerer:
    """The real Dōnan Bus feed (valid 2020-04-01 to 2021-04-01) and a house at ``stop``."""
    root = tmp_path / "kb"
    (root / "houses" / "h").mkdir(parents=True)
    (root / "areas" / "muroran").mkdir(parents=True)
    (root / "areas" / "muroran" / "gtfs").symlink_to(REALDATA / "gtfs-donanbus-muroran-hokkaido")
    (root / "houses" / "h" / "house.yaml").write_text(f"id: h\narea: muroran\nstops: ['{stop}']\n", encoding="utf-8")
    kb, index_dir = load(root, tmp_path / "idx")
    return BusAnswerer(kb, index_dir)


def test_an_expired_real_feed_says_the_timetable_has_run_out(tmp_path: Path) -> None:
    bus = muroran_house(tmp_path, "0001")  # 絵鞆団地
    a = ask(bus, "h", "次のバスは何時？", "2026-10-14T07:00:00+09:00")
    assert a is not None and "2021年4月1日 で終わって" in a.text and "管理人に確認" in a.text
    b = ask(bus, "h", "next bus to Higashi-Muroran station?", "2020-10-14T07:00:00+09:00", "en")
    assert b is not None and "東室蘭駅" in b.text and "7:25" in b.text


@pytest.fixture
def muroran(tmp_path: Path) -> BusAnswerer:
    return muroran_house(tmp_path, "0082")  # 室蘭駅前


def test_a_word_of_time_is_never_taken_for_a_stop(muroran: BusAnswerer) -> None:
    # the stop 明日中等前 begins with 明日 (tomorrow): "tomorrow's first bus" went there
    a = ask(muroran, "h", "明日の朝一番のバスは？", "2020-12-07T17:30:00+09:00")
    assert a is not None and "明日中等前" not in a.text and "始発" in a.text


def test_a_stop_named_by_the_beginning_of_its_name_is_found(muroran: BusAnswerer) -> None:
    # "室蘭駅" is the beginning of 室蘭駅前 only; 東室蘭駅西口 and 東室蘭駅東口 contain it too
    a = ask(muroran, "h", "絵鞆団地から室蘭駅までのバス", "2020-12-07T17:30:00+09:00")
    assert a is not None and a.text.startswith("絵鞆団地から室蘭駅前へ行く次のバスは")
    b = ask(muroran, "h", "東室蘭駅に行くバスは何時？", "2020-12-07T17:30:00+09:00")
    assert b is not None and "東室蘭駅" in b.text.splitlines()[0]


def test_two_kana_in_a_korean_sentence_are_no_stop(muroran: BusAnswerer) -> None:
    # the Hangul of "가는 버스" read as kana shared "んぼ" with 展望台入口 alone
    a = ask(muroran, "h", "동무로란역 가는 버스 몇 시예요?", "2020-12-07T17:30:00+09:00", "ko")
    assert a is None or "展望台入口" not in a.text


def test_the_shipped_sample_feed_answers_the_sample_house(tmp_path: Path) -> None:
    kb, index_dir = load(SAMPLE_KNOWLEDGE, tmp_path)
    house = next(h for h in kb.houses.values() if h.stops == ["1002", "1001"])
    bus = BusAnswerer(kb, index_dir)
    a = ask(bus, house.id, "次の空港行きのバスは？", "2026-11-18T08:00:00+09:00")
    assert a is not None and "北見駅前から女満別空港へ行く次のバスは 9時10分 発です" in a.text
    holiday = ask(bus, house.id, "9時ごろ赤十字病院に行くバスある？", "2026-11-23T07:00:00+09:00")
    assert holiday is not None and "病院線" not in holiday.text  # weekday-only line, holiday


def test_the_last_bus_of_a_named_date_says_that_date_not_today(answerer: BusAnswerer) -> None:
    a = ask(answerer, "doto-house", "12月31日の最終バスは？", "2026-12-03T09:00:00+09:00")
    assert a is not None and "これが12月31日（木）の最終です。" in a.text and "今日" not in a.text


def test_the_last_bus_asked_for_tomorrow_says_tomorrow(answerer: BusAnswerer) -> None:
    a = ask(answerer, "doto-house", "last bus to Kitami station tomorrow?", "2026-12-03T09:00:00+09:00", "en")
    assert a is not None and "That is the last bus tomorrow." in a.text and "today" not in a.text


def test_a_chinese_answer_writes_a_later_day_in_chinese(answerer: BusAnswerer) -> None:
    a = ask(answerer, "doto-house", "12月31日去红十字医院的末班车是几点？", "2026-12-03T09:00:00+09:00", "zh")
    assert a is not None and "12月31日（周四）" in a.text and "Thu" not in a.text


def test_a_chinese_destination_the_timetable_does_not_know_is_left_to_the_guides(answerer: BusAnswerer) -> None:
    # Before, "去…站" extracted no destination and the answer listed buses to anywhere.
    assert ask(answerer, "doto-house", "去旭川站的公交车几点？", "2026-12-03T09:00:00+09:00", "zh") is None


def test_a_stop_written_in_simplified_chinese_is_found_by_its_japanese_kanji(answerer: BusAnswerer) -> None:
    # 北见站 -> 北見駅: OpenCC's simplified -> Japanese character tables, then 站 = station
    a = ask(answerer, "doto-house", "去北见站的公交车几点？", "2026-12-03T09:00:00+09:00", "zh")
    assert a is not None and "Kitami Station (北見駅前)" in a.text


def test_a_chinese_origin_and_coach_bus_are_read(answerer: BusAnswerer) -> None:
    a = ask(answerer, "doto-house", "从北见站到机场的大巴几点？", "2026-12-03T09:00:00+09:00", "zh")
    assert a is not None and a.text.startswith("从Kitami Station (北見駅前)开往Memanbetsu Airport")


def test_a_korean_destination_the_timetable_knows_is_answered(answerer: BusAnswerer) -> None:
    a = ask(answerer, "doto-house", "공항 가는 버스 몇 시예요?", "2026-12-03T09:00:00+09:00", "ko")
    assert a is not None and "女満別空港" in a.text


def test_a_korean_question_to_a_station_named_in_hangul_gets_buses_to_it(answerer: BusAnswerer) -> None:
    a = ask(answerer, "doto-house", "기타미역 가는 버스 다음 거 몇 시예요?", "2026-07-21T14:00:00+09:00", "ko")
    assert a is not None and "Kitami Station (北見駅前)행" in a.text
