"""One real Engine for the Alexa end-to-end tests, shared by every test module.

It runs on a temporary copy of the bundled knowledge/ folder with two extra houses whose
only difference is where their weather comes from (the bundled house asks JMA's office
013000, which has no recording):

- ``jma-house``: JMA office 011000 / station 11016, served by the weather fake from the
  recorded 2021-07-24 11:00 report;
- ``open-meteo-house``: lat/lon, with Open-Meteo pointed at a closed loopback port
  (an unreachable provider).

The store lives in a temporary directory; everything is removed at exit.
"""

from __future__ import annotations

import atexit
import shutil
import socket
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import Any

from bot.config import BUNDLED_KNOWLEDGE, Settings
from fakes.weather_server import WeatherServer

BUNDLED_HOUSE = "hakka-house"
JMA_HOUSE = "jma-house"
OPEN_METEO_HOUSE = "open-meteo-house"
DEVICE_JMA = "amzn1.ask.device.JMAHOUSE"
DEVICE_OPEN_METEO = "amzn1.ask.device.OPENMETEOHOUSE"
DEVICE_NOWHERE = "amzn1.ask.device.NOSUCHHOUSE"

_EXTRA_HOUSES = {
    JMA_HOUSE: """id: jma-house
name: {ja: JMAテストハウス, en: JMA test house}
area: kitami
garbage_area: "北見市中央"
weather: {jma_office: "011000", jma_area: "011000", jma_station: "11016"}
contacts:
  - {label: {ja: 管理人, en: Caretaker}, phone: "0157-00-1234"}
""",
    OPEN_METEO_HOUSE: """id: open-meteo-house
name: {ja: オープンメテオテストハウス, en: Open-Meteo test house}
area: kitami
garbage_area: "北見市中央"
weather: {lat: 43.806, lon: 143.894}
contacts:
  - {label: {ja: 管理人, en: Caretaker}, phone: "0157-00-1234"}
""",
}


@lru_cache(maxsize=1)
def unreachable_url() -> str:
    """A loopback port nobody listens on: connections are refused at once."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    return f"http://127.0.0.1:{port}/v1/forecast"


@lru_cache(maxsize=1)
def weather_server() -> WeatherServer:
    server = WeatherServer().start()
    atexit.register(server.stop)
    return server


@lru_cache(maxsize=1)
def knowledge_copy() -> Path:
    tmp = Path(tempfile.mkdtemp(prefix="alexa-e2e-"))
    atexit.register(shutil.rmtree, tmp, True)
    root = tmp / "knowledge"
    shutil.copytree(BUNDLED_KNOWLEDGE, root)
    for house_id, yaml_text in _EXTRA_HOUSES.items():
        (root / "houses" / house_id).mkdir(parents=True)
        (root / "houses" / house_id / "house.yaml").write_text(yaml_text, encoding="utf-8")
    return root


def settings(**overrides: Any) -> Settings:
    """Settings for the shared engine: weather from the fakes, verification as given."""
    root = knowledge_copy()
    server = weather_server()
    base = Settings(
        knowledge=root,
        store=root.parent / "store",
        default_house=None,
        alexa_skill_id="",
        alexa_verify_requests=False,
        alexa_device_houses={
            DEVICE_JMA: JMA_HOUSE,
            DEVICE_OPEN_METEO: OPEN_METEO_HOUSE,
            DEVICE_NOWHERE: "no-such-house",
        },
        weather_timeout=1.0,
        jma_base_url=server.jma_base_url,
        openmeteo_base_url=unreachable_url(),
    )
    return base.with_(**overrides)


@lru_cache(maxsize=1)
def real_engine() -> Any:
    """The real Engine (ingests the copy once per test session)."""
    from bot.engine.engine import Engine

    return Engine.open(settings().engine_config())
