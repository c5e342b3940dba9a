#!/bin/sh
# The report as a reader sees it (ctest `report_browser`): a run and a simulate of coreweave-2025
# in one database, the report of the latest run and of both side by side, and the report of a
# version-1 database, opened in Chromium.
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
exec node "$(dirname "$0")/report_test.mjs" "$out" "$out/report.html" "$out/report-two-runs.html" \
  "$out/report-version-1.html"
