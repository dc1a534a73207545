"""Which house a speaker stands in: Alexa device id -> house id.

Why configuration and not account linking: the speakers belong to the houses, not to the
stayers, so staff map each device once (``ALEXA_DEVICE_HOUSES``) and every stayer gets
that house's answers without signing in. An unmapped device (e.g. a new speaker, or the
simulator) gets the engine's default house (``bot.engine.houses``, the one resolver).
Device ids are never logged: they identify a household.
"""

from __future__ import annotations

from collections.abc import Mapping

from bot.engine.contract import ConciergeEngine


class HouseResolver:
    def __init__(self, device_houses: Mapping[str, str], engine: ConciergeEngine) -> None:
        self._map = dict(device_houses)
        self._engine = engine

    def is_mapped(self, device_id: str | None) -> bool:
        return bool(device_id) and device_id in self._map

    def needs_setup(self, device_id: str | None) -> bool:
        """True when several houses exist and this device is not mapped to one."""
        return not self.is_mapped(device_id) and len(self._engine.houses.ids()) > 1

    def house_for(self, device_id: str | None) -> str:
        """The configured house for ``device_id``, else the default house's id.

        Raises ``ingest.knowledge.UnknownHouse`` when there is no default either (several
        houses, none marked default): the skill then apologises instead of guessing.
        """
        if device_id and device_id in self._map:
            return self._map[device_id]
        return self._engine.houses.resolve(None).id
