"""Every fixed phrase the answerers say exists in Japanese, English, Chinese and Korean."""

from __future__ import annotations

import bot.engine.engine  # noqa: F401  (registers every answerer's phrases)
import bot.line.texts  # noqa: F401  (and the LINE bot's)
from text.phrases import _CATALOGUE

# channel wording; Alexa's skill speaks ja-JP and en-US only; the staff console is ja/en (issue 12)
CHANNELS = ("line.", "alexa.", "staff.")


def test_every_answerer_phrase_is_in_all_four_languages():
    missing = {key: [lg for lg in ("ja", "en", "zh", "ko") if not texts.get(lg)]
               for key, texts in _CATALOGUE.items() if not key.startswith(CHANNELS)}
    assert {k: v for k, v in missing.items() if v} == {}


def test_every_line_phrase_is_in_all_four_languages():
    # a Chinese or Korean stayer in a LINE group met "I've passed your question on to the staff"
    missing = {key: [lg for lg in ("ja", "en", "zh", "ko") if not texts.get(lg)]
               for key, texts in _CATALOGUE.items() if key.startswith("line.")}
    assert {k: v for k, v in missing.items() if v} == {}


def test_a_korean_topic_particle_follows_the_last_sound_of_the_value():
    from text.phrases import ko_topic, phrase

    assert [ko_topic(w[-1]) for w in ("병", "종이", "乾電池")] == ["은", "는", "은(는)"]
    assert phrase("garbage.sort_many", "ko", phrase="종이").startswith("종이는 ")
