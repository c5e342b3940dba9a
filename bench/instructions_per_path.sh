#!/usr/bin/env bash
# bench/instructions_per_path.sh BIN SCENARIO: instructions a Monte Carlo path, counted by callgrind
# as (Ir of 3,000 paths - Ir of 1,000 paths) / 2,000 on one thread, so that start-up and the
# report cancel out. The figure does not depend on the machine (unlike time), which is why the
# bench chapters quote it.
set -eu
bin=$1; sc=$2; t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT  # also when valgrind or the binary fails
for n in 1000 3000; do
  valgrind --tool=callgrind --callgrind-out-file=$t/cg.$n "$bin" simulate "$sc" --paths $n --threads 1 --json > /dev/null 2> $t/log.$n
  grep -o 'Collected : [0-9]*' $t/log.$n | awk '{print $3}' > $t/ir.$n
done
echo "$sc $(( ( $(cat $t/ir.3000) - $(cat $t/ir.1000) ) / 2000 ))"
