#!/usr/bin/env bash
# Regenerates the embedded price table, src/AgentGuard.Http/Pricing/prices.json, from the genai-prices version pinned in
# package-lock.json and the hand-kept overrides.json beside this script (docs/prices.md). Run by hand; commit its output.
#
#   tools/price-generator/generate.sh              prices in force on or after today (UTC)
#   tools/price-generator/generate.sh 2026-12-07   ... on or after that date
#
# The table is built by `agentguard prices import`, the command users refresh their prices with: one code path for both.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
date="${1:-$(date -u +%F)}"

(cd "$here" && npm ci --ignore-scripts --no-audit --no-fund)
dotnet run --project "$root/src/AgentGuard.Cli" -- prices import "$here/node_modules/@pydantic/genai-prices" \
  --date "$date" --output "$root/src/AgentGuard.Http/Pricing/prices.json"
