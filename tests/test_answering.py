"""Answering by retrieval: scoped to the house, in season, never staff-only, cited."""

from __future__ import annotations

import pytest

from bot.engine.contract import Question
from ingest.knowledge import UnknownHouse
from tests.conftest import at


def ask(engine, text, house="doto-house", when="2026-12-03T19:00"):
    return engine.answer(Question(text, house, at(when)))


def test_a_house_only_sees_its_own_manual_and_its_area(eval_engine):
    answer = ask(eval_engine, "Wi-Fiのパスワードは？", house="kitami-base")
    assert answer.sources and all(s.path.startswith(("houses/kitami-base/", "areas/kitami/")) for s in answer.sources)
    assert "hokkaido-doto-8151" not in answer.text


def test_staff_only_sections_are_never_shown_to_stayers(eval_engine):
    answer = ask(eval_engine, "キーボックスのマスターコードって何番ですか？")
    assert "7306" not in answer.text
    assert not any("staff" in s.path for s in answer.sources)


def test_a_word_public_pages_also_use_does_not_make_a_question_staff_only(eval_engine):
    # 「予備」 is in the staff page's 「予備鍵」 and missing from the layout section that
    # answers, but the bedding section says 「予備の毛布」: spare futons are no staff secret.
    answer = ask(eval_engine, "ふとん足りない、予備ってどっかある？")
    assert answer.confidence > 0.0


def test_staff_see_staff_only_sections(eval_engine):
    q = Question("キーボックスのマスターコード", "doto-house", at("2026-12-03T19:00"), audience="staff")
    assert "7306" in eval_engine.answer(q).text


def test_a_winter_section_is_not_used_in_summer(eval_engine):
    summer = ask(eval_engine, "水抜きのやり方を教えてください", when="2026-07-20T10:00")
    winter = ask(eval_engine, "水抜きのやり方を教えてください", when="2027-01-15T20:00")
    assert any("winter" in s.path for s in winter.sources)
    assert not any("winter" in s.path for s in summer.sources)


def test_an_english_question_finds_a_japanese_only_section(eval_engine):
    answer = ask(eval_engine, "How much does the laundry cost?", house="kitami-base")
    assert answer.sources[0].path == "houses/kitami-base/manual.ja.md"
    assert "200円" in answer.text


def test_the_section_in_the_questions_language_is_preferred(eval_engine):
    en = ask(eval_engine, "What's the Wi-Fi password?")
    ja = ask(eval_engine, "Wi-Fiのパスワードは？")
    assert en.sources[0].path.endswith(".en.md") and en.lang == "en"
    assert ja.sources[0].path.endswith(".ja.md") and ja.lang == "ja"


def test_answers_cite_the_section(eval_engine):
    answer = ask(eval_engine, "チェックアウトは何時ですか？")
    assert (answer.sources[0].path, answer.sources[0].heading) == ("houses/doto-house/manual.ja.md", "チェックアウト")
    assert answer.sources[0].label.endswith("› チェックアウト")


def test_an_unanswerable_question_abstains_with_the_house_contact(eval_engine):
    answer = ask(eval_engine, "近くにスポーツジムはありますか？")
    assert answer.abstained and "0157-33-4821" in answer.text and answer.sources == []


def test_loose_kana_only_typing_still_finds_the_section(eval_engine):
    answer = ask(eval_engine, "わいふぁいのぱすわーどおしえて")
    assert "hokkaido-doto-8151" in answer.text


def test_a_korean_question_gets_the_section_with_a_korean_lead(eval_engine):
    answer = ask(eval_engine, "와이파이 비밀번호가 뭐예요?")
    assert answer.lang == "ko" and "hokkaido-doto-8151" in answer.text


def test_an_empty_question_gets_a_polite_prompt(eval_engine):
    answer = ask(eval_engine, "   ")
    assert answer.intent == "invalid" and not answer.sources and "?" in answer.text or "？" in answer.text


def test_a_10000_character_question_gets_a_polite_answer(eval_engine):
    answer = ask(eval_engine, "あ" * 10_000)
    assert answer.intent == "invalid" and "1000" in answer.text


def test_the_length_limit_is_on_what_the_stayer_typed_not_the_shorthand_written_out(eval_engine):
    from bot.engine.limits import MAX_QUESTION_CHARS

    typed = ("wifi pw pls " * 200)[: MAX_QUESTION_CHARS - 1]  # "pw pls" become longer words
    assert ask(eval_engine, typed).intent != "invalid"


@pytest.mark.parametrize("said,kind,lang", [
    ("thanks!", "thanks", "en"), ("ありがとうございます！", "thanks", "ja"), ("谢谢", "thanks", "zh"),
    ("감사합니다", "thanks", "ko"), ("hi", "hello", "en"), ("👍", "hello", "ja"), ("了解です", "ack", "ja"),
    ("好的", "ack", "zh"),  # characters Japanese shares: the script alone read it as Japanese
])
def test_a_message_that_is_not_a_question_gets_a_short_reply_not_a_manual_page(eval_engine, said, kind, lang):
    # 「ありがとう」 was answered with the nursery page; "thanks!" was declined (and escalated)
    from text.phrases import phrase

    answer = ask(eval_engine, said)
    assert answer.intent == "smalltalk" and not answer.abstained and not answer.sources
    assert answer.text == phrase(f"smalltalk.{kind}", lang)


def test_good_morning_is_the_morning_briefing(eval_engine):
    answer = ask(eval_engine, "おはようございます！", when="2026-12-03T07:30")
    assert answer.intent == "briefing" and answer.text.startswith("おはようございます")
    assert "ごみ" in answer.text


@pytest.mark.parametrize("said,starts,bus", [
    ("早上好", "早上好。", "下一班车："),  # was answered in Japanese
    ("좋은 아침", "좋은 아침입니다.", "다음 버스:"),  # its bus line was in English
])
def test_the_morning_briefing_is_in_the_stayers_language_to_its_last_line(eval_engine, said, starts, bus):
    answer = ask(eval_engine, said, when="2026-12-03T06:30")
    assert answer.intent == "briefing" and answer.text.startswith(starts) and bus in answer.text


def test_a_greeting_with_a_question_is_a_question(eval_engine):
    assert ask(eval_engine, "hi, what's the wifi password?").intent == "retrieval"


def test_an_unknown_house_is_a_clear_error(eval_engine):
    with pytest.raises(UnknownHouse, match="unknown house 'nowhere'.*doto-house, kitami-base"):
        ask(eval_engine, "Wi-Fi?", house="nowhere")


def test_the_json_contract_has_the_documented_fields(eval_engine):
    data = ask(eval_engine, "チェックアウトは何時ですか？").to_json()
    assert set(data) == {"answer", "lang", "intent", "confidence", "abstained", "sources"}
    assert set(data["sources"][0]) == {"path", "heading", "score"}


def test_dev_questions_meet_the_core_targets(eval_engine):
    """The issue's targets on ../shared/eval (kinds answered by retrieval)."""
    from bot.evaluation import load_questions, run_eval, summarize
    from tests.conftest import SHARED

    kinds = {"manual", "area", "contact", "season", "staff_only", "unanswerable"}
    items = [q for q in load_questions(SHARED / "eval/questions.dev.jsonl") if q["kind"] in kinds]
    s = summarize(run_eval(eval_engine, items))["overall"]
    assert s["hit@1"] >= 0.95 and s["fact_accuracy"] >= 0.90
    assert s["abstain_recall"] >= 0.8 and s["abstain_precision"] >= 0.8
    assert s["forbidden_leaks"] == 0


def test_the_vectorised_scope_mask_matches_the_scope_rule(eval_engine):
    from bot.retrieval.search import Scope

    r = eval_engine.retriever
    cases = [("doto-house", "2026-07-20T10:00", "stayers"), ("kitami-base", "2027-01-15T20:00", "staff")]
    for house, when, audience in cases:
        scope = Scope(house, "kitami", at(when), audience)
        assert list(r._mask(scope)) == [scope.allows(rec.meta) for rec in r.records]


def test_chroma_filters_season_when_a_collection_has_many_excluded_sections(eval_engine, monkeypatch):
    """Beyond MAX_UNFILTERED_EXTRA excluded chunks, the query carries Chroma's own
    season/validity filter instead of over-fetching: the answers must not change."""
    import bot.retrieval.search as retrieval

    questions = [("水抜きのやり方を教えてください", "2026-07-20T10:00"),
                 ("水抜きのやり方を教えてください", "2027-01-15T20:00"),
                 ("キーボックスのマスターコードって何番ですか？", "2026-12-03T19:00"),
                 ("Wi-Fiのパスワードは？", "2026-12-03T19:00")]
    before = [ask(eval_engine, q, when=w) for q, w in questions]
    monkeypatch.setattr(retrieval, "MAX_UNFILTERED_EXTRA", 0)
    eval_engine.retriever._mask_cache.clear()
    after = [ask(eval_engine, q, when=w) for q, w in questions]
    assert [(a.text, a.abstained) for a in after] == [(b.text, b.abstained) for b in before]
    assert not any("winter" in s.path for s in after[0].sources) and "7306" not in after[2].text


def test_a_question_only_queries_its_house_and_area_collections(eval_engine, monkeypatch):
    asked: list[str] = []
    real = eval_engine.retriever.store.query
    monkeypatch.setattr(eval_engine.retriever.store, "query",
                        lambda vec, k, key, where=None: asked.append(key) or real(vec, k, key, where))
    ask(eval_engine, "Wi-Fiのパスワードは？", house="kitami-base")
    assert sorted(asked) == ["area:kitami", "house:kitami-base"]


def test_simplified_chinese_without_chinese_only_words_is_chinese():
    from text.detect import detect_lang

    assert detect_lang("WiFi密码是多少") == "zh" and detect_lang("北見赤十字病院") == "ja"


def test_a_verb_no_page_uses_does_not_make_a_question_unanswerable():
    from text.tokenize import topic_words

    assert "ためる" not in topic_words("お湯ためたい") and "湯" in topic_words("お湯ためたい")
    assert topic_words("can i bring my dog") == ["dog"]


@pytest.mark.parametrize("text, heading", [("お湯ためたい", "お風呂・給湯"), ("車何台おける", "駐車場"),
                                           ("灯油なくなりそう", "灯油の補給")])
def test_loosely_typed_questions_are_answered_not_abstained(sample_engine, text, heading):
    answer = sample_engine.answer(Question(text, "hakka-house", at("2026-12-10T10:00")))
    assert not answer.abstained and answer.sources[0].heading == heading


def test_kana_typing_about_something_no_page_has_is_not_answered(sample_engine):
    answer = sample_engine.answer(Question("ジムある？", "hakka-house", at("2026-12-10T10:00:00")))
    assert answer.abstained


def test_an_english_i_dont_know_is_two_sentences_with_a_space_between(eval_engine):
    answer = ask(eval_engine, "Is there a gym nearby?")
    assert answer.abstained and "information. Please contact" in answer.text
