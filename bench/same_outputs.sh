#!/usr/bin/env bash
# bench/same_outputs.sh BIN DIR: writes every output that a performance change must leave byte for
# byte as it was (run, network, network --at, simulate --json of every built-in and example
# scenario, and two larger simulate runs), one file each with its exit status; diff -r two DIRs.
set -u
bin=$1; out=$2; mkdir -p "$out"
root=$(cd "$(dirname "$0")/.." && pwd)
for f in "$root"/scenarios/builtin/*.yaml "$root"/scenarios/examples/*.yaml; do
  n=$(basename "$f" .yaml)
  "$bin" run "$f" --json > "$out/$n.run.json" 2>&1; echo "rc=$?" >> "$out/$n.run.json"
  "$bin" network "$f" --json > "$out/$n.network.json" 2>&1; echo "rc=$?" >> "$out/$n.network.json"
  "$bin" network "$f" --at 2026-06-30 --json > "$out/$n.network-at.json" 2>&1; echo "rc=$?" >> "$out/$n.network-at.json"
  "$bin" simulate "$f" --paths 300 --seed 5 --json > "$out/$n.sim.json" 2>&1; echo "rc=$?" >> "$out/$n.sim.json"
done
"$bin" simulate coreweave-2025 --paths 3000 --threads 2 --json > "$out/cw3000.sim.json" 2>&1; echo "rc=$?" >> "$out/cw3000.sim.json"
"$bin" simulate ai-web-2025 --paths 2000 --json > "$out/aiweb2000.sim.json" 2>&1; echo "rc=$?" >> "$out/aiweb2000.sim.json"
ls "$out" | wc -l
