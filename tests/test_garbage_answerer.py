"""GarbageAnswerer, the morning briefing and validation, on fixed dates."""

from __future__ import annotations

import json
import shutil
import unicodedata
from datetime import datetime
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.engine.contract import Answer, HouseContext, Question
from bot.garbage.answerer import GarbageAnswerer
from ingest.garbage.validate import sorting_category_warnings, validate_area_garbage
from ingest.knowledge import Knowledge, load_knowledge
from tests.conftest import EVAL_CORPUS, REALDATA, SAMPLE_KNOWLEDGE
from text.dates import format_date

JST = ZoneInfo("Asia/Tokyo")
DEV = EVAL_CORPUS.parent / "questions.dev.jsonl"


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=JST) if "+" not in text else datetime.fromisoformat(text)


def abstaining(question: Question) -> Answer:
    return Answer(text="(no retrieval answer)", lang=question.lang or "ja", intent="retrieval", confidence=0.0,
                  abstained=True)


@cache
def knowledge(root: Path) -> Knowledge:
    loaded, _ = load_knowledge(root)
    return loaded


@cache
def answerer(root: Path) -> GarbageAnswerer:
    return GarbageAnswerer(knowledge(root))


def ask(text: str, now: str, *, root: Path = EVAL_CORPUS, house: str = "doto-house", lang: str = "ja",
        retrieve=abstaining) -> Answer | None:
    k = knowledge(root)
    h = k.house(house)
    ctx = HouseContext(house=h, area=k.area_of(h), knowledge_root=str(root), lang=lang, retrieve=retrieve)
    return answerer(root).answer(Question(text=text, house_id=house, now=at(now), lang=lang), ctx)


def norm(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


# --------------------------------------------------------------------------- dev set


def evaluate_dev_set() -> tuple[float, list[str], list[str]]:
    """Fact accuracy over the dev questions of kinds garbage_day and sorting, plus the
    failures and the other-kind questions this answerer wrongly took."""
    facts = hits = 0
    failures: list[str] = []
    taken: list[str] = []
    for line in DEV.read_text(encoding="utf-8").splitlines():
        q = json.loads(line)
        answer = ask(q["q"], q["now"], house=q["house"], lang=q["lang"])
        if q["kind"] not in ("garbage_day", "sorting"):
            if answer is not None:
                taken.append(q["id"])
            continue
        text = norm(answer.text) if answer else ""
        for fact in q["expect"]["facts"]:
            facts += 1
            if any(norm(alt) in text for alt in fact.split("|")):
                hits += 1
            else:
                failures.append(f"{q['id']}: {fact}")
    return hits / facts, failures, taken


def test_dev_garbage_and_sorting_questions_reach_the_fact_accuracy_target():
    accuracy, failures, _ = evaluate_dev_set()
    assert accuracy >= 0.95, failures


def test_no_other_kind_of_dev_question_is_taken_from_retrieval():
    _, _, taken = evaluate_dev_set()
    assert taken == []


# --------------------------------------------------------------------------- garbage days


def test_tomorrow_names_the_date_in_japanese_form_and_the_category_as_in_the_data():
    answer = ask("明日は何のごみの日ですか？", "2026-12-03T20:00:00+09:00")
    assert answer.intent == "garbage_day" and "12月4日（金）" in answer.text and "燃やせるごみ" in answer.text


def test_english_answers_use_the_english_date_and_category_from_the_data():
    answer = ask("What goes out tomorrow?", "2026-12-03T20:00:00+09:00", lang="en")
    assert "Friday, December 4" in answer.text and "Burnable" in answer.text


def test_garbage_day_answers_cite_the_calendar_file():
    answer = ask("明日は何のごみ？", "2026-12-03T20:00:00+09:00")
    assert [(s.path, s.heading, s.score) for s in answer.sources] == [("areas/kitami/garbage.yaml", "", 1.0)]


def test_a_fifth_wednesday_says_there_is_no_collection_and_gives_the_next():
    answer = ask("明日のごみは？", "2026-09-29T19:00:00+09:00", house="kitami-base")
    assert "ありません" in answer.text and "10月1日（木）の燃やせるごみ" in answer.text


def test_the_year_end_stop_is_explained():
    answer = ask("1月2日は収集ある？", "2026-12-28T12:00:00+09:00")
    assert "収集がありません" in answer.text and "年末年始" in answer.text


def test_next_skips_today_after_the_put_out_time():
    answer = ask("次の燃やせるごみの日は？", "2026-12-01T09:00:00+09:00")  # Tuesday, after 8:30
    assert "12月4日（金）" in answer.text


def test_next_includes_today_before_the_put_out_time():
    answer = ask("次の燃やせるごみの日は？", "2026-12-01T07:00:00+09:00")
    assert "今日12月1日（火）" in answer.text


def test_today_after_the_put_out_time_says_it_has_passed():
    answer = ask("今日ゴミ出せる？", "2026-12-01T10:00:00+09:00")
    assert "過ぎています" in answer.text and "燃やせるごみ" in answer.text


def test_a_national_holiday_is_named_and_collection_still_happens():
    answer = ask("明日は祝日だけど、ごみの収集はある？", "2027-01-10T18:00:00+09:00")
    assert "成人の日" in answer.text and "プラスチック製容器包装の日です" in answer.text


def test_a_question_asked_from_another_timezone_uses_japan_time():
    answer = ask("明日のごみは？", "2026-12-03T12:00:00+01:00")  # 20:00 in Japan, Thursday
    assert "12月4日（金）" in answer.text


def test_the_week_view_carries_data_for_the_flex_message():
    answer = ask("this week's garbage", "2026-12-03T20:00:00+09:00", lang="en")
    week = answer.data["week"]
    assert len(week) == 7 and week[0]["date"] == "2026-12-03"
    assert week[1] == {"date": "2026-12-04", "categories": [{"name": "燃やせるごみ", "en": "Burnable"}]}
    assert "Friday, December 4: Burnable (燃やせるごみ)" in answer.text


def test_the_speech_is_one_or_two_short_sentences():
    answer = ask("明日は何のごみ？", "2026-12-03T20:00:00+09:00")
    assert answer.speech == "明日12月4日（金）は燃やせるごみの日です。"


def test_a_category_without_a_fixed_day_gives_its_note():
    answer = ask("粗大ごみの日はいつ？", "2026-12-03T20:00:00+09:00")
    assert "定期の収集日がありません" in answer.text and "0157-23-5374" in answer.text


@pytest.mark.parametrize("lang,text,expected", [
    ("zh", "明天扔什么垃圾？", "12月4日（周五）"),
    ("ko", "내일 무슨 쓰레기 버려요?", "12월 4일 (금)"),
])
def test_chinese_and_korean_questions_get_dates_in_their_form(lang, text, expected):
    answer = ask(text, "2026-12-03T20:00:00+09:00", lang=lang)
    assert expected in answer.text and "Burnable" in answer.text


@pytest.mark.parametrize("text", ["Wi-Fiのパスワードは？", "明日の天気は？", "ゴミ箱はどこ？",
                                  "How do I get to the airport tomorrow?"])
def test_questions_that_are_not_about_garbage_days_fall_back_to_retrieval(text):
    assert ask(text, "2026-12-03T20:00:00+09:00") is None


# --------------------------------------------------------------------------- sorting


def test_sorting_gives_category_note_and_next_date():
    answer = ask("スプレー缶はどうやって捨てればいいですか？", "2026-11-12T10:00:00+09:00")
    assert answer.intent == "sorting"
    assert "燃やせないごみ" in answer.text and "穴は開けない" in answer.text and "11月19日（木）" in answer.text
    assert (answer.sources[0].path, answer.sources[0].heading) == ("areas/kitami/sorting.csv", "スプレー缶")


def test_sorting_in_english_uses_the_english_columns():
    answer = ask("How do I throw away PET bottles?", "2026-08-11T19:00:00+09:00", lang="en")
    assert "Bottles, cans and PET bottles" in answer.text and "Remove cap and label" in answer.text


def test_variants_of_one_item_are_all_listed():
    answer = ask("ピザの箱は何ごみ？", "2026-09-19T20:00:00+09:00")
    assert "燃やせるごみ" in answer.text and "紙類" in answer.text
    assert [s.heading for s in answer.sources[:2]] == ["ピザの箱（汚れたもの）", "ピザの箱（汚れていないもの）"]


def test_an_unknown_item_says_so_and_includes_the_retrieval_answer():
    asked: list[Question] = []

    def retrieve(question: Question) -> Answer:
        asked.append(question)
        return Answer(text="ソファは管理人に相談してください。", lang="ja", intent="retrieval", confidence=0.7)

    answer = ask("ソファはどうやって捨てる？", "2026-12-03T20:00:00+09:00", retrieve=retrieve)
    assert answer.intent == "sorting" and "「ソファ」は分別表に見つかりませんでした" in answer.text
    assert "管理人に相談" in answer.text and asked[0].text == "ソファはどうやって捨てる？"
    assert not answer.abstained


def test_an_unknown_item_with_no_retrieval_answer_abstains():
    answer = ask("電子たばこは何ごみ？", "2026-12-03T20:00:00+09:00")
    assert answer.abstained and answer.confidence <= 0.5


def test_a_one_word_item_message_is_answered():
    answer = ask("乾電池", "2026-10-30T20:00:00+09:00", house="kitami-base")
    assert answer.intent == "sorting" and "燃やせないごみ" in answer.text


# --------------------------------------------------------------------------- other forms


def write_house(root: Path, area: str, garbage_area: str) -> None:
    (root / "houses/h").mkdir(parents=True)
    (root / "houses/h/house.yaml").write_text(
        f"id: h\nname: H\narea: {area}\ngarbage_area: \"{garbage_area}\"\n"
        "contacts:\n  - {label: {ja: 管理人, en: Caretaker}, phone: \"0157-00-0000\"}\n", encoding="utf-8")


@pytest.fixture
def kanazawa(tmp_path: Path) -> Path:
    shutil.copytree(REALDATA / "5374-kanazawa", tmp_path / "areas/kanazawa/garbage",
                    ignore=shutil.ignore_patterns("SOURCE.md"))
    write_house(tmp_path, "kanazawa", "浅野川")
    return tmp_path


def test_a_5374_area_is_answered_and_cites_area_days(kanazawa):
    answer = ask("明日のごみは？", "2022-12-01T20:00:00+09:00", root=kanazawa, house="h")
    assert "12月2日（金）" in answer.text and "収集がありません" in answer.text
    assert answer.sources[0].path == "areas/kanazawa/garbage/area_days.csv"


def test_a_5374_area_answers_sorting_from_target_csv(kanazawa):
    answer = ask("乾電池は何ごみ？", "2022-12-01T20:00:00+09:00", root=kanazawa, house="h", lang="en")
    assert "Recyclables (資源)" in answer.text
    assert answer.sources[0].path == "areas/kanazawa/garbage/target.csv"


def test_today_in_the_evening_without_a_put_out_time_also_gives_the_one_after(kanazawa):
    # 浅野川: 燃やすごみ 月・木. 5374 data gives no put-out time; at 18:00 "today" alone misleads
    evening = ask("燃やすごみはいつ？", "2026-12-07T18:00:00+09:00", root=kanazawa, house="h")
    assert "今日12月7日（月）" in evening.text and "その次は12月10日（木）" in evening.text
    morning = ask("燃やすごみはいつ？", "2026-12-07T07:00:00+09:00", root=kanazawa, house="h")
    assert "今日12月7日（月）" in morning.text and "その次" not in morning.text
    any_kind = ask("次のごみの日は？", "2026-12-07T18:00:00+09:00", root=kanazawa, house="h")
    assert "その次は12月9日（水）" in any_kind.text  # あきびん (水2)


def test_a_category_asked_for_a_week_it_is_not_collected_says_so_and_when_it_is_next(kanazawa):
    # 浅野川: 燃やさないごみ 水4; the week of Dec 2, 2026 has none. Seven "収集なし" lines said it
    # only by leaving it out
    answer = ask("今週の燃やさないごみっていつ", "2026-12-02T19:00:00+09:00", root=kanazawa, house="h")
    assert answer.text.splitlines() == ["12月2日（水）〜12月8日（火）は燃やさないごみの収集はありません。",
                                        "次の燃やさないごみの日は12月23日（水）です。"]


def test_a_category_asked_for_a_week_lists_only_its_days(kanazawa):
    answer = ask("今週の燃やすごみ", "2026-12-02T19:00:00+09:00", root=kanazawa, house="h")
    assert answer.text.splitlines()[1:] == ["12月3日（木）: 燃やすごみ", "12月7日（月）: 燃やすごみ"]


def test_the_kanazawa_closure_moves_a_collection_a_week_later(kanazawa):
    answer = ask("次の資源の日は？", "2022-12-21T09:00:00+09:00", root=kanazawa, house="h")
    assert "1月10日（火）" in answer.text  # 火1 on Jan 3 falls in the closure


def test_a_5374_remark_is_shown_with_the_area_answer(tmp_path):
    garbage = tmp_path / "areas/town/garbage"
    garbage.mkdir(parents=True)
    (garbage / "area_days.csv").write_text("地名,センター,燃やすごみ\n片町,,月 木 *1\n", encoding="utf-8")
    (garbage / "remarks.csv").write_text("ID,注意事項\n1,一部地域で収集曜日が異なります。\n", encoding="utf-8")
    write_house(tmp_path, "town", "片町")
    answer = ask("明日のごみは？", "2026-12-03T20:00:00+09:00", root=tmp_path, house="h")
    assert "※一部地域で収集曜日が異なります。" in answer.text


def test_a_sapporo_day_by_area_calendar_is_answered(tmp_path):
    garbage = tmp_path / "areas/sapporo/garbage"
    garbage.mkdir(parents=True)
    shutil.copy(REALDATA / "sapporo-garbage-calendar/garvagecollectioncalendar202410.csv", garbage)
    (garbage / "codes.yaml").write_text(
        'codes:\n  "1": {name: 燃やせるごみ, en: Burnable}\n  "2": {name: 燃やせないごみ, en: Non-burnable}\n'
        '  "8": {name: びん・缶・ペットボトル, en: "Bottles, cans and PET bottles"}\n'
        '  "9": {name: 容器包装プラスチック, en: Plastic packaging}\n  "10": {name: 雑がみ, en: Mixed paper}\n'
        '  "11": {name: 枝・葉・草, en: "Branches, leaves and grass"}\nput_out_by: "08:30"\n', encoding="utf-8")
    write_house(tmp_path, "sapporo", "中央区①")
    answer = ask("明日のごみは？", "2024-10-02T20:00:00+09:00", root=tmp_path, house="h")
    assert "10月3日（木）は燃やせるごみの日です" in answer.text
    later = ask("明日のごみは？", "2025-12-01T20:00:00+09:00", root=tmp_path, house="h")
    assert "2025年9月30日で終わって" in later.text and "収集がありません" not in later.text
    assert later.confidence < 0.9


def test_an_unknown_garbage_area_is_answered_with_an_abstention_and_the_contact(tmp_path):
    shutil.copytree(EVAL_CORPUS / "areas/kitami", tmp_path / "areas/kitami")
    write_house(tmp_path, "kitami", "北見市西部")
    answer = ask("明日のごみは？", "2026-12-03T20:00:00+09:00", root=tmp_path, house="h")
    assert answer.abstained and "0157-00-0000" in answer.text


def test_an_area_without_garbage_data_leaves_the_question_to_retrieval(tmp_path):
    (tmp_path / "areas/empty").mkdir(parents=True)
    write_house(tmp_path, "empty", "")
    assert ask("明日のごみは？", "2026-12-03T20:00:00+09:00", root=tmp_path, house="h") is None


def test_an_edited_calendar_is_reloaded(tmp_path):
    shutil.copytree(EVAL_CORPUS / "areas/kitami", tmp_path / "areas/kitami")
    write_house(tmp_path, "kitami", "北見市中央")
    k, _ = load_knowledge(tmp_path)
    garbage = GarbageAnswerer(k)
    house = k.house("h")
    ctx = HouseContext(house=house, area=k.area_of(house), knowledge_root=str(tmp_path), lang="ja",
                       retrieve=abstaining)
    question = Question(text="明日のごみは？", house_id="h", now=at("2026-12-03T20:00:00+09:00"))  # Friday
    assert "燃やせるごみ" not in garbage.answer(question, ctx).text.split("\n")[0]
    path = tmp_path / "areas/kitami/garbage.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace('days: "月 木"', 'days: "月 金"', 1) + "\n",
                    encoding="utf-8")
    assert "燃やせるごみ" in garbage.answer(question, ctx).text.split("\n")[0]


# --------------------------------------------------------------------------- briefing, validation


def test_the_morning_briefing_gives_today_tomorrow_and_the_put_out_time():
    k = knowledge(EVAL_CORPUS)
    brief = GarbageAnswerer(k).briefing(k.house("doto-house"), at("2026-12-04T06:30:00+09:00"), "ja")
    assert brief.today == ["燃やせるごみ"] and brief.tomorrow == [] and brief.put_out_by == "08:30"
    assert brief.text == "今日は燃やせるごみの日です（8時30分までに）。明日は収集がありません。"


def test_the_morning_briefing_in_english_uses_english_names():
    k = knowledge(EVAL_CORPUS)
    brief = GarbageAnswerer(k).briefing(k.house("doto-house"), at("2026-12-04T06:30:00+09:00"), "en")
    assert brief.today == ["Burnable"]
    assert brief.text == "Today's garbage: Burnable (put out by 8:30). No collection tomorrow."


def test_the_morning_briefing_says_when_nothing_is_collected():
    k = knowledge(EVAL_CORPUS)
    brief = GarbageAnswerer(k).briefing(k.house("doto-house"), at("2027-01-01T06:30:00+09:00"), "ja")
    assert brief.today == [] and brief.text.startswith("今日はごみの収集はありません。")


def test_the_sample_house_has_a_briefing():
    k = knowledge(SAMPLE_KNOWLEDGE)
    house = k.house(k.default_house)
    assert GarbageAnswerer(k).briefing(house, at("2026-12-04T06:30:00+09:00"), "ja") is not None


@pytest.mark.parametrize("root", [EVAL_CORPUS, SAMPLE_KNOWLEDGE])
def test_the_eval_and_sample_garbage_data_validate_cleanly(root):
    k = knowledge(root)
    assert validate_area_garbage(k.areas["kitami"], k.root) == []


def test_a_sorting_category_missing_from_the_calendar_is_a_warning_not_an_error(tmp_path):
    # a city's own dictionary names categories no calendar day collects (「市では収集しません」)
    shutil.copytree(EVAL_CORPUS / "areas/kitami", tmp_path / "areas/kitami")
    path = tmp_path / "areas/kitami/sorting.csv"
    path.write_text(path.read_text(encoding="utf-8") + "古着,古布類,,,,\n", encoding="utf-8")
    write_house(tmp_path, "kitami", "北見市中央")
    k, _ = load_knowledge(tmp_path)
    assert validate_area_garbage(k.areas["kitami"], k.root) == []
    warnings = sorting_category_warnings(k.areas["kitami"], k.root)
    assert [(w.path, w.line) for w in warnings] == [("areas/kitami/sorting.csv", 87)]
    assert "'古布類' has no collection day in the garbage calendar" in warnings[0].message


def test_an_item_whose_category_has_no_calendar_day_is_answered_with_its_category(tmp_path):
    shutil.copytree(EVAL_CORPUS / "areas/kitami", tmp_path / "areas/kitami")
    path = tmp_path / "areas/kitami/sorting.csv"
    path.write_text(path.read_text(encoding="utf-8") + "古着,古布類,古着屋へ,,,\n", encoding="utf-8")
    write_house(tmp_path, "kitami", "北見市中央")
    answer = ask("古着は何ごみ？", "2026-12-03T20:00:00+09:00", root=tmp_path, house="h")
    assert answer is not None and "古布類" in answer.text and not answer.abstained


def test_the_day_a_category_can_go_out_is_a_day_question(tmp_path):
    # 「出せる日」: 出せる is the verb, 日 the day asked for (not an item 「枝る日」)
    answer = ask("紙類って出せる日ある？", "2026-12-03T20:00:00+09:00")
    assert answer is not None and answer.intent == "garbage_day" and "次の" in answer.text


def test_when_asked_of_an_item_alone_gives_its_category_and_next_day():
    answer = ask("スプレー缶いつ？", "2026-11-05T19:30:00+09:00")
    assert answer is not None and answer.intent == "sorting"
    assert "燃やせないごみ" in answer.text and "11月19日" in answer.text


def test_dates_are_formatted_for_each_language():
    from datetime import date

    d = date(2026, 12, 4)
    assert [format_date(d, lang) for lang in ("ja", "en", "zh", "ko")] == [
        "12月4日（金）", "Friday, December 4", "12月4日（周五）", "12월 4일 (금)"]
