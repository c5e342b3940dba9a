#!/usr/bin/env python3
"""NumPy reference Monte Carlo of the built-in scenario coreweave-2025.

What this is
------------
The Monte Carlo of CoreWeave's five years (60 monthly periods from 2025-01-01) written plainly in
vectorised NumPy, the way a credit analyst who knows NumPy would write it: a Python loop over the
periods, every operation vectorised over a batch of paths. It is the yardstick `tinderbox
simulate` is timed against (bench/README.md). Run it from anywhere:

    python3 bench/numpy_reference.py [--paths N] [--batch B] [--seed S] [--json]

It pins NumPy to one thread (OPENBLAS/OMP/MKL_NUM_THREADS=1, set before NumPy is imported) and
re-runs itself under /usr/bin/python3 (Debian's python3-numpy) when the `python3` on the PATH has
no NumPy. Python and NumPy only; the scenario is read by the small YAML-subset reader below.
Only the Monte Carlo (simulate() below, percentiles included) is timed. It asks glibc to keep
freed memory (keep_freed_memory(); `--plain-malloc` turns that off), which only makes it faster.

Inputs (outside the timed part)
-------------------------------
* `./build/tinderbox run coreweave-2025 --json` and `--ledger` (subprocess): the deterministic run.
  From the ledger, per period: contract revenue (kind=revenue, a contract instrument), SG&A,
  leases, capex, equity, draws, interest, fees, principal and prepayments; from the JSON: the debt
  balance series (for the LTV) and the deterministic cash and collateral series (for the check).
* scenarios/builtin/coreweave-2025.yaml (+ its import coreweave-facilities.yaml): the market
  curves and GPU parameters, the fleet and capex lots, the contracts, the operations, and the
  terms of the floating-rate debts. GPU-hours are COMPUTED from the scenario as docs/model.md
  says (owned hours of the fleet and capex lots, contracted hours prorated by days, uncontracted =
  owned - contracted, never < 0) and checked against the ledger's spot revenue, power and opex at
  the deterministic utilisation and rents (the script stops if they differ by more than 1e-4: the
  ledger prints amounts to 6 decimals).
* Per-instrument balances held through each period = `outstanding` (scenario) + the ledger's
  draws - principal - prepayments of the periods before. For the floating debts without
  contract-priced portions (ddtl1, revolver) the interest these balances, fixings, day counts and
  payment dates give on the curves is checked against the ledger's interest rows.

The stochastic drivers (coreweave-2025 has no `stochastic:` section: the parameters are the ones
below, fixed here). t in years of 365 days from 2025-01-01; period k's value is the driver's value
on its first day d_k; Delta_k = days_k / 365; every OU step is exact:
    z_{k+1} = z_k e^{-a Delta} + s sqrt((1 - e^{-2 a Delta}) / (2 a)) eps,   z_0 = 0.
* SOFR_k = sofr_curve(d_k) + x_k, x an OU (a = 0.5, s = 0.01); the prime rate (ABR) = abr
  curve + the same x.
* rent_g,k = rent_curve_g(d_k) * exp(y_g,k) * J_g,k for g in A100, H100, H200, GB200; y_g an OU
  (a = 1.0, s = 0.30) whose shocks are correlated (0.8 off the diagonal) through the Cholesky
  factor of the correlation matrix.
* Releases: N_k ~ Poisson(0.5 * Delta_k) new generations arrive during period k; each multiplies
  J of A100, H100 and H200 by (1 - c), c ~ Beta(mean 0.25, sd 0.10) (numpy's rng.beta); an arrival
  in period k moves the rents from period k + 1 on (J_0 = 1).
* Demand D an OU (a = 0.5, s = 0.20); spot utilisation u_k = clip(0.30 + 0.3 D_k, 0, 1).

The company's cash flow per path and period (docs/model.md):
    cash_k = cash_{k-1} + contract revenue + spot revenue - power - opex - SG&A - leases - capex
             + equity + draws - interest - fees - principal - prepayments
* spot revenue = u * sum_g uncontracted_hours_g * rent_g / 1e6;
  power = sum_g (min(contracted, owned) + u * uncontracted)_g / owned_g * owned kWh_g * $/MWh / 1e9;
  opex = running GPU-hours * operations.cash_cost_per_hour / 1e6 (both linear in u).
* interest: the ledger's interest (fixed-rate debt, and floating debt at the curve) plus, for each
  floating debt (ddtl1, ddtl2, ddtl2_b, revolver), balance_k * (rate(path) - rate(curve)) * yf_k,
  rate = max(floor, index at the accrual's first day) + spread, fixed once per accrual as in
  SPEC.md §1, yf = the instrument's day count; the difference accrues and is paid on the
  instrument's payment dates, like its interest. ddtl1's ABR alternative (`use: lower`) is
  evaluated on the same x (it never binds: ABR - SOFR >= 2.2 pp). DDTL 2.0's contract-priced
  portions shift the spread, not the index, so the ledger already carries them.
* Default: the first period whose cash ends below 0; its period is recorded, its cash is set to 0
  and the path is frozen (cash stays 0; it leaves the LTV statistics).
* Collateral: market value of every lot owned at e_k by the income approach (docs/model.md, "Fleet
  values"), with the path's rents at the period end: rent_curve_g(e_k) * exp(y) * J taken from the
  drivers' state stepped to d_{k+1} (one day after e_k). LTV_k = total debt at e_k (the
  deterministic balance) / that value.
With every volatility and the release rate at zero this reproduces `tinderbox run` exactly: the
script checks that before it times anything (collateral_market within 1e-6; cash within 0.01,
as the ledger's amounts are rounded to 6 decimals and the rounding adds up over 60 periods).

Accumulated per period: cumulative PD (and its standard error), cash quantiles p05/p25/p50/p75/p95
(np.percentile over all paths: the reference keeps a paths x periods array of cash), mean and sd
of SOFR and of each rent, and the median and p95 LTV of the paths still alive.

What it simplifies, against the C++ engine's facility mechanics
---------------------------------------------------------------
* No revolver draws for a shortfall: a path whose cash would go below 0 defaults even while the
  revolver (2,500 committed, 450 drawn until June 2027) has room. The scheduled 450 draw is kept.
* No contingent equity raises (the scenario has none) and no path-dependent mandatory prepayments
  (new-money, borrowing-base, cash-sweep): draws, principal, prepayments and fees are the
  deterministic ledger's (the scenario's are all deterministic: DDTL 2.0's from-new-debt
  prepayment is switched off and no borrowing base or sweep is set). Debt balances therefore follow
  the deterministic schedule on every path.
* Covenants are not tested (ddtl1's min_liquidity 56 only reports a breach in this scenario).
* No recoveries or lender losses on default, no accrued-interest claims; a defaulted path simply
  stops.
* No contract cancellations or customer defaults (the scenario gives no customer `credit:`).
* The default test is on the period's net cash at the period end, not payment by payment (the
  same outcome when, as here, no new money arrives mid-waterfall).
Everything above is deterministic in the engine for this scenario too, except the revolver's
shortfall draws, so the figures should be close to `tinderbox simulate` with the same drivers
(a PD at least as high: no revolver backstop). With these drivers the PD of coreweave-2025 is 0:
signed contracts carry the cash flow (the lowest cash of 100,000 paths is ~1,350, in Feb 2025),
and spot revenue, the only place rents and demand enter, is ~$100M a month.
"""

import os

for _v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_v] = "1"

import sys

try:
    import numpy as np
except ImportError:  # e.g. a pyenv python3 ahead of Debian's, which has python3-numpy
    _sys_py = "/usr/bin/python3"
    if os.path.exists(_sys_py) and os.path.realpath(sys.executable) != os.path.realpath(_sys_py):
        os.execv(_sys_py, [_sys_py] + sys.argv)
    raise

import argparse
import ctypes
import csv
import datetime as dt
import json
import re
import subprocess
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCENARIO = "coreweave-2025"
ENTITY = "coreweave"

# The stochastic drivers (fixed here: the scenario has no `stochastic:` section).
SOFR_OU = (0.5, 0.01)            # (mean reversion a, volatility s)
GPU_OU = (1.0, 0.30)             # every generation
GPU_CORR = 0.8                   # off-diagonal shock correlation
RELEASES = dict(rate_per_year=0.5, cut_mean=0.25, cut_sd=0.10, hits=("A100", "H100", "H200"))
DEMAND_OU = (0.5, 0.20)
UTILIZATION_BETA = 0.3


# --------------------------------------------------------------------------------------------
# A YAML-subset reader: block maps and lists, flow maps and lists (possibly over several lines),
# plain and quoted scalars, comments. Enough for tinderbox's scenario files.

def _strip_comment(line):
    quote = None
    for i, ch in enumerate(line):
        if quote:
            if ch == quote:
                quote = None
        elif ch in "'\"" and (i == 0 or line[i - 1] in " \t:[{,"):
            quote = ch
        elif ch == "#" and (i == 0 or line[i - 1] in " \t"):
            return line[:i].rstrip()
    return line.rstrip()


def _scalar(s):
    s = s.strip()
    if s in ("", "~", "null"):
        return None
    if s in ("true", "false"):
        return s == "true"
    if len(s) >= 2 and s[0] == s[-1] and s[0] in "'\"":
        return s[1:-1]
    try:
        return int(s)
    except ValueError:
        pass
    try:
        return float(s)
    except ValueError:
        return s


def _flow(s):
    pos = 0

    def value():
        nonlocal pos
        while s[pos] == " ":
            pos += 1
        if s[pos] == "[":
            pos += 1
            out = []
            while True:
                while s[pos] == " ":
                    pos += 1
                if s[pos] == "]":
                    pos += 1
                    return out
                out.append(value())
                while s[pos] == " ":
                    pos += 1
                if s[pos] == ",":
                    pos += 1
        if s[pos] == "{":
            pos += 1
            out = {}
            while True:
                while s[pos] == " ":
                    pos += 1
                if s[pos] == "}":
                    pos += 1
                    return out
                colon = s.index(":", pos)
                key = s[pos:colon].strip()
                pos = colon + 1
                out[key] = value()
                while s[pos] == " ":
                    pos += 1
                if s[pos] == ",":
                    pos += 1
        start = pos
        while pos < len(s) and s[pos] not in ",]}":
            pos += 1
        return _scalar(s[start:pos])

    return value() if s.strip()[:1] in ("[", "{") else _scalar(s)


def load_yaml(text):
    lines, buf, depth = [], None, 0
    for raw in text.splitlines():
        s = _strip_comment(raw)
        if not s.strip():
            continue
        if buf is None:
            buf = [len(s) - len(s.lstrip()), s.strip()]
        else:
            buf[1] += " " + s.strip()
        depth += s.count("[") + s.count("{") - s.count("]") - s.count("}")
        if depth == 0:
            lines.append(tuple(buf))
            buf = None

    def split_key(content):
        m = re.match(r"^([^:{}\[\]]+?):(\s+(.*))?$", content)
        return (m.group(1).strip(), (m.group(3) or "").strip()) if m else (None, content)

    def block(i, indent):
        if lines[i][1].startswith("- ") or lines[i][1] == "-":
            out = []
            while i < len(lines) and lines[i][0] == indent and lines[i][1].startswith("-"):
                rest = lines[i][1][1:].strip()
                i += 1
                if rest:
                    out.append(_flow(rest))
                else:
                    v, i = block(i, lines[i][0])
                    out.append(v)
            return out, i
        out = {}
        while i < len(lines) and lines[i][0] == indent:
            key, rest = split_key(lines[i][1])
            if key is None:
                raise ValueError("cannot read YAML line: " + lines[i][1])
            i += 1
            if rest:
                out[key] = _flow(rest)
            elif i < len(lines) and lines[i][0] > indent:
                out[key], i = block(i, lines[i][0])
            else:
                out[key] = None
        return out, i

    doc, _ = block(0, lines[0][0]) if lines else ({}, 0)
    return doc


def _merge(base, over):
    if isinstance(base, dict) and isinstance(over, dict):
        out = dict(base)
        for k, v in over.items():
            out[k] = _merge(base[k], v) if k in base else v
        return out
    return over


def load_scenario(path):
    with open(path) as f:
        doc = load_yaml(f.read())
    merged = {}
    for imp in doc.pop("import", None) or []:
        p = imp if imp.endswith(".yaml") else os.path.join(REPO, "scenarios", "builtin", imp + ".yaml")
        merged = _merge(merged, load_scenario(os.path.join(os.path.dirname(path), p)))
    return _merge(merged, doc)


# --------------------------------------------------------------------------------------------
# Deterministic inputs.

def _date(v):
    return v if isinstance(v, dt.date) else dt.date.fromisoformat(str(v))


def _add_months(d, m):
    y, mo = divmod(d.month - 1 + m, 12)
    return dt.date(d.year + y, mo + 1, 1)


def _month_end(d):
    return _add_months(dt.date(d.year, d.month, 1), 1) - dt.timedelta(days=1)


def _curve(points, dates):
    xs = np.array([_date(p[0]).toordinal() for p in points], float)
    ys = np.array([p[1] for p in points], float)
    return np.interp([d.toordinal() for d in dates], xs, ys)  # linear in days, flat outside


def _items(x):
    if x is None:
        return []
    if isinstance(x, dict):
        return [dict(v or {}, id=k) for k, v in x.items()]
    return list(x)


def _annuity(r, n):
    n = np.maximum(0.0, n)
    return n if r == 0 else (1 - (1 + r) ** -n) / r


def _year_fraction(day_count, d0, d1):
    if day_count == "act/365":
        return (d1 - d0).days / 365
    if day_count == "30/360":  # whole months here: 30/360 each
        return ((d1.year - d0.year) * 12 + d1.month - d0.month) * 30 / 360
    return (d1 - d0).days / 360


def deterministic_run(tinderbox):
    with tempfile.TemporaryDirectory() as tmp:
        ledger = os.path.join(tmp, "ledger.csv")
        out = subprocess.run([tinderbox, "run", SCENARIO, "--json", "--ledger", ledger],
                             check=True, capture_output=True, text=True).stdout
        with open(ledger, newline="") as f:
            rows = list(csv.DictReader(f))
    return json.loads(out), rows


def build_inputs(tinderbox):
    run, ledger = deterministic_run(tinderbox)
    sc = load_scenario(os.path.join(REPO, "scenarios", "builtin", SCENARIO + ".yaml"))
    ent = sc["entities"][ENTITY]
    mkt = sc["market"]
    start = _date(sc["start"])
    K = int(sc["horizon"])
    assert sc.get("period", "month") == "month"
    d = [_add_months(start, k) for k in range(K + 1)]           # d_0 .. d_K
    e = [d[k + 1] - dt.timedelta(days=1) for k in range(K)]      # period ends
    days = np.array([(d[k + 1] - d[k]).days for k in range(K)], float)
    hours = 24 * days
    kidx = {x.isoformat(): k for k, x in enumerate(e)}
    assert run["dates"] == [x.isoformat() for x in e]

    # The ledger, per period: deterministic flows and per-instrument debt movements.
    flow = {}
    per_instr = {}
    for r in ledger:
        if r["entity"] != ENTITY:
            continue
        k, kind, instr, amt = kidx[r["date"]], r["kind"], r["instrument"], float(r["amount"])
        if kind == "revenue":
            kind = "spot_revenue" if instr.startswith("spot:") else "contract_revenue"
        flow.setdefault(kind, np.zeros(K))[k] += amt
        if kind in ("draw", "principal", "prepayment", "interest"):
            per_instr.setdefault((instr, kind), np.zeros(K))[k] += amt
    z = np.zeros(K)
    deterministic_part = sum(flow.get(kd, z) for kd in (
        "contract_revenue", "sga", "lease", "capex", "equity", "draw", "interest", "fee",
        "principal", "prepayment"))
    unknown = set(flow) - {"contract_revenue", "spot_revenue", "power", "opex", "sga", "lease",
                           "capex", "equity", "draw", "interest", "fee", "principal", "prepayment"}
    assert not unknown, "ledger kinds this reference does not model: %s" % sorted(unknown)

    # GPU-hours per generation and period from the fleet, capex and contracts (docs/model.md).
    gens = list(mkt["gpu"])
    G = len(gens)
    lots = _items(ent.get("fleet"))
    for c in _items(ent.get("capex")):
        lots.append(dict(c, acquired=c["date"]))
    owned_h = np.zeros((G, K))
    owned_kwh = np.zeros((G, K))
    lot_owned = np.zeros((len(lots), K))
    for li, lot in enumerate(lots):
        acq = _date(lot["acquired"])
        first = 0 if acq < start else next(k for k in range(K) if d[k] <= acq < d[k + 1]) \
            if acq < d[K] else K
        lot_owned[li, first:] = 1
        g = gens.index(lot["gpu"])
        owned_h[g] += lot_owned[li] * lot["units"] * hours
        owned_kwh[g] += lot_owned[li] * lot["units"] * lot["kw_per_gpu"] * hours
    contracted_h = np.zeros((G, K))
    for c in _items(ent.get("contracts")):
        if c.get("gpu") is None:
            continue
        cs, ce = _date(c["start"]), _date(c["end"])
        inside = np.array([max(0, (min(e[k], ce) - max(d[k], cs)).days + 1) for k in range(K)])
        contracted_h[gens.index(c["gpu"])] += c["gpus"] * 24 * inside
    has = owned_h > 0
    safe_owned = np.where(has, owned_h, 1.0)
    C = np.where(has, np.minimum(contracted_h, owned_h), 0.0)     # contracted running hours
    U = np.where(has, np.maximum(0.0, owned_h - contracted_h), 0.0)  # uncontracted hours
    ops = ent["operations"]
    u0, cc, price = ops["utilization"], ops["cash_cost_per_hour"], mkt["power_usd_per_mwh"]
    power0 = (C / safe_owned * owned_kwh).sum(0) * price / 1e9   # power = power0 + u * power1
    power1 = (U / safe_owned * owned_kwh).sum(0) * price / 1e9
    opex0 = C.sum(0) * cc / 1e6                                    # opex = opex0 + u * opex1
    opex1 = U.sum(0) * cc / 1e6
    rent_d = np.stack([_curve(mkt["gpu"][g]["rent"], d[:K]) for g in gens], 1)   # (K, G)
    rent_e = np.stack([_curve(mkt["gpu"][g]["rent"], e) for g in gens], 1)
    spot_w = U.T / 1e6                                             # spot = u * rent @ spot_w[k]
    for name, mine in (("spot_revenue", u0 * (rent_d * spot_w).sum(1)),
                       ("power", -(power0 + u0 * power1)), ("opex", -(opex0 + u0 * opex1))):
        err = np.abs(mine - flow.get(name, z)).max()
        # The ledger prints amounts to 6 decimals: a few 1e-7 of rounding per row.
        assert err < 1e-4, "%s from the scenario differs from the ledger by %g" % (name, err)

    # Collateral: market value of each lot = max(0, rent_end - c_lot) * w_lot,k (income approach).
    r = mkt["discount_rate"]
    lot_gen = np.array([gens.index(l["gpu"]) for l in lots])
    lot_cut = np.array([mkt["gpu"][l["gpu"]]["cash_cost_per_hour"] + l["kw_per_gpu"] * price / 1000
                        for l in lots])
    age = np.array([[(x - _date(l["acquired"])).days / 365 for x in e] for l in lots])
    life = np.array([[mkt["gpu"][l["gpu"]]["economic_life_years"]] for l in lots])
    refu = np.array([[mkt["gpu"][l["gpu"]]["reference_utilization"]] for l in lots])
    units = np.array([[l["units"]] for l in lots], float)
    lot_w = units * 8760 * refu * _annuity(r, life - age) / 1e6 * lot_owned   # (L, K)

    # Floating-rate debt: balance held through each period, accrual fixings and payment dates.
    rates = mkt["rates"]
    index_d = {n: _curve(pts, d[:K]) for n, pts in rates.items()}
    floating = []
    pay_months = {"month": 1, "quarter": 3, "semiannual": 6, "annual": 12}
    for debt_id, t in (ent.get("debt") or {}).items():
        rate = t.get("rate") or {}
        if "index" not in rate:
            continue
        bal = float(t.get("outstanding") or 0) + np.concatenate([[0.0], np.cumsum(
            per_instr.get((debt_id, "draw"), z) + per_instr.get((debt_id, "principal"), z)
            + per_instr.get((debt_id, "prepayment"), z))[:-1]])
        assert bal.min() > -1e-6, debt_id
        default_pay = "semiannual" if t["type"] in ("bond", "convertible") else "quarter"
        default_dc = "30/360" if t["type"] in ("bond", "convertible") else "act/360"
        step = pay_months[t.get("pay", default_pay)]
        fp, mat = _date(t["first_payment"]), _date(t["maturity"])
        paydates, n = [], 0
        while True:
            pdate = _month_end(_add_months(dt.date(fp.year, fp.month, 1), n * step))
            if pdate > mat:
                break
            paydates.append(pdate)
            n += 1
        pays = np.array([e[k] in paydates for k in range(K)])
        fixes = np.array([k == 0 or (d[k] - dt.timedelta(days=1)) in paydates for k in range(K)])
        yf = np.array([_year_fraction(t.get("day_count", default_dc), d[k], d[k + 1])
                       for k in range(K)])
        alt = rate.get("alternate")
        f = dict(
            id=debt_id, index=rate["index"], floor=rate.get("floor", 0.0) or 0.0,
            spread=rate.get("spread", 0.0),
            alt=None if not alt else (alt["index"], alt.get("floor", 0.0) or 0.0, alt["spread"]),
            use=rate.get("use", "primary"), bal_yf=bal * yf, pays=pays, fixes=fixes)
        floating.append(f)
        if not rate.get("contract_spreads"):
            # Check balances, fixings, day count and payment dates against the ledger's interest
            # (DDTL 2.0's contract-priced portions pay more than this: not checked).
            coupon, acc, paid = 0.0, 0.0, np.zeros(K)
            for k in range(K):
                if fixes[k]:
                    coupon = _coupon(f, {n: v[k] for n, v in index_d.items()})
                acc += coupon * bal[k] * yf[k]
                if pays[k]:
                    paid[k], acc = -acc, 0.0
            err = np.abs(paid - per_instr.get((debt_id, "interest"), z)).max()
            assert err < 1e-4, "%s: interest differs from the ledger by %g" % (debt_id, err)
    F = len(floating)
    fl_fix = np.array([f["fixes"] for f in floating]).T       # (K, F)
    fl_pay = np.array([f["pays"] for f in floating]).T        # (K, F)
    fl_balyf = np.array([f["bal_yf"] for f in floating]).T    # (K, F)

    series = run["entities"][ENTITY]["series"]
    L = np.linalg.cholesky(np.full((G, G), GPU_CORR) + (1 - GPU_CORR) * np.eye(G))
    m, sd = RELEASES["cut_mean"], RELEASES["cut_sd"]
    nu = m * (1 - m) / sd ** 2 - 1
    return dict(
        K=K, G=G, gens=gens, dates=run["dates"], Delta=days / 365, cash0=float(ent["cash"]),
        fixed=deterministic_part, u0=u0,
        power0=power0, power1=power1, opex0=opex0, opex1=opex1, spot_w=spot_w,  # (K, G)
        rent_d=rent_d, rent_e=rent_e, lot_gen=lot_gen, lot_cut=lot_cut, lot_w=lot_w.T.copy(),
        index_d=index_d, floating=floating, fl_fix=fl_fix, fl_pay=fl_pay, fl_balyf=fl_balyf, F=F,
        debt=np.array(series["debt"]), L=L,
        hits=np.array([g in RELEASES["hits"] for g in gens]),
        beta_ab=(m * nu, (1 - m) * nu),
        run_cash=np.array(series["cash"]), run_collateral=np.array(series["collateral_market"]))


def _ou(a, s, Delta):
    ex = np.exp(-a * Delta)
    return ex, s * np.sqrt((1 - np.exp(-2 * a * Delta)) / (2 * a))


def _coupon(f, idx):
    """Floating coupon rate of instrument f from its fixings (arrays or scalars by index name)."""
    prim = np.maximum(f["floor"], idx[f["index"]]) + f["spread"]
    if f["alt"] is None or f["use"] == "primary":
        return prim
    ai, afloor, aspread = f["alt"]
    alt = np.maximum(afloor, idx[ai]) + aspread
    return {"alternate": alt, "lower": np.minimum(prim, alt), "higher": np.maximum(prim, alt)}[f["use"]]


# --------------------------------------------------------------------------------------------
# The Monte Carlo.

def simulate(inp, paths, batch, seed, stochastic=True):
    K, G, F = inp["K"], inp["G"], inp["F"]
    vol = 1.0 if stochastic else 0.0
    ex_x, sd_x = _ou(SOFR_OU[0], SOFR_OU[1] * vol, inp["Delta"])
    ex_y, sd_y = _ou(GPU_OU[0], GPU_OU[1] * vol, inp["Delta"])
    ex_D, sd_D = _ou(DEMAND_OU[0], DEMAND_OU[1] * vol, inp["Delta"])
    lam = RELEASES["rate_per_year"] * inp["Delta"] * vol
    L = inp["L"]
    hits = inp["hits"]
    alpha, beta = inp["beta_ab"]
    fixed, power0, power1 = inp["fixed"], inp["power0"], inp["power1"]
    opex0, opex1, spot_w = inp["opex0"], inp["opex1"], inp["spot_w"]
    rent_d, rent_e, debt = inp["rent_d"], inp["rent_e"], inp["debt"]
    lot_gen, lot_cut, lot_w = inp["lot_gen"], inp["lot_cut"], inp["lot_w"]
    floating, fl_fix, fl_pay, fl_balyf = inp["floating"], inp["fl_fix"], inp["fl_pay"], inp["fl_balyf"]
    index_d = inp["index_d"]
    # Each floating coupon on the curves, per period (the deterministic run's fixing).
    curve_coupon = np.array([[_coupon(f, {n: v[k] for n, v in index_d.items()}) for f in floating]
                             for k in range(K)]).reshape(K, F)

    rng = np.random.default_rng(seed)
    cash_all = np.empty((K, paths))   # period-major: each period's cash is one contiguous row
    ltv_all = np.empty((K, paths))
    default_k = np.full(paths, K)     # K: no default within the horizon
    s_sofr, q_sofr = np.zeros(K), np.zeros(K)
    s_rent, q_rent = np.zeros((K, G)), np.zeros((K, G))
    collateral_mean = np.zeros(K)
    hit_rows = np.flatnonzero(hits)[:, None]
    lot_cut_col = lot_cut[:, None]

    for b0 in range(0, paths, batch):
        B = min(batch, paths - b0)
        x = np.zeros(B)                 # SOFR (and prime) deviation
        y = np.zeros((G, B))            # log rent deviations, one row per generation
        logJ = np.zeros((G, B))         # log of the release jumps
        E = np.ones((G, B))             # exp(y + logJ): rent / curve
        D = np.zeros(B)                 # demand factor
        cash = np.full(B, inp["cash0"])
        alive = np.ones(B, bool)
        dk = np.full(B, K)
        dcoupon = np.zeros((F, B))      # path coupon - curve coupon, fixed per accrual
        accrued = np.zeros((F, B))      # interest difference accrued, not yet paid
        for k in range(K):
            sofr = index_d["sofr"][k] + x
            rent = rent_d[k][:, None] * E                           # (G, B), on d_k
            u = np.clip(inp["u0"] + UTILIZATION_BETA * D, 0.0, 1.0)

            # Floating debt: refix at an accrual start, accrue, pay on payment dates.
            if fl_fix[k].any():
                idx = {n: v[k] + x for n, v in index_d.items()}
                for i in np.flatnonzero(fl_fix[k]):
                    dcoupon[i] = _coupon(floating[i], idx) - curve_coupon[k, i]
            accrued += dcoupon * fl_balyf[k][:, None]
            extra_interest = 0.0
            if fl_pay[k].any():
                extra_interest = accrued[fl_pay[k]].sum(0)
                accrued[fl_pay[k]] = 0.0

            net = (fixed[k] - power0[k] - opex0[k] - extra_interest
                   + u * (spot_w[k] @ rent - power1[k] - opex1[k]))
            new_cash = cash + net
            failed = alive & (new_cash < 0)
            dk[failed] = k
            alive &= ~failed
            cash = np.where(alive, new_cash, 0.0)
            cash_all[k, b0:b0 + B] = cash
            s_sofr[k] += sofr.sum()
            q_sofr[k] += sofr @ sofr
            s_rent[k] += rent.sum(1)
            q_rent[k] += np.einsum("gb,gb->g", rent, rent)

            # Step the drivers to d_{k+1}.
            eps = rng.standard_normal((G + 2, B))
            x = x * ex_x[k] + sd_x[k] * eps[0]
            y = y * ex_y[k] + sd_y[k] * (L @ eps[1:G + 1])
            D = D * ex_D[k] + sd_D[k] * eps[G + 1]
            if lam[k] > 0:
                n = rng.poisson(lam[k], B)
                hit = np.flatnonzero(n)
                if hit.size:
                    nh = n[hit]
                    logc = np.log1p(-rng.beta(alpha, beta, nh.sum()))
                    logJ[hit_rows, hit] += np.add.reduceat(logc, np.cumsum(nh) - nh)
            E = np.exp(y + logJ)

            # Collateral at e_k (income approach) with the period-end rents, and the LTV.
            rent_end = rent_e[k][:, None] * E
            value = lot_w[k] @ np.maximum(rent_end[lot_gen] - lot_cut_col, 0.0)
            collateral_mean[k] += value.sum()
            ltv_all[k, b0:b0 + B] = debt[k] / value
        default_k[b0:b0 + B] = dk

    pd = (default_k[:, None] <= np.arange(K)[None, :]).mean(0)
    qs = np.percentile(cash_all, [5, 25, 50, 75, 95], axis=1)
    ltv_p50, ltv_p95 = np.full(K, np.nan), np.full(K, np.nan)
    for k in range(K):
        live = ltv_all[k, default_k > k]
        if live.size:
            ltv_p50[k], ltv_p95[k] = np.percentile(live, [50, 95])
    mean_sofr = s_sofr / paths
    mean_rent = s_rent / paths
    return dict(
        pd=pd, pd_se=np.sqrt(pd * (1 - pd) / paths),
        cash_quantiles=dict(zip(("p05", "p25", "p50", "p75", "p95"), qs)),
        sofr_mean=mean_sofr, sofr_sd=np.sqrt(np.maximum(q_sofr / paths - mean_sofr ** 2, 0)),
        rent_mean=mean_rent, rent_sd=np.sqrt(np.maximum(q_rent / paths - mean_rent ** 2, 0)),
        ltv_p50=ltv_p50, ltv_p95=ltv_p95, collateral_mean=collateral_mean / paths,
        cash_all=cash_all)


def keep_freed_memory():
    """Ask glibc to keep freed memory instead of handing it back to the OS.

    A 10,000-path batch makes temporaries of 80-900 kB every period; by default glibc returns them
    to the OS when freed (mmap threshold, heap trimming) and NumPy page-faults them in again on the
    next period. On the VMs this runs on, that page-faulting costs about as much as the arithmetic
    (the reference runs about 2x slower). This is what MALLOC_TRIM_THRESHOLD_ /
    MALLOC_MMAP_THRESHOLD_ would do; it makes the reference faster, never slower.
    """
    try:
        libc = ctypes.CDLL("libc.so.6")
        M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3
        return bool(libc.mallopt(M_MMAP_THRESHOLD, 32 << 20)) and \
            bool(libc.mallopt(M_TRIM_THRESHOLD, 1 << 30))
    except (OSError, AttributeError):
        return False


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--paths", type=int, default=100000)
    ap.add_argument("--batch", type=int, default=10000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--json", action="store_true", help="print a JSON timing record on stdout")
    ap.add_argument("--tinderbox", default=os.path.join(REPO, "build", "tinderbox"),
                    help="the engine binary for the deterministic inputs (default ./build/tinderbox)")
    ap.add_argument("--plain-malloc", action="store_true",
                    help="leave glibc's malloc settings alone (see keep_freed_memory)")
    args = ap.parse_args()
    if not args.plain_malloc:
        keep_freed_memory()
    if not os.path.exists(args.tinderbox):
        sys.exit("%s is missing: build it first (cmake --build build)" % args.tinderbox)

    inp = build_inputs(args.tinderbox)
    # With no randomness the reference must reproduce `tinderbox run`.
    det = simulate(inp, 4, 4, args.seed, stochastic=False)
    err_cash = np.abs(det["cash_all"] - inp["run_cash"][:, None]).max()
    err_coll = np.abs(det["collateral_mean"] - inp["run_collateral"]).max()
    if err_cash > 0.01 or err_coll > 1e-6:   # cash: the ledger's 6-decimal rounding, summed
        sys.exit("deterministic check failed: |cash - run| %g, |collateral - run| %g"
                 % (err_cash, err_coll))

    t0 = time.perf_counter()
    res = simulate(inp, args.paths, args.batch, args.seed)
    seconds = time.perf_counter() - t0
    K = inp["K"]
    rate = args.paths / seconds
    pd = res["pd"]
    p50 = res["cash_quantiles"]["p50"]
    if args.json:
        print(json.dumps({"paths": args.paths, "seconds": seconds, "paths_per_second": rate,
                          "periods": K, "batch": args.batch, "seed": args.seed, "threads": 1,
                          "pd_12": pd[11], "pd_24": pd[23], "pd_60": pd[K - 1],
                          "cash_p50_60": p50[K - 1]}))
        return
    mant, expo = ("%.1e" % (rate * K)).split("e")
    print("numpy reference: %d paths x %d periods in %.2f s: %s paths/s (1 core), "
          "%se%d entity-periods/s" % (args.paths, K, seconds, format(round(rate), ","),
                                      mant, int(expo)))
    print("deterministic check (no randomness) = tinderbox run: max |cash diff| %.1e, "
          "max |collateral diff| %.1e" % (err_cash, err_coll))
    se = res["pd_se"]
    print("PD: 12 months %.4f (se %.4f), 24 months %.4f (se %.4f), 60 months %.4f (se %.4f)"
          % (pd[11], se[11], pd[23], se[23], pd[K - 1], se[K - 1]))
    q = res["cash_quantiles"]
    print("cash at 60 months ($M): p05 %.0f, p25 %.0f, median %.0f, p75 %.0f, p95 %.0f "
          "(deterministic run: %.0f)" % (q["p05"][-1], q["p25"][-1], p50[-1], q["p75"][-1],
                                         q["p95"][-1], inp["run_cash"][-1]))
    print("SOFR at month 60: mean %.4f sd %.4f; rents at month 60 (mean / sd): %s"
          % (res["sofr_mean"][-1], res["sofr_sd"][-1], ", ".join(
              "%s %.2f / %.2f" % (g, res["rent_mean"][-1, i], res["rent_sd"][-1, i])
              for i, g in enumerate(inp["gens"]))))
    print("LTV of surviving paths at 12 / 24 / 60 months: median %.2f / %.2f / %.2f, "
          "p95 %.2f / %.2f / %.2f" % (res["ltv_p50"][11], res["ltv_p50"][23], res["ltv_p50"][-1],
                                       res["ltv_p95"][11], res["ltv_p95"][23], res["ltv_p95"][-1]))


if __name__ == "__main__":
    main()
