"""A loopback HTTP server that plays back the recorded JMA and Open-Meteo responses.

The bodies are the files in ../shared/realdata/weather, served byte for byte at the paths
the real services use (``/bosai/forecast/data/forecast/<office>.json``, ``/v1/forecast``),
so the code under test builds its real URLs and only the host differs. Tests choose which
recording answers (``jma_files``/``openmeteo_file``), or make the provider fail (``mode``:
"error" answers 500, "slow" stalls past the client's timeout, "drip" sends the whole
reply, status line included, one byte every ``drip_seconds`` (each read succeeds, so only
a total deadline stops it), "wrong" serves JMA's area.json where a forecast is expected),
and read ``requests`` to see what was asked.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

WEATHER = Path(__file__).resolve().parents[2].parent / "shared" / "realdata" / "weather"

#: The recordings, by a short name.
RECORDINGS: dict[str, Path] = {
    "wakkanai-2021-07-24T11": WEATHER
    / "jma_forecast_011000_wakkanai_2021-07-24T11"
    / "011000.json",
    "tokyo-2021-07-24T11": WEATHER / "jma_forecast_130000_tokyo_2021-07-24T11" / "130000.json",
    "tokyo-2026-01-05T17": WEATHER / "jma_forecast_130000_tokyo_2026-01-05T17" / "130000.json",
    "tokyo-overview": WEATHER / "jma_overview_forecast_130000_tokyo" / "130000.json",
    "area": WEATHER / "jma_area_json" / "area.json",
    "tofino-2026-09-27": WEATHER / "openmeteo_daily_tofino_2026-09-27" / "open_meteo_daily.json",
    "enschede-2026-10-03": WEATHER / "openmeteo_forecast_enschede_2026-10-03" / "forecast.json",
}


@dataclass
class WeatherServer:
    """Start with ``start()`` (or use as a context manager); ``url`` is the base."""

    jma_files: dict[str, str] = field(
        default_factory=lambda: {
            "011000": "wakkanai-2021-07-24T11",
            "130000": "tokyo-2026-01-05T17",
        }
    )
    openmeteo_file: str = "tofino-2026-09-27"
    mode: str = "ok"  # ok | error | slow | drip | wrong
    slow_seconds: float = 3.0
    drip_seconds: float = 0.5
    requests: list[str] = field(default_factory=list)
    _httpd: ThreadingHTTPServer | None = None
    _thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        assert self._httpd is not None, "server not started"
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    @property
    def jma_base_url(self) -> str:
        return f"{self.url}/bosai/forecast/data/forecast"

    @property
    def openmeteo_base_url(self) -> str:
        return f"{self.url}/v1/forecast"

    def start(self) -> WeatherServer:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server API
                server.requests.append(self.path)
                status, body = server._respond(self.path)
                if server.mode == "slow":
                    time.sleep(server.slow_seconds)
                if server.mode == "drip":
                    self._drip(status, body)
                    return
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                try:
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout test)

            def _drip(self, status: int, body: bytes) -> None:
                head = (f"HTTP/1.1 {status} OK\r\nContent-Type: application/json; charset=utf-8\r\n"
                        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n").encode()
                for byte in head + body:
                    if server._httpd is None:
                        return
                    try:
                        self.wfile.write(bytes([byte]))
                        self.wfile.flush()
                    except OSError:
                        return  # the client gave up
                    time.sleep(server.drip_seconds)
                self.close_connection = True

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.02,), daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self) -> WeatherServer:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def _respond(self, raw_path: str) -> tuple[int, bytes]:
        if self.mode == "error":
            return 500, b'{"error": true}'
        parts = urlsplit(raw_path)
        path = parts.path
        if self.mode == "wrong":
            return 200, RECORDINGS["area"].read_bytes()
        prefix = "/bosai/forecast/data/forecast/"
        if path.startswith(prefix) and path.endswith(".json"):
            office = path[len(prefix) : -len(".json")]
            name = self.jma_files.get(office)
            return (200, RECORDINGS[name].read_bytes()) if name else (404, b"Not Found")
        if path == "/bosai/forecast/data/overview_forecast/130000.json":
            return 200, RECORDINGS["tokyo-overview"].read_bytes()
        if path == "/bosai/common/const/area.json":
            return 200, RECORDINGS["area"].read_bytes()
        if path == "/v1/forecast":
            query = parse_qs(parts.query)
            if "latitude" not in query or "longitude" not in query:
                return 400, b'{"error": true, "reason": "latitude and longitude required"}'
            return 200, RECORDINGS[self.openmeteo_file].read_bytes()
        return 404, b"Not Found"
