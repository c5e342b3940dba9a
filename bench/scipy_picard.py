#!/usr/bin/env python3
"""SciPy reference for bench_network: Eisenberg-Noe clearing by sparse Picard iteration.

Reads the network that build/bench_network writes (liabilities.csv as an edge list
`from,to,amount`, assets.csv and external.csv as `name,value` rows), and iterates

    p <- min(p_bar, e + Pi^T p),   p starting at p_bar,

with Pi^T a scipy.sparse CSR matrix, until no payment moves by more than tol * max(1, p_bar_i)
(tol = 1e-9 by default: the same per-node scale as tinderbox's clearing). From p_bar the
iterates decrease monotonically to the greatest clearing vector (Eisenberg & Noe 2001).

It re-runs itself under /usr/bin/python3 (Debian's python3-scipy) when the `python3` on the PATH
has no SciPy, and pins NumPy to one thread. Two times are reported (min and median over --runs): the iteration alone, and the iteration with
its setup from the liabilities in compressed rows (p_bar and Pi^T), which is the work that
tinderbox's Clearer::clear() times. Reading the CSV files is not timed. Writes the payments to DIR/scipy_payments.csv (`name,value`, 17 significant digits) and,
with --json, prints one line {"runs", "iterations", "min_ms", "median_ms", "with_setup_min_ms",
"with_setup_median_ms", "defaults"}. With --variants it also times the iteration alone on the
varied outside assets of DIR/assets_variants.csv (`name,v0,...,vK`), taken in turn, as
bench_network times its clearing ("varied_min_ms", "varied_median_ms").

    python3 bench/scipy_picard.py --dir DIR [--runs 20] [--tol 1e-9] [--json] [--variants]
"""
import argparse
import csv
import json
import os
import statistics
import sys
import time

# One thread, as the C++ side runs on one.
for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(var, "1")

try:
    import numpy as np
    import scipy.sparse as sp
except ImportError:  # e.g. a pyenv python3 ahead of Debian's, which has python3-scipy
    _sys_py = "/usr/bin/python3"
    if os.path.exists(_sys_py) and os.path.realpath(sys.executable) != os.path.realpath(_sys_py):
        os.execv(_sys_py, [_sys_py] + sys.argv)
    raise


def read_network(folder):
    index, names = {}, []

    def node(name):
        if name not in index:
            index[name] = len(names)
            names.append(name)
        return index[name]

    rows, cols, vals = [], [], []
    with open(os.path.join(folder, "liabilities.csv"), newline="") as f:
        reader = csv.reader(f)
        if next(reader) != ["from", "to", "amount"]:
            sys.exit("liabilities.csv: expected the header from,to,amount")
        for frm, to, amount in reader:
            rows.append(node(frm))
            cols.append(node(to))
            vals.append(float(amount))

    def vector(file):
        v = np.zeros(len(names))
        with open(os.path.join(folder, file), newline="") as f:
            for name, value in csv.reader(f):
                v[index[name]] = float(value)
        return v

    n = len(names)
    L = sp.csr_matrix((vals, (rows, cols)), shape=(n, n))
    L.sum_duplicates()
    return names, L, vector("assets.csv"), vector("external.csv")


def setup(L, external):
    """p_bar and Pi^T from the liabilities in compressed rows (what tinderbox's clear() starts from)."""
    p_bar = np.asarray(L.sum(axis=1)).ravel() + external
    with np.errstate(divide="ignore", invalid="ignore"):
        inv = np.where(p_bar > 0, 1.0 / p_bar, 0.0)
    pit = (sp.diags(inv) @ L).T.tocsr()  # Pi^T: row i lists who owes i, as shares
    return p_bar, pit


def picard(pit, p_bar, e, tol):
    scale = tol * np.maximum(1.0, p_bar)
    p = p_bar.copy()
    for it in range(1, 1000000):
        new = np.minimum(p_bar, e + pit @ p)
        moved = np.max(np.abs(new - p) - scale)
        p = new
        if moved <= 0:
            return p, it
    return p, it


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dir", required=True)
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--tol", type=float, default=1e-9)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--variants", action="store_true")
    a = ap.parse_args()

    names, L, e, external = read_network(a.dir)

    # With its setup: p_bar and Pi^T built from L in every run, as clear() starts from L.
    totals = []
    for _ in range(max(1, a.runs)):
        t0 = time.perf_counter()
        p_bar, pit = setup(L, external)
        picard(pit, p_bar, e, a.tol)
        totals.append((time.perf_counter() - t0) * 1e3)
    # The iteration alone, on a Pi^T built once (SciPy's best form). Timed in the loop above,
    # right after each new Pi^T, it took some 13 % longer (stop 22: 1.58 against 1.39 ms).
    p_bar, pit = setup(L, external)
    times, iterations, p = [], 0, None
    for _ in range(max(1, a.runs)):
        t1 = time.perf_counter()
        p, iterations = picard(pit, p_bar, e, a.tol)
        times.append((time.perf_counter() - t1) * 1e3)

    varied = []
    if a.variants:
        index = {name: i for i, name in enumerate(names)}
        rows = {}
        with open(os.path.join(a.dir, "assets_variants.csv"), newline="") as f:
            for row in csv.reader(f):
                rows[index[row[0]]] = [float(x) for x in row[1:]]
        k = len(next(iter(rows.values())))
        es = [np.array([rows[i][v] for i in range(len(names))]) for v in range(k)]
        for run in range(max(1, a.runs)):
            t1 = time.perf_counter()
            picard(pit, p_bar, es[run % k], a.tol)
            varied.append((time.perf_counter() - t1) * 1e3)

    with open(os.path.join(a.dir, "scipy_payments.csv"), "w", newline="") as f:
        w = csv.writer(f)
        for name, value in zip(names, p):
            w.writerow([name, repr(float(value))])
    result = {"runs": len(times), "iterations": iterations, "min_ms": min(times),
              "median_ms": statistics.median(times), "with_setup_min_ms": min(totals),
              "with_setup_median_ms": statistics.median(totals),
              "defaults": int(np.sum(p < p_bar - a.tol * np.maximum(1, p_bar)))}
    if varied:
        result["varied_min_ms"] = min(varied)
        result["varied_median_ms"] = statistics.median(varied)
    if a.json:
        print(json.dumps(result))
    else:
        print("SciPy Picard: %d iterations, min %.3f ms, median %.3f ms over %d runs (with p_bar and "
              "Pi^T built from L: min %.3f, median %.3f ms), %d defaults"
              % (iterations, result["min_ms"], result["median_ms"], len(times),
                 result["with_setup_min_ms"], result["with_setup_median_ms"], result["defaults"]))


if __name__ == "__main__":
    main()
