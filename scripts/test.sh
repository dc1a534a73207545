#!/usr/bin/env bash
# The test command: installs everything the tests need (idempotent), checks the code with
# ruff and mypy, then runs the tests. Reads ../shared (evaluation corpus and real
# third-party data) in place.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
# The state tests start a real PostgreSQL (initdb/pg_ctl in a temp folder, as an unprivileged
# user); install the server binaries when they are missing and we may (root, Debian/Ubuntu).
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -q --no-install-recommends postgresql >/dev/null 2>&1 \
    || { apt-get update -q >/dev/null && apt-get install -y -q --no-install-recommends postgresql >/dev/null; }
fi
# The staff console's browser test drives Debian's chromium with its driver (CJK fonts so the
# screenshots it keeps are readable); installed quietly when missing and we may (root, apt).
if ! command -v chromedriver >/dev/null && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  export DEBIAN_FRONTEND=noninteractive
  { apt-get update -q && apt-get install -y -q --no-install-recommends chromium chromium-driver fonts-noto-cjk; } \
    >/dev/null 2>&1 || echo "warning: could not install chromium (the browser test will be skipped)" >&2
fi
export HF_HUB_OFFLINE=1 ANONYMIZED_TELEMETRY=False
.venv/bin/ruff check bot ingest skills text tests bench
.venv/bin/mypy bot ingest skills text
exec .venv/bin/python -m pytest -q "$@"
