"""Which house a speaker stands in: Alexa device id -> house id.

Why configuration and not account linking: the speakers belong to the houses, not to the
stayers, so staff map each device once (``ALEXA_DEVICE_HOUSES``) and every stayer gets
that house's answers without signing in. An unmapped device (e.g. a new speaker, or the
simulator) gets ``CONCIERGE_DEFAULT_HOUSE``, else the knowledge folder's default house.
Device ids are never logged: they identify a household.
"""

from __future__ import annotations

from typing import Any, Mapping


class HouseResolver:
    def __init__(
        self, device_houses: Mapping[str, str], default_house: str | None, engine: Any
    ) -> None:
        self._map = dict(device_houses)
        self._default = default_house or None
        self._engine = engine

    @classmethod
    def from_settings(cls, settings: Any, engine: Any) -> "HouseResolver":
        return cls(settings.alexa_device_houses, settings.default_house, engine)

    def is_mapped(self, device_id: str | None) -> bool:
        return bool(device_id) and device_id in self._map

    def needs_setup(self, device_id: str | None) -> bool:
        """True when several houses exist and this device is not mapped to one."""
        if self.is_mapped(device_id):
            return False
        houses = getattr(getattr(self._engine, "knowledge", None), "houses", None) or {}
        return len(houses) > 1

    def house_for(self, device_id: str | None) -> str:
        """The configured house for ``device_id``, else the default house's id.

        Raises ``ingest.knowledge.UnknownHouse`` when there is no default either (several
        houses, none marked default): the skill then apologises instead of guessing.
        """
        if device_id and device_id in self._map:
            return self._map[device_id]
        if self._default:
            return self._default
        engine_house = getattr(self._engine, "house", None)
        if callable(engine_house):
            return str(engine_house(None).id)
        return str(self._engine.context(None).house.id)
