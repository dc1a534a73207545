"""Every fixed phrase the answerers say exists in Japanese, English, Chinese and Korean."""

from __future__ import annotations

import bot.engine.engine  # noqa: F401  (registers every answerer's phrases)
from text.phrases import _CATALOGUE

# channel wording; Alexa's skill speaks ja-JP and en-US only; the staff console is ja/en (issue 12)
CHANNELS = ("line.", "alexa.", "staff.")


def test_every_answerer_phrase_is_in_all_four_languages():
    missing = {key: [lg for lg in ("ja", "en", "zh", "ko") if not texts.get(lg)]
               for key, texts in _CATALOGUE.items() if not key.startswith(CHANNELS)}
    assert {k: v for k, v in missing.items() if v} == {}
