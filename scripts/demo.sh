#!/usr/bin/env bash
# The run command: installs (idempotent), ingests the bundled sample knowledge with the
# embedded default model (no accounts, no network), answers a few questions, and then
# opens `concierge chat` when run from a terminal.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
export HF_HUB_OFFLINE=1 ANONYMIZED_TELEMETRY=False
c=.venv/bin/concierge
$c validate --knowledge knowledge
for q in "Wi-Fiのパスワードは？" "What's the Wi-Fi password?" "ストーブのつけ方" "明日のごみは？" \
         "次の空港行きのバスは？" "近くにジムはある？"; do
  echo "> $q"
  $c ask "$q" --knowledge knowledge
  echo
done
if [ -t 0 ]; then
  $c chat --knowledge knowledge
fi
