"""Heading-aware chunking: a short section is one chunk; a long one is split on Japanese
and English sentence boundaries with overlap, so that an extracted answer never starts
mid-sentence. Each chunk keeps its section's metadata for filtering and citation.

Only what may be served is chunked (``residue.serve_text``): template placeholders and
page markup never reach the index, and a title's one-line intro is left out; the labels
of left-out placeholder lines travel as ``gaps`` ("Network", "Password")."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from langchain_text_splitters import RecursiveCharacterTextSplitter

from ingest.retrieval.documents import Section
from ingest.retrieval.residue import serve_text
from ingest.retrieval.units import unit_labels, unit_texts

#: Sections up to this many characters stay whole (most manual sections do).
MAX_CHUNK = 700
OVERLAP = 120

_splitter = RecursiveCharacterTextSplitter(
    chunk_size=MAX_CHUNK,
    chunk_overlap=OVERLAP,
    separators=["\n\n", "\n", "。", "！", "？", ". ", "! ", "? ", "、", ", ", " ", ""],
    keep_separator="end",
    strip_whitespace=True,
)

NO_DATE_FROM = 0
NO_DATE_UNTIL = 99991231


def date_int(d: date | None, default: int) -> int:
    return d.year * 10000 + d.month * 100 + d.day if d else default


@dataclass
class Chunk:
    id: str
    text: str  # the section text (or part of it)
    embed_text: str  # what is embedded: heading path + text
    metadata: dict[str, Any]
    units: list[str] = field(default_factory=list)  # its lines, embedded too (ingest.retrieval.units)


def chunk_sections(
    sections: list[Section], *, file_hash: str, scope: str, house: str, area: str, title: str
) -> list[Chunk]:
    """Turn one file's sections into chunks; ids are content-addressed by file hash."""
    chunks: list[Chunk] = []
    for s_index, sec in enumerate(sections):
        if sec.intro:
            continue
        served = serve_text(sec.text)
        if not served.text and not served.gaps:
            continue
        # A section left with only gaps is still indexed (by its heading), so that asking
        # for what it lacks finds it and is told the guide does not give it.
        text = served.text
        pieces = [text] if len(text) <= MAX_CHUNK else _splitter.split_text(text)
        hp = " > ".join(h for h in sec.heading_path if h)
        for p_index, piece in enumerate(pieces):
            # the path too: two houses may share identical manual text
            cid = hashlib.sha1(f"{sec.path}:{file_hash}:{s_index}:{p_index}".encode()).hexdigest()[:20]
            meta: dict[str, Any] = {
                "path": sec.path,
                "heading": sec.heading,
                "heading_path": hp,
                "title": title,
                "lang": sec.meta.lang,
                "scope": scope,
                "house": house,
                "area": area,
                "season": sec.meta.season,
                "valid_from": date_int(sec.meta.valid_from, NO_DATE_FROM),
                "valid_until": date_int(sec.meta.valid_until, NO_DATE_UNTIL),
                "audience": sec.meta.audience,
                "file_hash": file_hash,
                "section": s_index,
                "part": p_index,
                "line": sec.line,
                "tags": ",".join(sec.meta.tags),
                "gaps": "\n".join(served.gaps),
            }
            # The blanks' labels are embedded too: the section is about them, filled or not.
            body = "\n".join([piece, *served.gaps]) if p_index == 0 else piece
            units = unit_texts(unit_labels(sec.heading, hp), piece, served.gaps if p_index == 0 else ())
            # the section under its whole heading path: "Check-in > Details", not "Details"
            label = hp or sec.heading
            chunks.append(Chunk(cid, piece, f"{label}\n{body}" if label else body, meta, units))
    return chunks
