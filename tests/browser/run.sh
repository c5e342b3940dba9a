#!/bin/sh
# The report as a reader sees it (ctest `report_browser`): a run and a simulate of coreweave-2025
# in one database, the report of the latest run and of both side by side, the report of a
# version-1 database, of a simulation whose fire sales did not settle, and of ai-web-stress.yaml
# (a network with defaults), opened in Chromium.
# Usage: run.sh TINDERBOX_BINARY OUTPUT_FOLDER (screenshots land in OUTPUT_FOLDER).
set -eu
bin=$1
out=$2
rm -rf "$out"
mkdir -p "$out"
db="$out/results.db"
"$bin" run coreweave-2025 --db "$db" > "$out/run.txt"
"$bin" simulate coreweave-2025 --paths 4000 --seed 7 --db "$db" > "$out/simulate.txt"
"$bin" report --db "$db" -o "$out/report.html"
"$bin" report --db "$db" 1 2 -o "$out/report-two-runs.html"
# A database as schema version 1 wrote it (docs/store.md, Versions): read as it is.
sqlite3 "$out/version-1.db" < "$(dirname "$0")/../store/version-1.sql"
"$bin" report --db "$out/version-1.db" -o "$out/report-version-1.html"
# forced-sales.yaml with fewer fire-sale passes than its April needs: the report says the sales
# had not settled.
cat > "$out/unsettled.yaml" <<EOF
tinderbox: 1
name: forced sales, too few passes
start: 2025-01-01
horizon: 12
network: {max_rounds: 5}
import: [$(cd "$(dirname "$0")/../.." && pwd)/scenarios/examples/forced-sales.yaml]
EOF
"$bin" simulate "$out/unsettled.yaml" --paths 20 --db "$out/unsettled.db" > "$out/unsettled.txt" 2>&1
"$bin" report --db "$out/unsettled.db" -o "$out/report-unsettled.html"
# A network that fails (ai-web-stress.yaml: 38 parties, five defaults in three rounds): its nodes
# must all be on the network canvas, and its defaulted entities' runway cards name the default.
"$bin" simulate "$(dirname "$0")/../../scenarios/examples/ai-web-stress.yaml" --paths 200 --seed 3 \
  --db "$out/stress.db" > "$out/stress.txt"
"$bin" report --db "$out/stress.db" -o "$out/report-stress.html"
exec node "$(dirname "$0")/report_test.mjs" "$out" "$out/report.html" "$out/report-two-runs.html" \
  "$out/report-version-1.html" "$out/report-unsettled.html" "$out/report-stress.html"
