#!/usr/bin/env bash
# The test command: installs everything the tests need (idempotent), checks the code with
# ruff and mypy, then runs the tests. Reads ../shared (evaluation corpus and real
# third-party data) in place.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
export HF_HUB_OFFLINE=1 ANONYMIZED_TELEMETRY=False
.venv/bin/ruff check bot ingest skills text tests bench
.venv/bin/mypy bot ingest skills text
exec .venv/bin/python -m pytest -q "$@"
