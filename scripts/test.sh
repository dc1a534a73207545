#!/usr/bin/env bash
# The test command: installs everything the tests need (idempotent), then runs them.
# Reads ../shared (evaluation corpus and real third-party data) in place.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
export HF_HUB_OFFLINE=1 ANONYMIZED_TELEMETRY=False
exec .venv/bin/python -m pytest -q "$@"
