"""The real host-written guide (../shared/realdata/house-manuals/fox_den_boulder) as a
knowledge folder, its Markdown files dropped in unchanged (symlinked, never copied into
the project), beside the small house.yaml a host would write: `languages: [en]`."""

from __future__ import annotations

from pathlib import Path

GUIDE = Path(__file__).resolve().parents[2] / "shared" / "realdata" / "house-manuals" / "fox_den_boulder"
QUESTIONS = Path(__file__).resolve().parents[1] / "bench" / "realguide.jsonl"

HOUSE_YAML = """id: fox-den
name: {en: Fox Den Boulder, ja: Fox Den Boulder}
area: boulder
languages: [en]
contacts:
  - {label: {en: Host (Airbnb message), ja: ホスト（Airbnbメッセージ）}, phone: "303-555-0142"}
"""


def build(dst: Path) -> Path:
    """Write the folder under ``dst`` and return it."""
    house = dst / "houses" / "fox-den"
    house.mkdir(parents=True, exist_ok=True)
    (dst / "areas" / "boulder").mkdir(parents=True, exist_ok=True)
    (dst / "site.yaml").write_text("timezone: America/Denver\ndefault_house: fox-den\n", encoding="utf-8")
    (house / "house.yaml").write_text(HOUSE_YAML, encoding="utf-8")
    for path in sorted(GUIDE.glob("*.md")):
        link = house / path.name
        if not link.exists():
            link.symlink_to(path)
    return dst
