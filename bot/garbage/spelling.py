"""The stayer's own spelling of a piece of folded text, for morphological analysis.

Matching compares :func:`text.normalize.fold`-ed text, where katakana has become hiragana.
SudachiPy reads that hiragana badly ("りもこん" is split as り・も・こん, "らべる" as ら・べる),
so the rules that need words (a predicate glued to an item, the head of "XのY") analyse
the same span as the stayer wrote it (:func:`text.normalize.spelled`, the same length as
the folded text).
"""

from __future__ import annotations


def respell(folded_part: str, folded: str, spelling: str) -> str:
    """``folded_part`` (space-separated pieces of the folded ``folded``) in the stayer's
    ``spelling`` of ``folded``; a piece not found in ``folded`` stays as it is."""
    if not spelling or len(spelling) != len(folded):
        return folded_part
    out = []
    for piece in folded_part.split(" "):
        at = folded.find(piece) if piece else -1
        out.append(spelling[at:at + len(piece)] if at >= 0 else piece)
    return " ".join(out)
