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
no NumPy. Python and NumPy only (and the standard library's statistics.NormalDist for the
copula's thresholds); the scenario is read by the small YAML-subset reader below. Only the Monte
Carlo (simulate() below, the cash percentiles included) is timed; the LTV quantiles, which the
engine does not report, are computed after the clock stops. It asks glibc to keep freed memory
(keep_freed_memory(); `--plain-malloc` turns that off), which only makes it faster.

Inputs (outside the timed part)
-------------------------------
* `./build/tinderbox run coreweave-2025 --json` and `--ledger` (subprocess): the deterministic run.
  From the ledger, per period: contract revenue (kind=revenue, a contract instrument; also per
  contract, for the contracts that can stop), SG&A, leases, capex, equity, draws, interest, fees,
  principal and prepayments; from the JSON: the debt balance series (for the LTV) and the
  deterministic cash and collateral series (for the check).
* scenarios/builtin/coreweave-2025.yaml merged with its import coreweave-facilities.yaml (mappings
  key by key at any depth, the importing file winning; a key with nothing after its colon drops
  the imported value): the market curves and GPU parameters, the fleet and capex lots, the
  contracts, the operations, the terms of the floating-rate debts, the `stochastic:` section and
  the entities' reduced-form `credit:`. GPU-hours are COMPUTED from the scenario as docs/model.md
  says (owned hours of the fleet and capex lots, contracted hours prorated by days, uncontracted =
  owned - contracted, never < 0) and checked against the ledger's spot revenue, power and opex at
  the deterministic utilisation and rents (the script stops if they differ by more than 1e-4: the
  ledger prints amounts to 6 decimals).
* Per-instrument balances held through each period = `outstanding` (scenario) + the ledger's
  draws - principal - prepayments of the periods before. For the floating debts without
  contract-priced portions (ddtl1, revolver) the interest these balances, fixings, day counts and
  payment dates give on the curves is checked against the ledger's interest rows.

The stochastic drivers (docs/model.md, "Monte Carlo"), as the scenario's `stochastic:` section
gives them (read_stochastic(); nothing is hard-coded). t in years of 365 days from 2025-01-01;
period k's value is the driver's value on its first day d_k; Delta_k = days_k / 365; every OU step
is exact: z_{k+1} = z_k e^{-a Delta} + s sqrt((1 - e^{-2 a Delta}) / (2 a)) eps (s sqrt(Delta) eps
when a = 0), z_0 = 0. A driver the section does not list is deterministic (its curve).
* Rates: rate_k = curve(d_k) + x_k, x an OU of `stochastic.<rate>`; a rate with `follows: r`
  adds r's x. coreweave-facilities.yaml: sofr a = 0.3, s = 0.010; abr follows sofr.
* rent_g,k = rent_curve_g(d_k) * exp(y_g,k) * J_g,k; y_g an OU of `stochastic.gpu.<g>` whose
  shocks are L eps, L the lower Cholesky factor of `gpu_correlation` (market.gpu order; absent:
  independent). coreweave: a = 1.0, s = 0.40 (GB200 0.45); correlations 0.6-0.9.
* Releases (`releases`): N_k ~ Poisson(rate_per_year * Delta_k) arrivals in period k; each
  multiplies J of every generation in `hits` by (1 - c), c ~ Beta of mean cut_mean and sd cut_sd
  (numpy's rng.beta; c = cut_mean when cut_sd = 0); an arrival in period k moves the rents from
  period k + 1 on (J_0 = 1). coreweave: 0.5 a year, cut 0.15 (sd 0.10), hits A100/H100/H200.
* Demand D an OU of `demand`; spot utilisation u_k = clip(operations.utilization +
  utilization_beta * D_k, 0, 1). coreweave: a = 0.5, s = 0.25, beta = 0.3.
* Customer defaults (`credit: {pd_annual, correlation}` on an entity; coreweave-facilities.yaml:
  microsoft 0.01 %, meta and nvidia 0.03 %, openai 4 %, all rho = 0.3). Per path one common
  Z ~ N(0,1) and per credit entity its own eps; X = sqrt(rho) Z + sqrt(1 - rho) eps. With
  h = -ln(1 - pd_annual), the party has defaulted by the end of period k when
  X <= Phi^-1(1 - exp(-h t_{k+1})), t_{k+1} = (d_{k+1} - start) / 365; its default period is the
  first such k. A party with pd_annual 0 never defaults.
* Cancel rules (`cancel: {demand_below, probability, notice_months}` on a contract; coreweave-2025
  has none): at each period end e_k before the contract's last period, if D(t_{k+1}) <
  demand_below, notice with probability 1 - (1 - probability)^Delta_k, at most once per contract
  and path; the contract then stops from the first period that starts on or after d_{k+1} +
  notice_months. Only with a demand driver that moves (otherwise D = 0 and no rule triggers).
* A contract stops at the earlier of its customer's default period and its cancel stop. From that
  period on it pays nothing (its ledger revenue is taken off) and its GPU-hours leave the
  contracted hours of its generation, so they become uncontracted (spot) hours; an `amount_per_
  period` contract (osprey) only loses its revenue.
The random numbers are NumPy's default_rng (PCG64), not the engine's Philox streams: the two agree
in distribution, not path by path.

The company's cash flow per path and period (docs/model.md):
    cash_k = cash_{k-1} + contract revenue + spot revenue - power - opex - SG&A - leases - capex
             + equity + draws - interest - fees - principal - prepayments
* contract revenue = the ledger's, less that of the contracts stopped on the path;
  contracted_g = contracted hours_g - hours of the path's stopped contracts of g;
  C_g = min(contracted_g, owned_g) (contracted running hours), U_g = max(0, owned_g - contracted_g);
  spot revenue = u * sum_g U_g * rent_g / 1e6; power + opex = sum_g (C_g + u U_g) * cost_g with
  cost_g = owned kWh_g / owned hours_g * $/MWh / 1e9 + operations.cash_cost_per_hour / 1e6 ($M per
  running GPU-hour).
* interest: the ledger's interest (fixed-rate debt, and floating debt at the curve) plus, for each
  floating debt (ddtl1, ddtl2, ddtl2_b, revolver), balance_k * (rate(path) - rate(curve)) * yf_k,
  rate = max(floor, index at the accrual's first day) + spread, fixed once per accrual as in
  SPEC.md §1, yf = the instrument's day count; the difference accrues and is paid on the
  instrument's payment dates, like its interest. ddtl1's ABR alternative (`use: lower`) is
  evaluated on the path's SOFR and ABR (it never binds: ABR - SOFR >= 2.2 pp, and ABR follows
  SOFR). DDTL 2.0's contract-priced portions shift the spread, not the index, so the ledger
  already carries them (a customer's default does not reprice them, in the engine either).
* Default: the first period whose cash ends below 0; its period is recorded, its cash is set to 0
  and the path is frozen (cash stays 0; it leaves the LTV statistics).
* Collateral: market value of every lot owned at e_k by the income approach (docs/model.md, "Fleet
  values"), with the path's rents at the period end: rent_curve_g(e_k) * exp(y) * J taken from the
  drivers' state stepped to d_{k+1} (one day after e_k). LTV_k = total debt at e_k (the
  deterministic balance) / that value.
With every volatility, the release rate and every PD at zero this reproduces `tinderbox run`
exactly: the script checks that before it times anything (collateral_market within 1e-6; cash
within 0.01, as the ledger's amounts are rounded to 6 decimals and the rounding adds up over 60
periods). The check goes through the same per-path contract code as the timed run.

Accumulated per period: cumulative PD (and its standard error), cash quantiles p05/p25/p50/p75/p95
(np.percentile over all paths: the reference keeps a paths x periods array of cash), mean and sd
of SOFR and of each rent, the median and p95 LTV of the paths still alive, and each customer's
cumulative default rate.

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
  stops. The customers' defaults only stop their contracts (as in the engine).
* The default test is on the period's net cash at the period end, not payment by payment (the
  same outcome when, as here, no new money arrives mid-waterfall).
So the figures are close to `tinderbox simulate coreweave-2025`, with a PD at least as high before
the revolver matures (no backstop). With seed 1 and 100,000 paths (Nov 2025): PD at 24 months
0.0007 here against 0.0000 in the engine (paths hit by OpenAI's default, about 18.5 % of them in
five years, that run short in mid-2026, when the June 2026 GB200s are paid from cash and DDTL 2.0
repays 772 a quarter, and that the engine's revolver bridges), at 60 months 0.0042 against
0.0038; median cash at 60 months 14,095 against 14,116, p05 4,131 against 4,085 (the p05 is a
path whose OpenAI contracts stopped). The drivers' means and sds agree with the engine's `market`
output to the shown digits.
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
from statistics import NormalDist

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCENARIO = "coreweave-2025"
ENTITY = "coreweave"

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
# The scenario's `stochastic:` section (merged from the imports like `market`) and the customers'
# reduced-form `credit:`.

def _process(v, where):
    """An OU process {mean_reversion, volatility} -> (a, s)."""
    unknown = set(v) - {"mean_reversion", "volatility"}
    if unknown:
        sys.exit("%s: unknown keys %s" % (where, sorted(unknown)))
    a, s = float(v["mean_reversion"]), float(v["volatility"])
    assert a >= 0 and s >= 0, where
    return a, s


def read_stochastic(sc, gens):
    """The drivers of `stochastic:` (docs/scenario.md). A driver that is absent, or written with
    nothing after its colon, is deterministic."""
    st = sc.get("stochastic") or {}
    rate_names = list((sc["market"].get("rates") or {}))
    rates, follows = {}, {}                  # own OU process by rate; follower -> leader
    for key, v in st.items():
        if key in ("gpu", "gpu_correlation", "releases", "demand") or v is None:
            continue
        if key not in rate_names:
            sys.exit("unknown key '%s' in 'stochastic': not a rate in 'market.rates', nor gpu, "
                     "gpu_correlation, releases or demand" % key)
        if "follows" in v:
            follows[key] = v["follows"]
        else:
            rates[key] = _process(v, "stochastic." + key)
    for f, lead in follows.items():
        assert lead in rate_names and lead != f and lead not in follows, "stochastic.%s" % f
    G = len(gens)
    gpu_a, gpu_s = np.zeros(G), np.zeros(G)  # generations not listed: s = 0, the curve
    for g, v in (st.get("gpu") or {}).items():
        if v is not None:
            gpu_a[gens.index(g)], gpu_s[gens.index(g)] = _process(v, "stochastic.gpu." + g)
    corr = st.get("gpu_correlation")
    corr = np.eye(G) if not corr else np.array(corr, float)
    assert corr.shape == (G, G) and (corr == corr.T).all() and (np.diag(corr) == 1).all()
    rel = st.get("releases") or {}
    lam = float(rel.get("rate_per_year", 0) or 0)
    cut_mean = float(rel.get("cut_mean", 0) or 0)
    cut_sd = float(rel.get("cut_sd", 0) or 0)
    hits = np.array([g in (rel.get("hits") or []) for g in gens])
    dem = st.get("demand") or {}
    demand = _process({k: dem[k] for k in ("mean_reversion", "volatility")}, "stochastic.demand") \
        if dem else (0.0, 0.0)
    return dict(rates=rates, follows=follows, gpu_a=gpu_a, gpu_s=gpu_s,
                L=np.linalg.cholesky(corr),  # the lower Cholesky factor, as Eigen's LLT
                lam=lam, cut_mean=cut_mean, cut_sd=cut_sd, hits=hits,
                demand=demand, utilization_beta=float(dem.get("utilization_beta", 0) or 0))


# --------------------------------------------------------------------------------------------
# Deterministic inputs.

def _date(v):
    return v if isinstance(v, dt.date) else dt.date.fromisoformat(str(v))


def _add_months(d, m):
    y, mo = divmod(d.month - 1 + m, 12)
    return dt.date(d.year + y, mo + 1, 1)


def _add_months_day(d, m):
    """d + m calendar months, the day clamped to the month's length."""
    first = _add_months(dt.date(d.year, d.month, 1), m)
    return min(first + dt.timedelta(days=d.day - 1), _month_end(first))


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
        if kind in ("draw", "principal", "prepayment", "interest", "contract_revenue"):
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
    contracts = _items(ent.get("contracts"))
    for c in contracts:
        c["hours"] = np.zeros(K)
        if c.get("gpu") is None:
            continue
        cs, ce = _date(c["start"]), _date(c["end"])
        inside = np.array([max(0, (min(e[k], ce) - max(d[k], cs)).days + 1) for k in range(K)])
        c["hours"] = c["gpus"] * 24 * inside
        contracted_h[gens.index(c["gpu"])] += c["hours"]
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
    # $M per running GPU-hour of each generation: its power share plus the cash cost.
    cost_h = (owned_kwh / safe_owned * price / 1e9 + cc / 1e6).T            # (K, G)
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

    # The drivers, and what can stop a contract: its customer's reduced-form default (an entity
    # with `credit:`) or its own `cancel:` rule (docs/model.md, Monte Carlo).
    drivers = read_stochastic(sc, gens)
    t_end = np.array([(d[k + 1] - start).days / 365 for k in range(K)])    # t_{k+1}
    credits = []
    for name, other in sc["entities"].items():
        cr = (other or {}).get("credit")
        if not cr or not float(cr["pd_annual"]) > 0:
            continue
        h = -np.log1p(-float(cr["pd_annual"]))
        cdf = -np.expm1(-h * t_end)                                # P(tau <= t_{k+1})
        credits.append(dict(name=name, rho=float(cr["correlation"]),
                            threshold=np.array([NormalDist().inv_cdf(f) for f in cdf])))
    credit_names = [c["name"] for c in credits]
    demand_moves = drivers["demand"][1] > 0
    risky = []        # contracts that may stop: (index of the customer's credit or -1, cancel rule)
    for c in contracts:
        who = credit_names.index(c["customer"]) if c.get("customer") in credit_names else -1
        rule = c.get("cancel")
        cancel = None
        if rule and float(rule["probability"]) > 0 and demand_moves:
            p, notice = float(rule["probability"]), int(rule.get("notice_months", 0) or 0)
            ce = _date(c["end"])
            last = min(K - 1, next((k for k in range(K) if d[k] <= ce < d[k + 1]), K - 1)) \
                if ce >= d[0] else -1
            # Notice at e_k (k before the contract's last period) stops it from the first period
            # that starts on or after d_{k+1} + notice_months.
            chance = np.array([-np.expm1(np.log1p(-p) * days[k] / 365) if k < last else 0.0
                               for k in range(K)])
            stop_after = np.array([next((j for j in range(K + 1)
                                         if d[j] >= _add_months_day(d[k + 1], notice)), K + 1)
                                   for k in range(K)])
            cancel = dict(below=float(rule["demand_below"]), chance=chance, stop_after=stop_after)
        if who >= 0 or cancel:
            rev = per_instr.get((c["id"], "contract_revenue"), z)   # the ledger's, per period
            risky.append(dict(id=c["id"], credit=who, cancel=cancel, revenue=rev,
                              gen=gens.index(c["gpu"]) if c.get("gpu") else -1, hours=c["hours"]))
    R = len(risky)
    risky_rev = np.array([c["revenue"] for c in risky]).reshape(R, K).T.copy()   # (K, R)
    freed_h = np.zeros((K, G, R))          # hours a stopped contract hands back, by generation
    for j, c in enumerate(risky):
        if c["gen"] >= 0:
            freed_h[:, c["gen"], j] = c["hours"]

    series = run["entities"][ENTITY]["series"]
    return dict(
        K=K, G=G, gens=gens, dates=run["dates"], Delta=days / 365, cash0=float(ent["cash"]),
        fixed=deterministic_part, u0=u0,
        owned_h=owned_h.T.copy(), contracted_h=contracted_h.T.copy(),   # (K, G)
        C=C.T.copy(), U=U.T.copy(), cost_h=cost_h,                     # (K, G)
        drivers=drivers, credits=credits, risky=risky, risky_rev=risky_rev, freed_h=freed_h,
        rent_d=rent_d, rent_e=rent_e, lot_gen=lot_gen, lot_cut=lot_cut, lot_w=lot_w.T.copy(),
        index_d=index_d, floating=floating, fl_fix=fl_fix, fl_pay=fl_pay, fl_balyf=fl_balyf, F=F,
        debt=np.array(series["debt"]),
        run_cash=np.array(series["cash"]), run_collateral=np.array(series["collateral_market"]))


def _ou(a, s, Delta):
    """The exact OU step over Delta: (decay, sd of the shock); a Brownian motion when a = 0."""
    if a == 0:
        return np.ones_like(Delta), s * np.sqrt(Delta)
    return np.exp(-a * Delta), s * np.sqrt(-np.expm1(-2 * a * Delta) / (2 * a))


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
    """The Monte Carlo. stochastic=False zeroes every volatility, the release rate and every PD
    (the self-check against `tinderbox run`)."""
    K, G, F = inp["K"], inp["G"], inp["F"]
    dr, Delta = inp["drivers"], inp["Delta"]
    vol = 1.0 if stochastic else 0.0
    index_d = inp["index_d"]
    # Rates: an OU deviation per rate with a process of its own that moves; a follower takes its
    # leader's; every other rate is its curve (row NR of x, always 0).
    own = [n for n, (a, s) in dr["rates"].items() if s * vol > 0]
    NR = len(own)
    ou_x = [_ou(dr["rates"][n][0], dr["rates"][n][1] * vol, Delta) for n in own]
    ex_x = np.array([o[0] for o in ou_x]).reshape(NR, K)
    sd_x = np.array([o[1] for o in ou_x]).reshape(NR, K)
    row = {n: own.index(n) if n in own else NR for n in index_d}
    for f, lead in dr["follows"].items():
        row[f] = row[lead]
    # GPU rents: an OU deviation per generation (s = 0 for those not listed), correlated shocks.
    ou_y = [_ou(dr["gpu_a"][g], dr["gpu_s"][g] * vol, Delta) for g in range(G)]
    ex_y = np.array([o[0] for o in ou_y])          # (G, K)
    sd_y = np.array([o[1] for o in ou_y])
    gpu_moves = bool((sd_y > 0).any())
    L = dr["L"]
    lam = dr["lam"] * Delta * vol
    cut_mean, cut_sd = dr["cut_mean"], dr["cut_sd"]
    if cut_sd > 0:   # Beta(alpha, beta) with mean m and sd v: alpha + beta = m (1 - m) / v^2 - 1
        nu = cut_mean * (1 - cut_mean) / cut_sd ** 2 - 1
        alpha, beta = cut_mean * nu, (1 - cut_mean) * nu
    hit_rows = np.flatnonzero(dr["hits"])[:, None]
    ex_D, sd_D = _ou(dr["demand"][0], dr["demand"][1] * vol, Delta)
    demand_moves = bool((sd_D > 0).any())
    ubeta = dr["utilization_beta"]
    # What stops contracts: customers' defaults and cancel rules.
    credits = inp["credits"] if stochastic else []
    risky, risky_rev, freed_h = inp["risky"], inp["risky_rev"], inp["freed_h"]
    R = len(risky)
    contracts_of = [[j for j, c in enumerate(risky) if c["credit"] == i]
                    for i in range(len(credits))]
    cancels = [(j, c["cancel"]) for j, c in enumerate(risky) if c["cancel"] and demand_moves]

    fixed, cost_h = inp["fixed"], inp["cost_h"]
    owned_h, contracted_h, C, U = inp["owned_h"], inp["contracted_h"], inp["C"], inp["U"]
    rent_d, rent_e, debt = inp["rent_d"], inp["rent_e"], inp["debt"]
    lot_gen, lot_cut, lot_w = inp["lot_gen"], inp["lot_cut"], inp["lot_w"]
    floating, fl_fix, fl_pay, fl_balyf = inp["floating"], inp["fl_fix"], inp["fl_pay"], inp["fl_balyf"]
    # Each floating coupon on the curves, per period (the deterministic run's fixing).
    curve_coupon = np.array([[_coupon(f, {n: v[k] for n, v in index_d.items()}) for f in floating]
                             for k in range(K)]).reshape(K, F)

    rng = np.random.default_rng(seed)
    cash_all = np.empty((K, paths))   # period-major: each period's cash is one contiguous row
    ltv_all = np.empty((K, paths))
    default_k = np.full(paths, K)     # K: no default within the horizon
    credit_k = np.full((len(credits), paths), K)   # the customers' default periods
    s_sofr, q_sofr = np.zeros(K), np.zeros(K)
    s_rent, q_rent = np.zeros((K, G)), np.zeros((K, G))
    collateral_mean = np.zeros(K)
    lot_cut_col = lot_cut[:, None]

    for b0 in range(0, paths, batch):
        B = min(batch, paths - b0)
        x = np.zeros((NR + 1, B))       # rate deviations; the last row stays 0
        y = np.zeros((G, B))            # log rent deviations, one row per generation
        logJ = np.zeros((G, B))         # log of the release jumps
        E = np.ones((G, B))             # exp(y + logJ): rent / curve
        D = np.zeros(B)                 # demand factor
        cash = np.full(B, inp["cash0"])
        alive = np.ones(B, bool)
        dk = np.full(B, K)
        dcoupon = np.zeros((F, B))      # path coupon - curve coupon, fixed per accrual
        accrued = np.zeros((F, B))      # interest difference accrued, not yet paid
        # Customers' defaults, one-factor Gaussian copula: X = sqrt(rho) Z + sqrt(1 - rho) eps,
        # defaulted by the end of period k when X <= Phi^-1(F(t_{k+1})). Each of its contracts
        # stops (pays nothing, frees its GPU-hours) from that period on; K = never.
        stop = np.full((R, B), K)
        if credits:
            zc = rng.standard_normal((len(credits) + 1, B))
            for i, c in enumerate(credits):
                X = np.sqrt(c["rho"]) * zc[0] + np.sqrt(1 - c["rho"]) * zc[i + 1]
                ck = np.searchsorted(c["threshold"], X, side="left")   # first k: X <= threshold
                credit_k[i, b0:b0 + B] = ck
                stop[contracts_of[i]] = ck
        noticed = np.zeros((len(cancels), B), bool)
        for k in range(K):
            rent = rent_d[k][:, None] * E                           # (G, B), on d_k
            u = np.clip(inp["u0"] + ubeta * D, 0.0, 1.0)

            # Floating debt: refix at an accrual start, accrue, pay on payment dates.
            if fl_fix[k].any():
                idx = {n: v[k] + x[row[n]] for n, v in index_d.items()}
                for i in np.flatnonzero(fl_fix[k]):
                    dcoupon[i] = _coupon(floating[i], idx) - curve_coupon[k, i]
            accrued += dcoupon * fl_balyf[k][:, None]
            extra_interest = 0.0
            if fl_pay[k].any():
                extra_interest = accrued[fl_pay[k]].sum(0)
                accrued[fl_pay[k]] = 0.0

            # Contracted and uncontracted hours: a stopped contract pays nothing and its hours
            # become uncontracted.
            if R:
                stopped = (stop <= k).astype(float)                 # (R, B)
                lost = risky_rev[k] @ stopped
                contracted = contracted_h[k][:, None] - freed_h[k] @ stopped
                Cp = np.minimum(contracted, owned_h[k][:, None])
                Up = np.maximum(owned_h[k][:, None] - contracted, 0.0)
            else:
                lost, Cp, Up = 0.0, C[k][:, None], U[k][:, None]
            # spot revenue - power - opex = u sum_g U (rent - cost) - sum_g C cost, per GPU-hour
            net = (fixed[k] - lost - extra_interest - cost_h[k] @ Cp
                   + u * ((rent * 1e-6 - cost_h[k][:, None]) * Up).sum(0))
            new_cash = cash + net
            failed = alive & (new_cash < 0)
            dk[failed] = k
            alive &= ~failed
            cash = np.where(alive, new_cash, 0.0)
            cash_all[k, b0:b0 + B] = cash
            sofr = index_d["sofr"][k] + x[row["sofr"]]
            s_sofr[k] += sofr.sum()
            q_sofr[k] += sofr @ sofr
            s_rent[k] += rent.sum(1)
            q_rent[k] += np.einsum("gb,gb->g", rent, rent)

            # Step the drivers to d_{k+1}.
            eps = rng.standard_normal((NR + G * gpu_moves + demand_moves, B))
            if NR:
                x[:NR] = x[:NR] * ex_x[:, k, None] + sd_x[:, k, None] * eps[:NR]
            if gpu_moves:
                y = y * ex_y[:, k, None] + sd_y[:, k, None] * (L @ eps[NR:NR + G])
            if demand_moves:
                D = D * ex_D[k] + sd_D[k] * eps[-1]
            if lam[k] > 0:
                n = rng.poisson(lam[k], B)
                hit = np.flatnonzero(n)
                if hit.size:
                    nh = n[hit]
                    c = (rng.beta(alpha, beta, nh.sum()) if cut_sd > 0
                         else np.full(nh.sum(), cut_mean))
                    logJ[hit_rows, hit] += np.add.reduceat(np.log1p(-c), np.cumsum(nh) - nh)
            E = np.exp(y + logJ)

            # Cancel rules: at e_k, with D(t_{k+1}) below demand_below, notice with the period's
            # probability (once per contract and path); the contract stops from stop_after[k].
            for ci, (j, cr) in enumerate(cancels):
                if cr["chance"][k] > 0:
                    notice = ~noticed[ci] & (D < cr["below"]) & (rng.random(B) < cr["chance"][k])
                    noticed[ci] |= notice
                    stop[j] = np.where(notice, np.minimum(stop[j], cr["stop_after"][k]), stop[j])

            # Collateral at e_k (income approach) with the period-end rents, and the LTV.
            rent_end = rent_e[k][:, None] * E
            value = lot_w[k] @ np.maximum(rent_end[lot_gen] - lot_cut_col, 0.0)
            collateral_mean[k] += value.sum()
            ltv_all[k, b0:b0 + B] = debt[k] / value
        default_k[b0:b0 + B] = dk

    pd = (default_k[:, None] <= np.arange(K)[None, :]).mean(0)
    qs = np.percentile(cash_all, [5, 25, 50, 75, 95], axis=1)
    mean_sofr = s_sofr / paths
    mean_rent = s_rent / paths
    return dict(
        pd=pd, pd_se=np.sqrt(pd * (1 - pd) / paths),
        cash_quantiles=dict(zip(("p05", "p25", "p50", "p75", "p95"), qs)),
        sofr_mean=mean_sofr, sofr_sd=np.sqrt(np.maximum(q_sofr / paths - mean_sofr ** 2, 0)),
        rent_mean=mean_rent, rent_sd=np.sqrt(np.maximum(q_rent / paths - mean_rent ** 2, 0)),
        ltv_all=ltv_all, default_k=default_k, collateral_mean=collateral_mean / paths,
        customer_pd={c["name"]: (credit_k[i][:, None] <= np.arange(K)[None, :]).mean(0)
                     for i, c in enumerate(credits)},
        cash_all=cash_all)


def ltv_quantiles(res):
    """Median and p95 LTV of the paths still alive, per period. Outside the timed part: the engine
    reports no LTV quantiles, so timing them would charge the reference for work the engine does
    not do."""
    K = res["ltv_all"].shape[0]
    p50, p95 = np.full(K, np.nan), np.full(K, np.nan)
    for k in range(K):
        live = res["ltv_all"][k, res["default_k"] > k]
        if live.size:
            p50[k], p95[k] = np.percentile(live, [50, 95])
    return p50, p95


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
    ltv_p50, ltv_p95 = ltv_quantiles(res)
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
    if res["customer_pd"]:
        print("customers defaulted by 60 months: %s" % ", ".join(
            "%s %.5f" % (n, v[K - 1]) for n, v in res["customer_pd"].items()))
    print("SOFR at month 60: mean %.4f sd %.4f; rents at month 60 (mean / sd): %s"
          % (res["sofr_mean"][-1], res["sofr_sd"][-1], ", ".join(
              "%s %.2f / %.2f" % (g, res["rent_mean"][-1, i], res["rent_sd"][-1, i])
              for i, g in enumerate(inp["gens"]))))
    print("LTV of surviving paths at 12 / 24 / 60 months: median %.2f / %.2f / %.2f, "
          "p95 %.2f / %.2f / %.2f" % (ltv_p50[11], ltv_p50[23], ltv_p50[-1],
                                       ltv_p95[11], ltv_p95[23], ltv_p95[-1]))


if __name__ == "__main__":
    main()
