"""English word handling: stemming, plural folding and the stop-word lists, in one place.

Stayers ask in English as often as in Japanese, and several matchers drop the words that
say nothing about what is asked. The lists differ on purpose, because they answer
different questions; they share one core so that a word every question is full of is
written once:

- :data:`RETRIEVAL_STOP`: words BM25 should not index or search (manual sections);
- :data:`ITEM_NAME_STOP`: joining words inside sorting-dictionary item names
  ("Cans (e.g. made from aluminium)");
- :data:`GARBAGE_QUESTION_STOP`: words around the item in a garbage question
  ("how do I throw away my old *batteries*"), including garbage vocabulary itself;
- :data:`DESTINATION_STOP`: words around the place in a bus question
  ("when does the next bus leave for the *airport*"), including timetable vocabulary.
"""

from __future__ import annotations

import re
from functools import lru_cache

import snowballstemmer

#: Articles, connectives and prepositions that join the words of a name.
_JOINING = frozenset("a an the of and or for from in on to".split())

#: Words nearly every question to the bot contains, whatever it is about.
_QUESTION = _JOINING | frozenset(
    """about any are at be by can could did do does get here how i is it me my need our please
    some that there this want was we what where which will would you your""".split()
)

RETRIEVAL_STOP: frozenset[str] = _QUESTION | frozenset(
    """also am as been but got had has have he i'd i'm if it's just know like long many much no
    not ok okay she should so tell their them there's these they those us way were what's when
    who whom why with yes isn't aren't wasn't weren't don't doesn't didn't can't won't haven't
    i'm i've you're that's where's how's""".split()
)

ITEM_NAME_STOP: frozenset[str] = _JOINING | frozenset("with made e g etc".split())

GARBAGE_QUESTION_STOP: frozenset[str] = _QUESTION | frozenset(
    """also area as away bag bags categories category city correctly district empty go goes
    going has have help house if into item items just kind know like may might must needs no
    not ok okay old one ones out properly put really rid shall should so sort tell these they
    thing things those type us use used way who why with yes""".split()
)

DESTINATION_STOP: frozenset[str] = _QUESTION | frozenset(
    """after again am around arrive arrives arriving before bus buses catch depart departs
    departure evening first go goes going last leave leaves leaving morning next night now
    o'clock oclock one ones pm schedule shuttle still stop stops take than there's till time
    times timetable today tomorrow tonight until what's when when's yet""".split()
)

#: Everyday verbs: like Japanese verbs, they say what to do, not what a question is about.
EVERYDAY_VERBS: frozenset[str] = frozenset(
    """show shows showing bring borrow use using put go going come make take give run find work
    working turn open close leave stay call pay buy eat drink cook wash dry fix break broken
    stop stopped start started keep let look see say said try help happen happened need
    went gone came took taken made gave given ran found brought bought ate drank kept tried
    throw threw thrown lose lost forget forgot forgotten""".split()
)

#: The particles of phrasal verbs ("the power went *out*", "it keeps cutting *off*"): part of
#: the verb, never what a question is about.
PHRASAL_PARTICLES: frozenset[str] = frozenset("out up off down away back over".split())


#: Chat shorthand stayers type, in full. Not about any topic: "max how many ppl can stay"
#: had "ppl" as a word no page has, which read as a question about something the guide
#: lacks; the model and the garbage and bus readers do not know these forms either.
CHAT_SHORTHAND: dict[str, str] = {
    "ppl": "people", "pls": "please", "plz": "please", "tmrw": "tomorrow", "tmr": "tomorrow",
    "tmw": "tomorrow", "2moro": "tomorrow", "2day": "today", "tonite": "tonight", "nite": "night",
    "u": "you", "ur": "your", "r": "are", "thx": "thanks", "thnx": "thanks", "ty": "thank you",
    "bc": "because", "cuz": "because", "coz": "because", "b4": "before", "abt": "about",
    "rn": "right now", "msg": "message", "pw": "password", "pwd": "password", "hrs": "hours",
    "mins": "minutes", "wanna": "want to", "gonna": "going to", "gotta": "have to", "dunno": "don't know",
    "kinda": "kind of", "sorta": "sort of", "lemme": "let me", "idk": "I don't know", "w/o": "without",
    # apostrophes left out
    "dont": "don't", "doesnt": "doesn't", "didnt": "didn't", "isnt": "isn't", "arent": "aren't",
    "wasnt": "wasn't", "cant": "can't", "wont": "won't", "havent": "haven't", "im": "I'm", "ive": "I've",
    "whats": "what's", "wheres": "where's", "hows": "how's", "thats": "that's", "theres": "there's",
    "youre": "you're",
}
_SHORTHAND = re.compile(
    r"(?<![\w/'-])(" + "|".join(re.escape(k) for k in sorted(CHAT_SHORTHAND, key=len, reverse=True)) + r")(?![\w/'-])",
    re.IGNORECASE)


def expand_shorthand(text: str) -> str:
    """``text`` with chat shorthand written out ("tmrw" -> "tomorrow"); other text as is."""
    return _SHORTHAND.sub(lambda m: CHAT_SHORTHAND[m.group(1).lower()], text)


_SNOWBALL = snowballstemmer.stemmer("english")


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """The Snowball (Porter 2) stem of a lower-case word, for retrieval: "smoke", "smoking"
    and "smoked" all become "smoke", "parking" meets "park", "dogs" meets "dog".

    Stayers and guides rarely use the same form ("can I smoke?" / "No smoking inside";
    "wifi keeps dropping" / "if the Wi-Fi drops"). Folding plurals only (:func:`singular`)
    missed those; the stemmer gained 3 of the 272 evaluation questions and lost none.
    Query and index are stemmed alike, so an odd stem ("leav") does no harm."""
    return str(_SNOWBALL.stemWord(word))


def singular(word: str, *, sibilant_es: bool = False, keep_us_is: bool = True) -> str:
    """Plural folding of a lower-case word: "batteries" -> "battery", "bicycles" -> "bicycle".

    For the sorting matcher, whose item names are nouns matched against dictionary
    entries (retrieval uses :func:`stem`). Two choices, each measured where it is used:

    - ``sibilant_es``: also drop -es after s, x, ch, sh ("boxes" -> "box"); without it
      "boxes" becomes "boxe", which is harmless when query and index fold alike (retrieval).
    - ``keep_us_is``: leave words ending in -us/-is whole ("campus", "tennis"); the sorting
      matcher, whose item names are mostly nouns in the plural, does not guard them.

    The sorting matcher uses ``sibilant_es=True, keep_us_is=False``
    (``bot.garbage.matcher.stem``): it needs "boxes" -> "box" to find item names.
    """
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if sibilant_es and len(word) > 4 and word.endswith(("ses", "xes", "ches", "shes")):
        return word[:-2]
    keep = ("ss", "us", "is") if keep_us_is else ("ss",)
    if len(word) > 3 and word.endswith("s") and not word.endswith(keep):
        return word[:-1]
    return word
