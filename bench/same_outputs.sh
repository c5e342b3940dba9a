#!/usr/bin/env bash
# bench/same_outputs.sh BIN DIR: writes every output that a performance change must leave byte for
# byte as it was (run, network, network --at, simulate --json of every built-in and example
# scenario, and two larger simulate runs), one file each with its exit status; diff -r two DIRs.
set -u
bin=$(realpath "$1"); out=$2; mkdir -p "$out"; out=$(realpath "$out")
# From the checkout's root, with scenario paths relative to it: the outputs that quote a
# scenario's path (errors, `scenario` fields) are then the same from any checkout.
cd "$(dirname "$0")/.." || exit 2
# keep FILE ARGS...: the binary's stdout and stderr for ARGS, then its exit status, in FILE.
keep() {
  local file=$out/$1; shift
  "$bin" "$@" > "$file" 2>&1; echo "rc=$?" >> "$file"
}
for f in scenarios/builtin/*.yaml scenarios/examples/*.yaml; do
  n=$(basename "$f" .yaml)
  keep "$n.run.json" run "$f" --json
  keep "$n.network.json" network "$f" --json
  keep "$n.network-at.json" network "$f" --at 2026-06-30 --json
  keep "$n.sim.json" simulate "$f" --paths 300 --seed 5 --json
done
keep cw3000.sim.json simulate coreweave-2025 --paths 3000 --threads 2 --json
keep aiweb2000.sim.json simulate ai-web-2025 --paths 2000 --json
ls "$out" | wc -l
