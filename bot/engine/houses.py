"""The one house resolver: which house a question is about.

An explicit house id wins; else the configured default (``CONCIERGE_DEFAULT_HOUSE``), else
the knowledge folder's ``default_house``, else the only house. The engine, LINE (an
unbound single-house site) and Alexa (an unmapped speaker) all ask this one object.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from ingest.knowledge import Area, House, Knowledge, UnknownHouse


class HouseDirectory:
    def __init__(self, knowledge: Knowledge, configured_default: str | None = None) -> None:
        self.knowledge = knowledge
        self._configured = configured_default or None

    @property
    def timezone(self) -> ZoneInfo:
        """The site's time zone: it decides "today", "tomorrow" and the next bus."""
        return self.knowledge.timezone

    def ids(self) -> list[str]:
        return sorted(self.knowledge.houses)

    def default_id(self) -> str | None:
        """The house a question without one is about, or None when that is ambiguous."""
        only = next(iter(self.knowledge.houses)) if len(self.knowledge.houses) == 1 else None
        return self._configured or self.knowledge.default_house or only

    def resolve(self, house_id: str | None) -> House:
        """The house ``house_id`` names, else the default; raises UnknownHouse."""
        hid = house_id or self.default_id()
        if not hid:
            raise UnknownHouse("(none given)", ", ".join(self.ids()))
        return self.knowledge.house(hid)

    def area_of(self, house: House) -> Area | None:
        return self.knowledge.area_of(house)

    def name(self, house_id: str, lang: str) -> str:
        """The house's display name in ``lang``; the id itself for an unknown house."""
        house = self.knowledge.houses.get(house_id)
        return house.name_in(lang) if house is not None else house_id
