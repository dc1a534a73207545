"""Reading bus questions: which are timetable questions, what they ask, and which stop
a loosely written destination means."""

from __future__ import annotations

import pytest

from bot.transit.intent import PlaceMatcher, hangul_to_romaji, parse_request, romaji_to_kana
from bot.transit.query import Place
from text.romaji import romanize

PLACES = [
    Place("北見駅前", frozenset({1}), ["北見駅前", "きたみえきまえ", "Kitami Station"]),
    Place("北見バスターミナル", frozenset({2}), ["北見バスターミナル", "きたみばすたーみなる", "Kitami Bus Terminal"]),
    Place("北見赤十字病院", frozenset({3}), ["北見赤十字病院", "きたみせきじゅうじびょういん",
                                            "Kitami Red Cross Hospital"]),
    Place("北見工業大学", frozenset({4}), ["北見工業大学", "きたみこうぎょうだいがく",
                                         "Kitami Institute of Technology"]),
    Place("女満別空港", frozenset({5}), ["女満別空港", "めまんべつくうこう", "Memanbetsu Airport"]),
    Place("美芳5丁目", frozenset({6}), ["美芳5丁目", "びほうごちょうめ", "Biho 5-chome"]),
    Place("美芳町3丁目", frozenset({7}), ["美芳町3丁目", "びほうちょうさんちょうめ", "Biho-cho 3-chome"]),
    Place("北見市役所", frozenset({8}), ["北見市役所", "きたみしやくしょ", "Kitami City Hall"]),
]


@pytest.fixture(scope="module")
def matcher() -> PlaceMatcher:
    return PlaceMatcher(PLACES)


def best(matcher: PlaceMatcher, phrase: str) -> str | None:
    found = matcher.match(phrase)
    return found[0].place.key if found else None


# -- is it a timetable question? ------------------------------------------------------

@pytest.mark.parametrize("text", [
    "次の空港行きのバスは？",
    "When is the last bus to Kitami station tonight?",
    "9時ごろ赤十字病院に行くバスある？",
    "つぎの めまんべつ いきの ばすは なんじ？",
    "ツギノ バス ハ ナンジ？",
    "空港行きのバスは？",
    "bus to the airport?",
    "日赤に行きたいんだけど、次のバスは何時？",
    "下一班去机场的巴士是几点？",
    "공항 가는 다음 버스는 몇 시예요?",
])
def test_timetable_questions_are_recognised(text: str) -> None:
    assert parse_request(text) is not None


@pytest.mark.parametrize("text", [
    "How long does the airport bus take and how much is it?",
    "どこバスってどうやって予約するの？",
    "I have a 7am flight tomorrow. How do I book a taxi to the airport?",
    "空港までバスでいくらかかる？",
    "Wi-Fiのパスワードは？",
    "次の燃えるゴミの日はいつ？",
    "バスタオルはどこ？",
])
def test_fare_booking_and_other_questions_are_left_to_retrieval(text: str) -> None:
    assert parse_request(text) is None


@pytest.mark.parametrize("text", ["バス停どこ？", "最寄りのバス停は？", "Where is the nearest bus stop?",
                                  "ばすていどこ"])
def test_where_is_the_stop_asks_for_the_nearest_stop(text: str) -> None:
    req = parse_request(text)
    assert req is not None and req.kind == "where"


def test_last_bus_tonight_is_a_last_bus_request_for_today() -> None:
    req = parse_request("When is the last bus to Kitami station tonight?")
    assert req is not None
    assert (req.kind, req.dest_phrase, req.day_offset) == ("last", "kitami station", 0)


def test_shuubasu_in_colloquial_japanese_is_a_last_bus_request() -> None:
    req = parse_request("今夜の北見駅行きの終バスって何時？")
    assert req is not None and req.kind == "last"


def test_around_nine_sets_the_clock_and_strips_it_from_the_destination() -> None:
    req = parse_request("9時ごろ赤十字病院に行くバスある？")
    assert req is not None
    assert (req.kind, req.hour, req.minute, req.dest_phrase) == ("around", 9, 0, "赤十字病院")


def test_half_past_in_the_afternoon_is_read_as_pm() -> None:
    req = parse_request("明日の午後3時半に空港に行くバスは？")
    assert req is not None
    assert (req.hour, req.minute, req.meridiem, req.day_offset) == (3, 30, "pm", 1)


def test_english_time_with_pm_is_read() -> None:
    req = parse_request("Is there a bus to the hospital around 9pm?")
    assert req is not None and (req.kind, req.hour, req.meridiem) == ("around", 9, "pm")


def test_arrive_by_is_recognised() -> None:
    req = parse_request("I need to be at the airport by 10am, which bus?")
    assert req is not None and (req.kind, req.hour, req.dest_phrase) == ("arrive_by", 10, "airport")


def test_a_kanji_in_a_mistyped_stop_name_is_not_read_as_a_time() -> None:
    req = parse_request("北見赤十時病院行きのバス次何時")
    assert req is not None and req.kind == "next" and req.hour is None


def test_an_explicit_origin_is_read_from_kara() -> None:
    req = parse_request("北見駅前から空港まで行くバスは何時？")
    assert req is not None and (req.origin_phrase, req.dest_phrase) == ("北見駅前", "空港")


def test_the_place_a_flight_lands_at_is_the_origin_and_to_names_the_destination() -> None:
    r = parse_request("my flight lands at memanbetsu around 8pm - is there still an airport bus to kitami after that?")
    assert r is not None and (r.origin_phrase, r.dest_phrase, r.hour, r.meridiem) == ("memanbetsu", "kitami", 8, "pm")


def test_a_named_direction_beats_the_place_one_arrives_at() -> None:
    r = parse_request("8時に女満別空港に着くんだけど北見行きのバスある？")
    assert r is not None and r.dest_phrase == "北見"


def test_chinese_names_the_destination_after_qu_and_the_origin_after_cong() -> None:
    r = parse_request("从北见站到机场的末班车？")
    assert r is not None and (r.kind, r.origin_phrase, r.dest_phrase) == ("last", "北见站", "机场")


def test_korean_names_the_destination_before_ganeun() -> None:
    r = parse_request("공항 가는 버스 몇 시예요?")
    assert r is not None and r.dest_phrase == "공항"


def test_ima_kara_is_not_an_origin() -> None:
    req = parse_request("今から美芳5丁目まで行くバスってまだありますか？")
    assert req is not None and (req.origin_phrase, req.dest_phrase) == ("", "美芳5丁目")


def test_a_weekday_name_is_read() -> None:
    req = parse_request("土曜日の空港行きのバスは何時？")
    assert req is not None and req.weekday == 5


# -- which place ---------------------------------------------------------------------

@pytest.mark.parametrize("phrase, expected", [
    ("空港", "女満別空港"),
    ("airport", "女満別空港"),
    ("めまんべつ", "女満別空港"),
    ("memanbetsu", "女満別空港"),
    ("airpot", "女満別空港"),
    ("メマンベツ", "女満別空港"),
    ("日赤", "北見赤十字病院"),
    ("赤十字病院", "北見赤十字病院"),
    ("病院", "北見赤十字病院"),
    ("hospital", "北見赤十字病院"),
    ("北見赤十時病院", "北見赤十字病院"),
    ("kitami station", "北見駅前"),
    ("Kitami Staton", "北見駅前"),
    ("北見駅", "北見駅前"),
    ("駅", "北見駅前"),
    ("きたみえき", "北見駅前"),
    ("工大", "北見工業大学"),
    ("美芳5丁目", "美芳5丁目"),
    ("びほうごちょうめ", "美芳5丁目"),
    ("バスターミナル", "北見バスターミナル"),
    ("city hall", "北見市役所"),
])
def test_loose_destination_phrases_find_the_right_place(matcher: PlaceMatcher, phrase: str,
                                                        expected: str) -> None:
    assert best(matcher, phrase) == expected


def test_a_town_name_shared_by_many_stops_matches_nothing(matcher: PlaceMatcher) -> None:
    assert best(matcher, "北見") is None


def test_an_unknown_place_matches_nothing(matcher: PlaceMatcher) -> None:
    assert best(matcher, "札幌") is None


def test_the_origin_is_excluded_from_destinations(matcher: PlaceMatcher) -> None:
    found = matcher.match("北見駅前", exclude=frozenset({1}))
    assert all(m.place.key != "北見駅前" for m in found)


def test_romaji_round_trips_through_kana() -> None:
    assert romaji_to_kana("memanbetsu") == "めまんべつ"
    assert romaji_to_kana("sapporo") == "さっぽろ"
    assert romaji_to_kana("station") is None
    assert romanize("きたみえきまえ") == "Kitamiekimae"
    assert romanize("ハッサム") == "Hassamu"


# -- service over a period ------------------------------------------------------------


@pytest.mark.parametrize("text", [
    "年末年始って空港行きのバス動いてる？",
    "お盆も駅行きのバスは運行してますか？",
    "does the airport bus run over the new year holidays?",
])
def test_whether_a_service_runs_over_a_holiday_period_is_not_a_timetable_question(text):
    assert parse_request(text) is None


@pytest.mark.parametrize("text", [
    "明日も空港行きのバス動いてる？",
    "次の空港行きのバスは？",
])
def test_whether_a_bus_runs_today_or_tomorrow_stays_a_timetable_question(text):
    assert parse_request(text) is not None


def test_a_named_date_is_the_day_asked_about():
    request = parse_request("1/2の空港行きのバスは何時？")
    assert request is not None and request.date == (1, 2)
    assert parse_request("12月31日の最終バスは？").date == (12, 31)


@pytest.mark.parametrize("hangul, romaji", [("기타미", "kitami"), ("삿포로", "sapporo"), ("메만베쓰", "memanbetsu"),
                                            ("아바시리", "abashiri"), ("시즈오카", "shizuoka"), ("나가노", "nagano")])
def test_japanese_names_written_in_hangul_read_as_romaji(hangul: str, romaji: str) -> None:
    assert hangul_to_romaji(hangul) == romaji


def test_a_station_named_in_korean_finds_its_stop(matcher: PlaceMatcher) -> None:
    found = matcher.match("기타미역")
    assert found and found[0].place.key == "北見駅前"


def test_a_name_begun_by_what_was_typed_wins_but_not_for_a_two_character_kind_of_place() -> None:
    places = [Place("室蘭駅前", frozenset({1}), ["室蘭駅前"]), Place("東室蘭駅西口", frozenset({2}), ["東室蘭駅西口"]),
              Place("東室蘭駅東口", frozenset({3}), ["東室蘭駅東口"]),
              Place("病院前", frozenset({4}), ["病院前"]), Place("市立病院", frozenset({5}), ["市立病院"])]
    m = PlaceMatcher(places)
    assert [x.place.key for x in m.match("室蘭駅")] == ["室蘭駅前"]  # two 東室蘭駅 stops contain it too
    assert [x.place.key for x in m.match("東室蘭駅")] == ["東室蘭駅西口", "東室蘭駅東口"]
    assert m.match("病院")[0].score < 0.5  # "病院" is shared by two names: no name of its own
