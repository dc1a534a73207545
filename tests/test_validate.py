"""`concierge validate`: every problem is reported as path:line: message, nothing raises."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from ingest.validate import validate
from tests.conftest import EVAL_CORPUS, ROOT, SAMPLE_KNOWLEDGE


def messages(root: Path) -> list[str]:
    return [str(p) for p in validate(root)]


def test_the_evaluation_corpus_is_valid():
    assert messages(EVAL_CORPUS) == []


def test_the_sample_knowledge_is_valid():
    assert messages(SAMPLE_KNOWLEDGE) == []


def test_malformed_house_yaml_names_file_and_line(knowledge_copy):
    path = knowledge_copy / "houses/hakka-house/house.yaml"
    path.write_text("id: hakka-house\narea: kitami\nstops: [1002\nname: x\n", encoding="utf-8")
    (problem,) = [m for m in messages(knowledge_copy) if "house.yaml" in m]
    assert problem.startswith("houses/hakka-house/house.yaml:4: invalid YAML")


def test_missing_house_yaml_is_reported(knowledge_copy):
    (knowledge_copy / "houses/hakka-house/house.yaml").unlink()
    assert any("houses/hakka-house/house.yaml:0: missing house.yaml" in m for m in messages(knowledge_copy))


def test_house_id_must_match_its_folder(knowledge_copy):
    path = knowledge_copy / "houses/hakka-house/house.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("id: hakka-house", "id: other-house"), encoding="utf-8")
    assert any(m.startswith("houses/hakka-house/house.yaml:2: id 'other-house' must equal the folder name")
               for m in messages(knowledge_copy))


def test_unknown_area_is_reported(knowledge_copy):
    path = knowledge_copy / "houses/hakka-house/house.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("area: kitami", "area: abashiri"), encoding="utf-8")
    assert any("area 'abashiri' has no folder areas/abashiri/" in m for m in messages(knowledge_copy))


def test_invalid_front_matter_names_the_line(knowledge_copy):
    (knowledge_copy / "houses/hakka-house/extra.md").write_text(
        "---\ntitle: x\nseason: [winter\n---\n# Heading\ntext\n", encoding="utf-8")
    found = messages(knowledge_copy)
    assert any(m.startswith("houses/hakka-house/extra.md:3: invalid front matter YAML") for m in found)


def test_unclosed_front_matter_is_reported(knowledge_copy):
    (knowledge_copy / "houses/hakka-house/extra.md").write_text("---\ntitle: x\n# Heading\ntext\n", encoding="utf-8")
    expected = "houses/hakka-house/extra.md:1: front matter starts with '---' but has no closing '---'"
    assert expected in messages(knowledge_copy)


def test_unknown_season_is_reported_on_its_line(knowledge_copy):
    (knowledge_copy / "houses/hakka-house/extra.md").write_text(
        "---\ntitle: x\nseason: autumn\n---\n# H\ntext\n", encoding="utf-8")
    assert "houses/hakka-house/extra.md:3: season 'autumn' must be winter or summer" in messages(knowledge_copy)


def test_a_binary_file_with_a_markdown_name_is_reported(knowledge_copy):
    (knowledge_copy / "houses/hakka-house/photo.md").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00")
    assert any("photo.md:0: binary file" in m for m in messages(knowledge_copy))


def test_non_utf8_markdown_names_the_line(knowledge_copy):
    (knowledge_copy / "houses/hakka-house/sjis.md").write_bytes("# 見出し\n\n本文です\n".encode("shift_jis"))
    assert any(m.startswith("houses/hakka-house/sjis.md:1: not UTF-8") for m in messages(knowledge_copy))


def test_an_unreadable_pdf_is_reported(knowledge_copy):
    (knowledge_copy / "houses/hakka-house/broken.pdf").write_bytes(b"%PDF-1.4\nthis is not a pdf")
    assert any(m.startswith("houses/hakka-house/broken.pdf:0: cannot read PDF") for m in messages(knowledge_copy))


def test_a_damaged_word_file_says_what_to_do_and_not_where_it_lives_on_disk(knowledge_copy):
    (knowledge_copy / "houses/hakka-house/old.docx").write_bytes(b"\xd0\xcf\x11\xe0 an old .doc renamed")
    prefix = "houses/hakka-house/old.docx:0: cannot read Word file"
    found = [m for m in messages(knowledge_copy) if m.startswith(prefix)]
    assert found and "save it again" in found[0] and str(knowledge_copy) not in found[0]


def test_a_damaged_pdf_is_one_message_not_library_warnings(knowledge_copy):
    (knowledge_copy / "houses/hakka-house/broken.pdf").write_bytes(b"garbage, not even a header")
    out = subprocess.run([sys.executable, "-m", "bot", "validate", "--knowledge", str(knowledge_copy)],
                         cwd=ROOT, capture_output=True, text=True, timeout=120)
    lines = [ln for ln in (out.stdout + out.stderr).splitlines() if "broken.pdf" in ln or "pypdf" in ln]
    assert out.returncode == 1 and len(lines) == 1 and lines[0].startswith("houses/hakka-house/broken.pdf:0: ")


def test_other_file_types_are_ignored_not_fatal(knowledge_copy):
    (knowledge_copy / "houses/hakka-house/photo.jpg").write_bytes(b"\xff\xd8\xff")
    assert messages(knowledge_copy) == []


def test_a_staff_mistyped_audience_fails_closed(knowledge_copy):
    from ingest.retrieval.documents import load_document

    path = knowledge_copy / "houses/hakka-house/x.md"
    path.write_text("---\naudience: staf\n---\n# Secret\ncode 1234\n", encoding="utf-8")
    sections, problems = load_document(path, knowledge_copy)
    assert problems and sections[0].meta.audience == "staff"
