"""Which of the guide's words are synonyms, by SudachiDict's synonym groups.

A stayer writes 「チャリ」 for the guide's 「自転車」, 「知り合い」 for 「知人」, 「スペア」 for
「予備」: the same thing in other words, which BM25 does not see and which counted as a
topic no page mentions (a reason to say "I don't know"). The Sudachi core dictionary
gives most content words the ids of the synonym groups they belong to (the dictionary
ships them; no other data is needed); ingest records, for each group, the index tokens
of the guide's words in it, and a question's word is then matched by the guide's words
that share one of its groups.
"""

from __future__ import annotations

from collections.abc import Iterable

from ingest.retrieval.store import ChunkRecord


def synonym_table(records: Iterable[ChunkRecord]) -> dict[int, list[str]]:
    """Synonym group id -> the index tokens of the records' nouns in that group."""
    table: dict[int, dict[str, None]] = {}
    for record in records:
        for token, groups in record.synonyms:
            for group in groups:
                table.setdefault(group, {})[token] = None
    return {g: list(tokens) for g, tokens in table.items()}
