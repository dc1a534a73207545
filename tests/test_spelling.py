"""English typing slips are mended only towards the guide's own words."""

from __future__ import annotations

from text.spelling import correct_spelling, join_compounds, mend
from text.tokenize import tokenize

GUIDE = set(tokenize("Checkout by 10 AM. Check-in from 3 PM. The password is on the router. "
                     "Park in the driveway. The dishwasher is under the counter. Welcome to Kitami."))


def test_a_misspelt_word_becomes_the_guide_s_word() -> None:
    assert correct_spelling("chekout time?", GUIDE) == "checkout time?"
    assert correct_spelling("is there a dishwaser", GUIDE) == "is there a dishwasher"


def test_a_dropped_letter_wins_over_a_commoner_substitution() -> None:
    # "when" is commoner than "where", but "wher" is "where" with its last letter left out
    assert mend("wher", GUIDE) == "where"


def test_a_correction_never_leads_to_a_word_the_guide_lacks() -> None:
    # "wifi" is "wife" to the dictionary; a guide without Wi-Fi has neither
    assert correct_spelling("wifi password", GUIDE) == "wifi password"


def test_dictionary_words_stay_even_one_letter_from_a_guide_word() -> None:
    assert correct_spelling("where is the heater", GUIDE | {"header"}) == "where is the heater"


def test_names_the_guide_uses_and_words_in_capitals_stay() -> None:
    assert correct_spelling("Kitami ATM", GUIDE) == "Kitami ATM"


def test_short_words_are_not_mended_by_a_substituted_letter() -> None:
    assert mend("shud", GUIDE | {"shut"}) is None
    assert mend("sento", GUIDE | {"sent"}) is None


def test_a_word_joined_by_a_hyphen_is_part_of_a_name() -> None:
    assert correct_spelling("next bus from Biho 5-chome", GUIDE | {"home"}) == "next bus from Biho 5-chome"


def test_two_words_become_the_guide_s_compound() -> None:
    assert join_compounds("what time is check in", GUIDE) == "what time is check-in"
    assert join_compounds("when do we check out", GUIDE) == "when do we check-out"


def test_words_the_guide_does_not_have_as_one_stay_apart() -> None:
    assert join_compounds("where is the key box", GUIDE) == "where is the key box"
    assert join_compounds("come in to the house", GUIDE | {"into"}) == "come in to the house"


def test_close_matches_by_length_give_difflib_s_answer():
    import difflib
    import random

    from text.spelling import by_length, close_matches

    words = ["garbage", "tomorrow", "recycling", "bottles", "cans", "paper", "burnable", "batteries", "week",
             "schedule", "plastic", "cardboard", "collection", "thursday", "saturday"]
    grouped = by_length(words)
    rng = random.Random(3)
    for _ in range(300):
        w = rng.choice(words)
        typed = "".join(c for c in w if rng.random() > 0.15) + rng.choice(["", "e", "s", "xx"])
        for cutoff in (0.6, 0.8, 0.82):
            assert close_matches(typed, grouped, 3, cutoff) == difflib.get_close_matches(typed, words, 3, cutoff)
