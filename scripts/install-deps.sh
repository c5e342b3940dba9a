#!/usr/bin/env bash
# Installs the Debian packages that building and testing tinderbox needs.
# Idempotent: when every package is already installed it changes nothing and asks no registry.
set -euo pipefail

packages=(
  cmake ninja-build g++ make pkg-config
  libyaml-cpp-dev        # scenario files
  libquantlib0-dev       # day counts and date arithmetic; test oracle
  libboost-dev           # QuantLib's headers need it
  libfmt-dev nlohmann-json3-dev
  libgtest-dev
  librandom123-dev       # Philox counter-based random numbers (Monte Carlo)
  libeigen3-dev          # Cholesky of correlation matrices
  libtbb-dev             # threads over path blocks
  libopenmpi-dev openmpi-bin   # optional at build time: mpirun across ranks; tests use it
  python3 python3-numpy  # test helper scripts; the NumPy reference benchmark
  # networks: GLPK solves the clearing LP in a property test; SciPy is the clearing benchmark's reference
  libglpk-dev python3-scipy
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "install-deps: installing ${missing[*]}" >&2
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
