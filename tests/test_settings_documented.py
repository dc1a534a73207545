"""Every setting the code reads is in the README's settings table, and the table lists
nothing the code no longer reads (as Datasette checks its settings against its docs).

A "setting" is any ``CONCIERGE_*``, ``LINE_*``, ``ALEXA_*`` or ``CHROMA_*`` name that appears
as a string literal in bot/, ingest/, skills/ or text/ (``env.get("…")``, ``os.environ["…"]``,
click's ``envvar=``): found with the AST, so a name only mentioned in a comment or docstring
prose does not count, but one inside any string constant does.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("bot", "ingest", "skills", "text")
NAME = re.compile(r"\b((?:CONCIERGE|LINE|ALEXA|CHROMA)_[A-Z0-9]+(?:_[A-Z0-9]+)*)\b")
SECTION = "## Configuration (environment)"


def settings_in_code() -> dict[str, str]:
    """Setting name -> first ``path:line`` reading it."""
    found: dict[str, str] = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
            docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                          if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
                          and node.body and isinstance(node.body[0], ast.Expr)
                          and isinstance(node.body[0].value, ast.Constant)}
            for node in ast.walk(tree):
                if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
                    for name in NAME.findall(node.value):
                        if node.value.strip() == name:  # the whole literal is the name
                            found.setdefault(name, f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


def settings_in_readme() -> set[str]:
    """The names in the first column of the README's settings table."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert SECTION in text, f"README.md has no {SECTION!r} section"
    section = text.split(SECTION, 1)[1].split("\n## ", 1)[0]
    names: set[str] = set()
    for line in section.splitlines():
        if line.startswith("|") and not line.startswith("| ---"):
            first_cell = line.split("|")[1]
            names.update(re.findall(r"`([A-Z][A-Z0-9_]+)`", first_cell))
    return names


def test_every_setting_read_by_the_code_is_in_the_readme_table():
    documented = settings_in_readme()
    missing = {name: where for name, where in settings_in_code().items() if name not in documented}
    assert not missing, "settings read by the code but missing from README.md's table: " + ", ".join(
        f"{name} ({where})" for name, where in sorted(missing.items()))


def test_the_readme_table_lists_no_setting_the_code_does_not_read():
    read = settings_in_code()
    stale = sorted(name for name in settings_in_readme() if NAME.fullmatch(name) and name not in read)
    assert not stale, f"README.md documents settings nothing reads: {', '.join(stale)}"


def test_the_scanner_finds_settings_read_through_the_environment():
    found = settings_in_code()
    assert {"CONCIERGE_KNOWLEDGE", "LINE_CHANNEL_SECRET", "ALEXA_SKILL_ID", "CHROMA_HOST"} <= set(found)
