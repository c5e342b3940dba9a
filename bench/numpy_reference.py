#!/usr/bin/env python3
"""NumPy reference Monte Carlo of the built-in scenario coreweave-2025.

What this is
------------
The Monte Carlo of CoreWeave's five years (60 monthly periods from 2025-01-01), with its SPV
coreweave_spv (DDTL 3.0's borrower), written plainly in vectorised NumPy, the way a credit analyst
who knows NumPy would write it: a Python loop over the periods, every operation vectorised over a
batch of paths. It is the yardstick `tinderbox simulate` is timed against (bench/README.md). Run it
from anywhere:

    python3 bench/numpy_reference.py [--paths N] [--batch B] [--seed S] [--json] [--compare]

It pins NumPy to one thread (OPENBLAS/OMP/MKL_NUM_THREADS=1, set before NumPy is imported) and
re-runs itself under /usr/bin/python3 (Debian's python3-numpy) when the `python3` on the PATH has
no NumPy. Python and NumPy only (and the standard library's statistics.NormalDist for the
copula's thresholds); the scenario is read by the small YAML-subset reader below. Only the Monte
Carlo (simulate() below, the cash percentiles included) is timed; the LTV quantiles, which the
engine does not report, are computed after the clock stops. It asks glibc to keep freed memory
(keep_freed_memory(); `--plain-malloc` turns that off), which only makes it faster.

Inputs (outside the timed part, as the engine's plan is outside its benchmark's)
-------------------------------------------------------------------------------
* `./build/tinderbox run coreweave-2025 --json` and `--ledger` (subprocess): the deterministic run.
  From the ledger, per period: SG&A, leases, capex (other than the sites'), equity, draws,
  interest, fees, principal and prepayments; from the JSON: the debt balance series (for the LTV)
  and the deterministic series the checks compare with.
* scenarios/builtin/coreweave-2025.yaml merged with its import coreweave-facilities.yaml (mappings
  key by key at any depth, the importing file winning; a key with nothing after its colon drops
  the imported value): the market curves and GPU parameters, the fleet and capex lots, the
  contracts (with their delivery terms), the operations, the data-center sites, the terms of the
  floating-rate debts and revolvers, the `stochastic:` section and the entities' reduced-form
  `credit:`. Everything capacity touches is COMPUTED from the scenario as docs/model.md says:
  owned GPU-hours and kW-hours of the fleet and capex lots, each contract's GPU-hours and revenue
  under its terms (prorated by days), and each site's schedule (below).
* Per-instrument balances held through each period = `outstanding` (scenario) + the ledger's
  draws - principal - prepayments of the periods before. For the floating debts without
  contract-priced portions (ddtl1, revolver) the interest these balances, fixings, day counts and
  payment dates give on the curves is checked against the ledger's interest rows.
* Sites (docs/model.md, Capacity), laid out for every number n of months a site may be late
  beyond its `delay_months` (n = 0 .. N; N and beyond: no power within the run) as the engine's
  plan lays them out: first day of power D = delivery + delay_months + n months, ramp R days,
  term end; per period the average active MW, mw (A(min(d_{k+1}, T) - D) - A(min(d_k, T) - D)) /
  days_k with A the ramp's integral; the payment per active MW, rate (1 + escalator)^y with y the
  anniversaries of D passed by d_k; an owned site's build cost by days over [construction_start,
  delivery); reimbursements in the period of their dates. For a site that can move on a path (a
  `delay:` law, or a hosted site whose host has reduced-form credit), tables [n, j, k] of what it
  changes from the schedule in period k when it is n months late and its host fails in period j
  (from j on: the MW it had on d_j, no more reimbursements): its MW, its IT MW (MW / pue) and its
  costs. These are lookups by the integers a path draws, as the engine's SitePlan keeps its
  schedule by months of delay (building them takes about 20 ms and 26 MB for coreweave-2025);
  looking them up and summing over the sites is about 6 % of the timed run.

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
* Reduced-form defaults (`credit: {pd_annual, correlation}` on an entity; coreweave-facilities.yaml:
  microsoft 0.01 %, meta and nvidia 0.03 %, openai 4 %, core_scientific 6 %, all rho = 0.3). Per
  path one common Z ~ N(0,1) and per credit entity its own eps; X = sqrt(rho) Z + sqrt(1 - rho)
  eps. With h = -ln(1 - pd_annual), the party has defaulted by the end of period k when
  X <= Phi^-1(1 - exp(-h t_{k+1})), t_{k+1} = (d_{k+1} - start) / 365; its default period is the
  first such k. A party with pd_annual 0 never defaults. A customer's default stops its
  contracts; a host's stops the build-out of its hosted sites from its default period on.
* Site delays (`delay: {probability, mean_months}` on a site delivered, with delay_months, on or
  after the start): late with that probability, then N months late with N geometric of that mean
  (numpy's rng.geometric(1 / mean): P(N = n) = (1 - q) q^(n-1), q = 1 - 1 / mean). coreweave:
  Core Scientific's six sites 35 %, 3 months; dc_2025b and dc_2026 25 %, 3 months.
* Cancel rules (`cancel: {demand_below, probability, notice_months}` on a contract; coreweave-2025
  has none): at each period end e_k before the contract's last period, if D(t_{k+1}) <
  demand_below, notice with probability 1 - (1 - probability)^Delta_k, at most once per contract
  and path; the contract then stops from the first period that starts on or after d_{k+1} +
  notice_months. Only with a demand driver that moves (otherwise D = 0 and no rule triggers).
* A contract stops at the earlier of its customer's default period and its cancel stop. From that
  period on it pays nothing and its GPU-hours leave the contracted hours of its generation (they
  become uncontracted); an `amount_per_period` contract (osprey) only loses its revenue.
* Delivery deadlines (settle_deliveries()): a contract with `delivery: {deadline, sites, remedy}`
  misses it on a path when its sites (with the path's delays and host default) are not all fully
  powered by the end of the deadline day; then `partial` keeps, from the first period after the
  deadline, the share s of its sites' MW active at the deadline (of its revenue and its
  GPU-hours), `cancel` keeps nothing, `penalty` pays penalty_per_month prorated by days from the
  deadline until the sites are fully delivered or the contract ends. coreweave: openai_1a (cs_2),
  meta_a (dc_2025b) and openai_3 (cs_5) are `partial`; each is met exactly on schedule, so any
  delay of its site, or its host's default before it is complete, cuts the contract.
The random numbers are NumPy's default_rng (PCG64), not the engine's Philox streams: the two agree
in distribution, not path by path.

The company's cash flow per path and period (docs/model.md):
    cash_k = cash_{k-1} + contract revenue + spot revenue - power - opex - site payments
             - site capex (reimbursements, builds) - delivery penalties
             + (SG&A, leases, capex, equity, draws, interest, fees, principal, prepayments: the
                ledger's) - the path's extra interest + revolver draws - their repayment
* Contracts in force: f_c = [not stopped] x (kept share of a missed deadline from its cut
  period); contracted hours_g = sum_c hours_c f_c; held_g = min(contracted_g, owned_g), open_g =
  owned_g - held_g; kw_g = owned kWh_g / owned hours_g.
* Which GPUs run (docs/model.md, Which GPUs run): C = IT kW-hours the path's sites have active,
  K_c = sum_g held_g kw_g, K_u = sum_g open_g kw_g; served = min(1, C / K_c), powered =
  min(1, max(0, C - K_c) / K_u) (1 when the K is 0). GPU contract revenue = served x sum_c due_c
  f_c, fixed-amount contracts sum_c due_c f_c; spot hours_g = u powered open_g; running_g =
  served held_g + spot hours_g; spot revenue = sum_g spot hours_g rent_g / 1e6; power + opex =
  sum_g running_g cost_g, cost_g = kw_g $/MWh / 1e9 + operations.cash_cost_per_hour / 1e6 ($M a
  running GPU-hour). (When the sites power every GPU, served = powered = 1: the model without
  capacity.) Idle GPUs, powered utilisation and revenue lost to capacity are computed only where
  the checks compare them (the engine's Monte Carlo does not report them either).
* Sites' payments and reimbursements: the schedule's, plus the table rows of the path's late and
  stopped sites.
* interest: the ledger's interest (fixed-rate debt, and floating debt at the curve) plus, for each
  floating debt (ddtl1, ddtl2, ddtl2_b, revolver), balance_k * (rate(path) - rate(curve)) * yf_k,
  rate = max(floor, index at the accrual's first day) + spread, fixed once per accrual as in
  SPEC.md §1, yf = the instrument's day count; the difference accrues and is paid on the
  instrument's payment dates, like its interest. ddtl1's ABR alternative (`use: lower`) is
  evaluated on the path's SOFR and ABR (it never binds: ABR - SOFR >= 2.2 pp, and ABR follows
  SOFR). DDTL 2.0's contract-priced portions shift the spread, not the index, so the ledger
  already carries them (a customer's default does not reprice them, in the engine either).
* Revolvers (docs/model.md, Revolvers; the revolver, 2,500 committed, 450 drawn from June 2025,
  due June 2027): a period that would end with cash below `draw_below` (0) draws the shortfall,
  within commitment - balance, at period ends before maturity. The path's draws accrue interest at
  its coupon less the undrawn fee they no longer pay, paid on the payment dates, and are repaid at
  maturity, where the revolver can no longer be drawn.
* Guarantee and distribution (the spv's, below): - the call the company pays for its spv's
  shortfall this period, before the revolver draws and the default test; + the spv's
  distribution, which reaches the company's cash after them (the engine books it at the close).
* Default: the first period whose cash ends below 0 after the revolver draws; its period is
  recorded, its cash is set to 0 and the path is frozen (cash stays 0; it leaves the LTV
  statistics).

The spv (lay_out_spvs(); docs/model.md, SPVs and guarantees; every entity of `kind: spv` whose
parent is the company, coreweave_spv here), per path and period, with the same drivers:
* Its own books: its GPUs (the GB200 lot gb200_openai_3, owned from June 2026) and its contract
  (openai_3, stopped from OpenAI's default period on the path, its GPU-hours then uncontracted),
  computed as the company's; it has no sites, so every GPU it owns can run: held = min(contracted,
  owned), spot hours = u open with u = clip(its utilization + beta D, 0, 1), power and cash cost
  on the running hours. Its capex, the DDTL 3.0 draw that pays for it (advance rate 1), the
  undrawn fee, scheduled principal and the interest on the curve are its ledger's; the interest
  re-fixed on the path's SOFR (and ABR, `use: lower`) is computed per accrual as the company's.
* pre = cash_{k-1} + its revenue - power - opex + its ledger flows - the path's extra interest.
* The guarantee (`{type: full}`): the company pays call = max(0, -pre) while it is alive (a capped
  guarantee: within what is left of its cap). The spv defaults when it is still short: when its
  parent fails in the same period (a failing parent pays only a share of what it owes) or failed
  before; an spv that is not short keeps going on its own after its parent's default, without a
  guarantee or distributions. Its cash: max(pre, 0), 0 once defaulted.
* The distribution (`distribute_above: 200`): its cash above 200 goes to the company at the period
  end while both are alive.
* Its covenants (DDTL 3.0's, `on_breach: event`: reported, no effect on cash), on the loan's
  payment dates on or after `from`, every `every`-th: min_dscr, trailing-twelve-month EBITDA over
  debt service (interest with the path's extra, fees, scheduled principal);
  min_contract_realization, trailing-twelve-month contract revenue received over due (a stopped
  contract is due but not received). Tallied as the share of paths breaching each test (the
  engine tests them on every path too, and reports no figure of them from simulate).
* Tallies: its PD per period, its cash quantiles (exact percentiles, as the company's).
* Collateral: market value of every lot owned at e_k by the income approach (docs/model.md, "Fleet
  values"), with the path's rents at the period end: rent_curve_g(e_k) * exp(y) * J taken from the
  drivers' state stepped to d_{k+1} (one day after e_k). LTV_k = total debt at e_k (the
  deterministic balance) / that value.

Accumulated per period: cumulative PD (and its standard error), cash quantiles p05/p25/p50/p75/p95
(np.percentile over all paths: the reference keeps a paths x periods array of cash), mean and sd
of SOFR and of each rent, the median and p95 LTV of the paths still alive, and each reduced-form
party's cumulative default rate.

Checks against the engine (before anything is timed)
----------------------------------------------------
* With every volatility, the release rate and every PD at zero, simulate() must reproduce
  `tinderbox run`: cash within 0.01 (the ledger's 6-decimal rounding adds up over 60 periods),
  collateral value within 1e-6, each flow kind it computes (contract revenue net of penalties,
  spot revenue, power, opex, site payments, site capex, the guarantee paid and the distribution
  received) within 1e-4 of the ledger's rows, per period, and the active_mw, idle_gpus and
  revenue_lost_capacity series; for the spv likewise its cash (0.01) and its contract and spot
  revenue, power, opex, guarantee received and distribution paid (1e-4), and its covenant
  breaches on exactly the engine's dates (none in coreweave-2025).
* The same with the spv's DSCR test tightened to 4.5x on every other payment date
  (covenant_inputs()): the engine breaches it on six dates, the reference must on those six.
* The same with late sites (check_deterministic(late=LATE)): the engine runs the scenario with
  cs_2, dc_2025b, cs_5 and dc_2026 2, 1, 1 and 5 months late written as `delay_months`, meta_a's
  remedy a penalty and meta_b given a deadline on cs_5 with a cancellation (openai_3, which had
  one, is the spv's now), dc_2025a ending within the run with a pue of
  1.25 and an owned site added; the reference runs the same scenario without the lateness and
  makes those sites late through the code that applies a path's random delays. Every figure must
  agree as above (they do to 2e-5 in cash: the partial, penalty and cancel remedies, idle GPUs,
  escalators after a delay, a term's end, an owned site's build all exercised).
* --compare runs `tinderbox simulate` on as many paths and checks that the company's and the
  spv's PD, each reduced-form party's PD and the company's and the spv's cash quantiles at each
  year end agree within 3 combined standard errors (a quantile's from the reference's order
  statistics, plus the engine's sketch accuracy of 0.5 %): 85 figures. Before the spv (55 figures,
  seeds 1, 2, 3) all agreed, and taking out the host's stop, the site delays or the revolver's
  draws made 6, 22 and 1 of them disagree; with the spv, 50,000 paths, seeds 1, 2 and 3: all 85
  agree.
  What only the statistical check covers: the host default's stop, the revolver draws, the
  spv's guarantee calls on paths where OpenAI's default stops its contract, and its default with
  its parent's (no deterministic run runs short). The spv's covenant breaches on random paths are
  not compared: simulate reports no figure of them.

What it leaves out, and in whose favour
---------------------------------------
None of these changes a figure of coreweave-2025 (the checks above say so); all but the last two
are work the engine does per path and the reference does not, so they flatter the reference's
speed:
* Debt is the ledger's: balances, scheduled draws, amortization, fixed-rate interest and fees are
  read once, not run per path through the instruments' accruals and payment dates as the engine
  does (only floating coupons and the revolver's shortfall draws are per path). Exact here, since
  nothing path-dependent moves a balance but the revolver: no borrowing base, cash sweep or
  new-money prepayment is active (DDTL 2.0's from-new-debt prepayment is switched off), no
  contingent equity, and repay_above is not modelled (the script refuses a revolver with it).
* The company's covenants are not tested (ddtl1's min_liquidity 56 only reports a breach in this
  scenario); the spv's are (above).
* No recoveries or lender losses on default, no accrued-interest claims, no lender EL/VaR/ES,
  runway quantiles or default-count histogram; a defaulted path simply stops.
* No events (capacity shortfalls, missed deadlines, stopped sites, contract stops, guarantee
  calls, covenant breaches as events).
* No network clearing: the company and its spv owe each other only the guarantee and the
  distribution, so the reference nets them in the company's cash; the engine runs every period
  in the network's phases and clears on about 5 of a path's 60 periods (bench/README.md).
* The default test is on the period's net cash at the period end, not payment by payment (the
  same outcome when, as here, no new money arrives mid-waterfall).
* In the engine's favour: exact cash percentiles over a paths x periods array (np.percentile,
  about 19 % of the reference's time for 100,000 paths) where the engine keeps a 0.5 % quantile
  sketch.
With seed 1 and 50,000 paths (Dec 2026 build, capacity and the spv included) the two give:
CoreWeave's PD at 36 months 0.0063 here against 0.0057 in the engine, at 48 months 0.0297
against 0.0302, at 60 months 0.0982 against 0.0995; its median cash at 60 months 6,156 against
6,164, p25 3,934 against 3,881; the spv's PD at 60 months 0.0924 against 0.0930 (--compare
prints the table; seeds 2 and 3: all 85 figures agree too). The check has power on the spv:
letting the spv's shortfalls be paid after its parent's default puts 5 figures outside (its PD
is then 0), and not charging CoreWeave the guarantee fails the deterministic check (cash 12.1).
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

NEVER = 10 ** 9   # a serial day beyond any run


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


def _month(d):
    return d.year * 12 + d.month - 1


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


def _ramp_area(x, r):
    """MW-days of a 1 MW site x days after its delivery, ramping over r days (docs/model.md)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(x <= 0, 0.0, np.where(x >= r, x - r / 2, x * x / (2.0 * r)))


def _ramp_level(x, r):
    """The share of a site's MW active x days after its delivery."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(x < 0, 0.0, np.where(x >= r, 1.0, x / r))


def scenario_path(name):
    return name if name.endswith(".yaml") else os.path.join(REPO, "scenarios", "builtin",
                                                             name + ".yaml")


def deterministic_run(tinderbox, scenario):
    with tempfile.TemporaryDirectory() as tmp:
        ledger = os.path.join(tmp, "ledger.csv")
        out = subprocess.run([tinderbox, "run", scenario, "--json", "--ledger", ledger],
                             check=True, capture_output=True, text=True).stdout
        with open(ledger, newline="") as f:
            rows = list(csv.DictReader(f))
    return json.loads(out), rows


def read_ledger(ledger, kidx, K, contract_ids, site_ids, entity=ENTITY, modelled=None):
    """The engine's ledger of one entity per period: totals by kind, with revenue split into
    contract and spot revenue and the sites' payments and capex apart; and per (instrument,
    kind)."""
    modelled = MODELLED_KINDS if modelled is None else modelled
    flow, per_instr = {}, {}
    for r in ledger:
        if r["entity"] != entity:
            continue
        k, kind, instr, amt = kidx[r["date"]], r["kind"], r["instrument"], float(r["amount"])
        if kind == "revenue":
            kind = "spot_revenue" if instr.startswith("spot:") else "contract_revenue"
            assert kind == "spot_revenue" or instr in contract_ids, instr
        elif kind in ("lease", "capex") and instr in site_ids:
            kind = "site_" + kind
        flow.setdefault(kind, np.zeros(K))[k] += amt
        per_instr.setdefault((instr, kind), np.zeros(K))[k] += amt
    unknown = set(flow) - set(modelled) - set(LEDGER_KINDS)
    assert not unknown, "ledger kinds this reference does not model: %s" % sorted(unknown)
    return flow, per_instr


# Kinds the reference takes from the deterministic ledger, and those it computes per path.
LEDGER_KINDS = ("sga", "lease", "capex", "equity", "draw", "interest", "fee", "principal",
                "prepayment")
MODELLED_KINDS = ("contract_revenue", "spot_revenue", "power", "opex", "site_lease", "site_capex",
                  "guarantee", "distribution")
# The spv's: its operations, and what passes between it and its parent.
SPV_KINDS = ("contract_revenue", "spot_revenue", "power", "opex", "guarantee", "distribution")


def lay_out_gpus(ent, gens, d, e, hours, K, start):
    """GPU-hours per generation and period from the fleet, capex and contracts (docs/model.md):
    owned hours and kW-hours, and each contract's hours and revenue under its terms."""
    G = len(gens)
    lots = _items(ent.get("fleet"))
    for c in _items(ent.get("capex")):
        lots.append(dict(c, acquired=c["date"]))
    owned_h, owned_kwh = np.zeros((G, K)), np.zeros((G, K))
    lot_owned = np.zeros((len(lots), K))
    for li, lot in enumerate(lots):
        acq = _date(lot["acquired"])
        first = 0 if acq < start else next(k for k in range(K) if d[k] <= acq < d[k + 1]) \
            if acq < d[K] else K
        lot_owned[li, first:] = 1
        g = gens.index(lot["gpu"])
        owned_h[g] += lot_owned[li] * lot["units"] * hours
        owned_kwh[g] += lot_owned[li] * lot["units"] * lot["kw_per_gpu"] * hours
    contracts = _items(ent.get("contracts"))
    for c in contracts:
        cs, ce = _date(c["start"]), _date(c["end"])
        inside = np.array([max(0, (min(e[k], ce) - max(d[k], cs)).days + 1) for k in range(K)])
        c["gen"] = gens.index(c["gpu"]) if c.get("gpu") is not None else -1
        c["hours"] = c["gpus"] * 24.0 * inside if c["gen"] >= 0 else np.zeros(K)
        c["due"] = (c["hours"] * c["price_per_gpu_hour"] / 1e6 if c["gen"] >= 0
                    else c["amount_per_period"] * inside / (hours / 24))
    return lots, lot_owned, owned_h, owned_kwh, contracts


def lay_out_site(site, d, days, K, start):
    """One data-center site on the period grid (docs/model.md, Capacity), for every number n of
    months it may be late beyond its `delay_months`: row n of each table is that delay, and the
    last row, N, delivers nothing within the run (as every larger delay). Per row: the first day
    of power D, the ramp's days R; per row and period: the average MW active, the payment per
    active MW (rate x escalator step-up), the share of the period's days inside the term; per row
    and period start: the share of the MW active on that day (where a failed host freezes it)."""
    owned = site["type"] == "owned"
    delivery = _date(site["delivery"])
    delay0 = int(site.get("delay_months") or 0)
    ramp_m, term_m = int(site.get("ramp_months") or 0), int(site.get("term_months") or 0)
    rate = 0.0 if owned else float(site["payment_per_mw_per_period"])
    esc = float(site.get("escalator") or 0)
    first = _add_months_day(delivery, delay0)
    N = max(1, _month(d[K - 1]) - _month(first) + 2)
    lo = np.array([x.toordinal() for x in d[:K]])
    nxt = np.array([x.toordinal() for x in d[1:K + 1]])
    month_k = np.array([_month(x) for x in d[:K]])
    D, R = np.full(N + 1, NEVER), np.zeros(N + 1, int)
    mw, pay, interm = np.zeros((N + 1, K)), np.zeros((N + 1, K)), np.zeros((N + 1, K))
    for n in range(N):
        on = _add_months_day(delivery, delay0 + n)
        D[n] = on.toordinal()
        R[n] = (_add_months_day(on, ramp_m) - on).days
        T = _add_months_day(on, term_m).toordinal() if term_m else NEVER
        hi = np.minimum(nxt, T)
        live = (hi > lo) & (hi > D[n])
        mw[n] = np.where(live, _ramp_area(hi - D[n], R[n]) - _ramp_area(lo - D[n], R[n]), 0) / days
        # Whole years from the delivery to the period's first day: anniversaries passed.
        years = np.where(lo < D[n], 0, (month_k - _month(on) - (on.day > 1)) // 12)
        pay[n] = rate * (1 + esc) ** years
        interm[n] = np.maximum(0, hi - lo) / days
    level = _ramp_level(lo[None, :] - D[:, None], R[:, None])
    reimb, build = np.zeros(K), np.zeros(K)
    for date, amount in site.get("reimbursement") or []:
        k = _period_of(_date(date), d, K)
        if 0 <= k < K:
            reimb[k] += amount
    if owned and site["mw"] * site["capex_per_mw"] > 0:
        total = site["mw"] * site["capex_per_mw"]
        if site.get("construction_start") is None:
            k = _period_of(delivery, d, K)
            if 0 <= k < K:
                build[k] = total
        else:
            cs = _date(site["construction_start"]).toordinal()
            de = delivery.toordinal()
            build = total * np.maximum(0, np.minimum(nxt, de) - np.maximum(lo, cs)) / (de - cs)
    it_share = 1.0 / float(site.get("pue") or 1.0)
    return dict(id=site["id"], mw=float(site["mw"]), it_share=it_share, N=N, D=D, R=R,
                mw_tab=site["mw"] * mw, pay_tab=pay, interm=interm, level=level,
                reimb=reimb, build=build, hosted=site["type"] == "hosted",
                host=site.get("host"), delay=site.get("delay"),
                can_be_late=bool(site.get("delay")) and float(site["delay"]["probability"]) > 0
                and first >= start)


def site_changes(s, K):
    """What a late or stopped site changes from its schedule, by months late n and the period j
    from which its failed host builds no more (j = K: never; only j = K when its host cannot
    fail), per period k: tables [n, j, k] of its MW, its IT MW (MW / pue) and its costs (payment
    and the reimbursements a failed host no longer gets). From period j on, the site keeps the MW
    it had on d_j (docs/model.md, Monte Carlo)."""
    J = K + 1 if s["host_credit"] >= 0 else 1
    j = np.arange(J) if J > 1 else np.array([K])
    after = np.arange(K)[None, :] >= j[:, None]                       # (J, K)
    base_cost = s["mw_tab"][0] * s["pay_tab"][0]
    dmw, dcost = np.zeros((s["N"] + 1, J, K)), np.zeros((s["N"] + 1, J, K))
    for n in range(s["N"] + 1):
        frozen = s["mw"] * s["level"][n, np.minimum(j, K - 1)]        # (J,)
        mw = np.where(after, frozen[:, None] * s["interm"][n], s["mw_tab"][n])
        dmw[n] = mw - s["mw_tab"][0]
        dcost[n] = mw * s["pay_tab"][n] - base_cost - after * s["reimb"]
    return dict(dmw=dmw, dmw_it=dmw * s["it_share"], dcost=dcost)


def _period_of(x, d, K):
    """The period whose days contain date x: -1 before the run, K after it."""
    if x < d[0]:
        return -1
    return next((k for k in range(K) if x < d[k + 1]), K)


def lay_out_deliveries(contracts, site_ids, d, K):
    """Contracts with delivery terms: deadline, sites, remedy (docs/model.md, Delivery
    deadlines)."""
    out = []
    for ci, c in enumerate(contracts):
        dl = c.get("delivery")
        if not dl:
            continue
        deadline = _date(dl["deadline"]).toordinal()
        out.append(dict(
            contract=ci, deadline=deadline, sites=[site_ids.index(s) for s in dl["sites"]],
            remedy=dl["remedy"], penalty=float(dl.get("penalty_per_month") or 0),  # monthly
            cut_from=next((k for k in range(K) if d[k].toordinal() >= deadline + 1), K),
            last_day=_date(c["end"]).toordinal() + 1))
    return out


def lay_out_floating(ent, index_d, per_instr, d, e, K):
    """Floating-rate debt: balance held through each period, accrual fixings and payment dates.
    Checks, for the debts without contract-priced portions, the interest they give on the curves
    against the ledger."""
    z = np.zeros(K)
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
            use=rate.get("use", "primary"), bal_yf=bal * yf, yf=yf, pays=pays, fixes=fixes)
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
    return floating


def lay_out_revolvers(ent, floating, per_instr, e, K):
    """Revolvers, for the draws a path's shortfall makes on them (docs/model.md, Revolvers):
    when a period would end with cash below `draw_below`, they are drawn up to it, within
    commitment - balance, at period ends before maturity; what was drawn so accrues interest at
    the path's coupon, saves the undrawn fee on it, and is repaid at maturity (revolvers are
    bullet). The deterministic schedule (its draws, interest, fees) is the ledger's."""
    z = np.zeros(K)
    out = []
    for debt_id, t in (ent.get("debt") or {}).items():
        if t.get("type") != "revolver":
            continue
        assert t.get("repay_above") is None, "%s: repay_above is not modelled" % debt_id
        assert not t.get("available_until"), "%s: available_until is not modelled" % debt_id
        mat = _date(t["maturity"])
        fl = next((i for i, f in enumerate(floating) if f["id"] == debt_id), -1)
        assert fl >= 0, "%s: only a floating-rate revolver is modelled" % debt_id
        bal_end = float(t.get("outstanding") or 0) + np.cumsum(
            per_instr.get((debt_id, "draw"), z) + per_instr.get((debt_id, "principal"), z)
            + per_instr.get((debt_id, "prepayment"), z))
        before = np.array([x < mat for x in e])     # draws and the undrawn fee end at maturity
        out.append(dict(
            id=debt_id, floating=fl, yf=floating[fl]["yf"], can_draw=before,
            fee=float((t.get("fees") or {}).get("undrawn", 0) or 0) * before,
            maturity=next((k for k in range(K) if e[k] == mat), K),
            room=float(t["commitment"]) - bal_end, draw_below=float(t.get("draw_below") or 0)))
    return out


def read_credits(sc, d, start, K):
    """The reduced-form parties (`credit:` with pd_annual > 0): copula thresholds by period."""
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
    return credits


def read_cancel(c, d, days, K, demand_moves):
    """A contract's `cancel:` rule on the period grid, or None."""
    rule = c.get("cancel")
    if not rule or not float(rule["probability"]) > 0 or not demand_moves:
        return None
    p, notice = float(rule["probability"]), int(rule.get("notice_months", 0) or 0)
    ce = _date(c["end"])
    last = min(K - 1, next((k for k in range(K) if d[k] <= ce < d[k + 1]), K - 1)) \
        if ce >= d[0] else -1
    # Notice at e_k (k before the contract's last period) stops it from the first period that
    # starts on or after d_{k+1} + notice_months.
    chance = np.array([-np.expm1(np.log1p(-p) * days[k] / 365) if k < last else 0.0
                       for k in range(K)])
    stop_after = np.array([next((j for j in range(K + 1)
                                 if d[j] >= _add_months_day(d[k + 1], notice)), K + 1)
                           for k in range(K)])
    return dict(below=float(rule["demand_below"]), chance=chance, stop_after=stop_after)


COVENANTS = {"min_dscr": "dscr", "min_contract_realization": "realization"}


def spv_covenants(name, ent, floating, e, K):
    """An spv's covenant tests (docs/model.md, Covenants): for each, its debt, kind, limit and the
    periods it is tested in (the debt's payment dates on or after `from`, every `every`-th). With
    `on_breach: event` (the default) a breach is only reported, as here; acceleration is not
    modelled (refused)."""
    tests = []
    for debt_id, t in (ent.get("debt") or {}).items():
        cov = dict(t.get("covenants") or {})
        assert cov.pop("on_breach", "event") == "event", "%s: on_breach: default" % debt_id
        f = next((f for f in floating if f["id"] == debt_id), None)
        assert f is not None or not cov, "%s: covenants of a fixed-rate debt" % debt_id
        for kind, v in cov.items():
            assert kind in COVENANTS, "%s.%s: not modelled" % (debt_id, kind)
            v = v if isinstance(v, dict) else {"limit": v}
            frm = _date(v["from"]) if v.get("from") is not None else None
            dates = [k for k in range(K) if f["pays"][k] and (frm is None or e[k] >= frm)]
            dates = dates[::int(v.get("every") or 1)]
            waived = {_date(w) for w in v.get("waived") or []}
            tests.append(dict(debt=debt_id, kind=COVENANTS[kind], covenant=kind,
                              limit=float(v["limit"]),
                              periods={k for k in dates if e[k] not in waived}))
    return tests


def lay_out_spvs(sc, run, ledger, gens, d, e, hours, K, start, kidx, index_d, credit_names):
    """The spvs of the company (`kind: spv`, `parent` the company; docs/model.md, SPVs and
    guarantees): each with its own books — its GPUs and contracts (no sites: every GPU it owns
    can run), its operations, its floating-rate debt re-fixed on the path's rates, the rest of
    its debt service, capex and draws from its ledger — its parent's guarantee (full or capped)
    and its `distribute_above`."""
    mkt, out = sc["market"], []
    price = mkt["power_usd_per_mwh"]
    for name, ent in sc["entities"].items():
        if (ent or {}).get("kind") != "spv" or ent.get("parent") != ENTITY:
            continue
        for key in ("sites", "leases", "equity"):
            assert not ent.get(key), "%s: %s of an spv are not modelled" % (name, key)
        assert not any(t.get("type") == "revolver" for t in (ent.get("debt") or {}).values()), \
            "%s: an spv's revolver is not modelled" % name
        lots, lot_owned, owned_h, owned_kwh, contracts = lay_out_gpus(ent, gens, d, e, hours, K,
                                                                      start)
        assert not any(c.get("cancel") or c.get("delivery") for c in contracts), name
        flow, per_instr = read_ledger(ledger, kidx, K, {c["id"] for c in contracts}, set(),
                                      entity=name, modelled=SPV_KINDS)
        z = np.zeros(K)
        floating = lay_out_floating(ent, index_d, per_instr, d, e, K)
        ops = ent.get("operations") or {}
        cc = float(ops.get("cash_cost_per_hour") or 0)
        kw = np.where(owned_h > 0, owned_kwh / np.where(owned_h > 0, owned_h, 1.0), 0.0)
        Cn = len(contracts)
        hours_c = np.zeros((K, len(gens), Cn))
        for j, c in enumerate(contracts):
            if c["gen"] >= 0:
                hours_c[:, c["gen"], j] = c["hours"]
        gpu_c = np.array([c["gen"] >= 0 for c in contracts], bool)
        due = np.array([c["due"] for c in contracts]).reshape(Cn, K).T
        due_gpu, due_fixed = due * gpu_c, due * ~gpu_c
        g = ent.get("guarantee") or {}
        F = len(floating)
        # Only the generations it ever owns or contracts (GB200 alone for coreweave_spv).
        own = np.flatnonzero((owned_h > 0).any(1) | (hours_c > 0).any((0, 2)))
        kw, owned_h, hours_c = kw[own], owned_h[own], hours_c[:, own]
        out.append(dict(
            name=name, cash0=float(ent.get("cash") or 0), power_price=price, gens=own,
            tests=spv_covenants(name, ent, floating, e, K),
            service=-sum(flow.get(kd, z) for kd in ("interest", "fee", "principal")),
            due=due.sum(1),
            fixed=sum(flow.get(kd, z) for kd in LEDGER_KINDS),
            u0=float(ops.get("utilization") or 0), cc=cc, kw=kw.T.copy(),
            owned_h=owned_h.T.copy(), cost_h=(kw * price / 1e9 + cc / 1e6).T,
            by_c=np.concatenate([hours_c, due_gpu[:, None], due_fixed[:, None]], 1),
            credit=np.array([credit_names.index(c["customer"]) if c.get("customer") in
                             credit_names else -1 for c in contracts], int),
            guarantee=g.get("type", "none"), cap=float(g.get("cap") or 0),
            distribute_above=ent.get("distribute_above"),
            floating=floating, F=F,
            fl_fix=np.array([f["fixes"] for f in floating]).reshape(F, K).T,
            fl_pay=np.array([f["pays"] for f in floating]).reshape(F, K).T,
            fl_balyf=np.array([f["bal_yf"] for f in floating]).reshape(F, K).T,
            curve_coupon=np.array([[_coupon(f, {n: v[k] for n, v in index_d.items()})
                                    for f in floating] for k in range(K)]).reshape(K, F),
            ledger=flow, series=run["entities"][name]["series"]))
    return out


def build_inputs(tinderbox, scenario=SCENARIO, run_scenario=None):
    """Everything the Monte Carlo needs that does not depend on the path. `run_scenario` (default:
    the same) is the file whose deterministic run gives the ledger (the late-delivery check runs
    the engine on the scenario with its lateness written in)."""
    run, ledger = deterministic_run(tinderbox, run_scenario or scenario)
    sc = load_scenario(scenario_path(scenario))
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
    gens = list(mkt["gpu"])
    G = len(gens)

    lots, lot_owned, owned_h, owned_kwh, contracts = lay_out_gpus(ent, gens, d, e, hours, K, start)
    sites = [lay_out_site(s, d, days, K, start) for s in _items(ent.get("sites"))]
    site_ids = [s["id"] for s in sites]
    flow, per_instr = read_ledger(ledger, kidx, K, {c["id"] for c in contracts}, set(site_ids))
    z = np.zeros(K)
    deterministic_part = sum(flow.get(kd, z) for kd in LEDGER_KINDS)

    # $M per running GPU-hour of each generation: its power share plus the cash cost; the
    # generation's average kW per GPU (docs/model.md, Which GPUs run).
    ops = ent["operations"]
    u0, cc, price = ops["utilization"], ops["cash_cost_per_hour"], mkt["power_usd_per_mwh"]
    kw = np.where(owned_h > 0, owned_kwh / np.where(owned_h > 0, owned_h, 1.0), 0.0)   # (G, K)
    cost_h = (kw * price / 1e9 + cc / 1e6).T                                          # (K, G)
    rent_d = np.stack([_curve(mkt["gpu"][g]["rent"], d[:K]) for g in gens], 1)   # (K, G)
    rent_e = np.stack([_curve(mkt["gpu"][g]["rent"], e) for g in gens], 1)

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

    index_d = {n: _curve(pts, d[:K]) for n, pts in mkt["rates"].items()}
    floating = lay_out_floating(ent, index_d, per_instr, d, e, K)
    F = len(floating)
    revolvers = lay_out_revolvers(ent, floating, per_instr, e, K)
    drivers = read_stochastic(sc, gens)
    credits = read_credits(sc, d, start, K)
    credit_names = [c["name"] for c in credits]
    for c in contracts:
        c["credit"] = credit_names.index(c["customer"]) if c.get("customer") in credit_names else -1
        c["cancel"] = read_cancel(c, d, days, K, drivers["demand"][1] > 0)
    for s in sites:   # a hosted site whose host can default stops being built when it does
        s["host_credit"] = credit_names.index(s["host"]) if s["hosted"] and \
            s["host"] in credit_names else -1
        if s["can_be_late"] or s["host_credit"] >= 0:
            s.update(site_changes(s, K))
    Cn = len(contracts)
    hours_c = np.zeros((K, G, Cn))        # each GPU contract's hours, by generation
    for j, c in enumerate(contracts):
        if c["gen"] >= 0:
            hours_c[:, c["gen"], j] = c["hours"]
    gpu_c = np.array([c["gen"] >= 0 for c in contracts])
    due = np.array([c["due"] for c in contracts]).reshape(Cn, K).T                # (K, Cn)

    kwh_per_mw = 1000.0 * hours   # IT kW-hours of one MW over each period
    series = run["entities"][ENTITY]["series"]
    return dict(
        K=K, G=G, gens=gens, dates=run["dates"], Delta=days / 365, cash0=float(ent["cash"]),
        days=days, hours=hours, d_ord=np.array([x.toordinal() for x in d]),
        fixed=deterministic_part, u0=u0, cc=cc, power_price=price,
        owned_h=owned_h.T.copy(), kw=kw.T.copy(), installed=owned_kwh.sum(0), cost_h=cost_h,
        hours_c=hours_c, due_gpu=due * gpu_c, due_fixed=due * ~gpu_c, contracts=contracts,
        sites=sites, deliveries=lay_out_deliveries(contracts, site_ids, d, K),
        kwh_per_mw=kwh_per_mw,
        cap0=sum(s["mw_tab"][0] * s["it_share"] for s in sites) * kwh_per_mw if sites else None,
        mw0=sum(s["mw_tab"][0] for s in sites) if sites else np.zeros(K),
        site_pay0=sum(s["mw_tab"][0] * s["pay_tab"][0] for s in sites) if sites else np.zeros(K),
        site_build=sum(s["build"] for s in sites) if sites else np.zeros(K),
        drivers=drivers, credits=credits,
        rent_d=rent_d, rent_e=rent_e, lot_gen=lot_gen, lot_cut=lot_cut, lot_w=lot_w.T.copy(),
        index_d=index_d, floating=floating, F=F, revolvers=revolvers,
        fl_fix=np.array([f["fixes"] for f in floating]).T,       # (K, F)
        fl_pay=np.array([f["pays"] for f in floating]).T,        # (K, F)
        fl_balyf=np.array([f["bal_yf"] for f in floating]).T,    # (K, F)
        debt=np.array(series["debt"]), ledger=flow, series=series, events=run["events"],
        spvs=lay_out_spvs(sc, run, ledger, gens, d, e, hours, K, start, kidx, index_d,
                          credit_names))
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

def draw_sites(inp, rng, B, stochastic, late, credit_k):
    """Per site and path: the months it is late beyond its schedule (0 .. N; N: no power within
    the run) and the period from which its failed host builds no more (K: never). `late` forces
    the same lateness on every path (the late-delivery check)."""
    sites, K = inp["sites"], inp["K"]
    n = np.zeros((len(sites), B), int)
    stop = np.full((len(sites), B), K)
    for i, s in enumerate(sites):
        if late is not None:
            n[i] = min(late.get(s["id"], 0), s["N"])
        elif stochastic and s["can_be_late"]:
            p, m = float(s["delay"]["probability"]), float(s["delay"]["mean_months"])
            is_late = np.flatnonzero(rng.random(B) < p)
            # N months late, geometric with mean m: P(N = j) = (1 - q) q^(j - 1), q = 1 - 1/m.
            n[i, is_late] = np.minimum(rng.geometric(1 / m, is_late.size), s["N"])
        if s["host_credit"] >= 0 and stochastic:
            stop[i] = credit_k[s["host_credit"]]
    return n, stop


def site_paths(inp, n, stop, B, record):
    """What the paths' late and stopped sites change from the schedule, per period and path
    (K, B): the sites' IT MW and their costs; with `record`, their MW too. A path on schedule
    looks up row [0, K] (or [0, 0]), which changes nothing."""
    K = inp["K"]
    dmw_it, dcost = np.zeros((B, K)), np.zeros((B, K))   # path-major: a path's row is contiguous
    dmw = np.zeros((B, K)) if record else None
    for i, s in enumerate(inp["sites"]):
        if "dcost" not in s:     # a site that can be neither late nor stopped
            continue
        at = n[i], stop[i] if s["dcost"].shape[1] > 1 else 0
        dmw_it += s["dmw_it"][at]
        dcost += s["dcost"][at]
        if record:
            dmw += s["dmw"][at]
    return (np.ascontiguousarray(dmw_it.T), np.ascontiguousarray(dcost.T),
            dmw.T if record else None)


def settle_deliveries(inp, n, stop, B):
    """Each delivery contract's outcome on each path (docs/model.md, Delivery deadlines): the
    share of it kept from its cut_from period on (1 when its sites were in time), and for a
    penalty remedy the day its sites are fully delivered (the penalty runs until then)."""
    sites, K, d_ord = inp["sites"], inp["K"], inp["d_ord"]
    kept, penalties = np.ones((len(inp["contracts"]), B)), []
    for dl in inp["deliveries"]:
        t = dl["deadline"] + 1                    # the end of the deadline day
        mw, active, full = 0.0, 0.0, np.zeros(B, int)
        for i in dl["sites"]:
            s = sites[i]
            D, R = s["D"][n[i]], s["R"][n[i]]
            frozen = np.where(stop[i] < K, d_ord[np.minimum(stop[i], K)], NEVER)
            active = active + s["mw"] * _ramp_level(np.minimum(t, frozen) - D, R)
            full = np.maximum(full, np.where(frozen >= D + R, D + R, NEVER))
            mw += s["mw"]
        missed = full > t
        share = active / mw if mw > 0 else 1.0
        kept[dl["contract"]] = np.where(missed, {"cancel": 0.0, "partial": share,
                                                 "penalty": 1.0}[dl["remedy"]], 1.0)
        if dl["remedy"] == "penalty" and dl["penalty"] > 0 and missed.any():
            penalties.append((dl, np.where(missed, full, t)))
    return kept, penalties


def penalty_at(inp, penalties, k):
    """This period's delivery penalties, per path: penalty_per_month x the share of the period's
    days from the deadline until the sites are delivered (or the contract ends)."""
    lo_k, hi_k, out = inp["d_ord"][k], inp["d_ord"][k + 1], 0.0
    for dl, full in penalties:
        lo = max(dl["deadline"] + 1, lo_k)
        hi = np.minimum(full, min(dl["last_day"], hi_k))
        out = out + dl["penalty"] * np.maximum(hi - lo, 0) / inp["days"][k]
    return out


def spv_start(sp, B, K, credit_k):
    """An spv's state on a batch of paths: its cash, whether it is alive, its default period, its
    floating coupons' difference from the curve's and what of it has accrued, what its parent has
    paid under a capped guarantee, and the period from which each of its contracts stops (its
    customer's default)."""
    stop = np.full((len(sp["credit"]), B), K)
    for j, i in enumerate(sp["credit"]):
        if i >= 0 and i < len(credit_k):
            stop[j] = credit_k[i]
    books = {n: np.zeros((K, B)) for n in ("ebitda", "service", "received")} \
        if sp["tests"] else {}
    return dict(books, cash=np.full(B, sp["cash0"]), alive=np.ones(B, bool), dk=np.full(B, K),
                dcoupon=np.zeros((sp["F"], B)), accrued=np.zeros((sp["F"], B)),
                paid=np.zeros(B), stop=stop,
                breaches=np.zeros((len(sp["tests"]), K, B), bool))


def spv_operate(sp, st, k, rent, D, ubeta, index_d, x, row, record):
    """Period k of an spv's own books, per path: its cash before its parent's guarantee and its
    distribution (docs/model.md, Operations; it has no sites, so every GPU it owns can run). With
    `record`, also its flows by kind."""
    if sp["fl_fix"][k].any():
        idx = {n: v[k] + x[row[n]] for n, v in index_d.items()}
        for i in np.flatnonzero(sp["fl_fix"][k]):
            st["dcoupon"][i] = _coupon(sp["floating"][i], idx) - sp["curve_coupon"][k, i]
    st["accrued"] += st["dcoupon"] * sp["fl_balyf"][k][:, None]
    extra = 0.0
    if sp["fl_pay"][k].any():
        extra = st["accrued"][sp["fl_pay"][k]].sum(0)
        st["accrued"][sp["fl_pay"][k]] = 0.0
    rent = rent[sp["gens"]]
    G = rent.shape[0]
    by_contract = sp["by_c"][k] @ (st["stop"] > k)                 # (G + 2, B)
    owned = sp["owned_h"][k][:, None]
    held = np.minimum(by_contract[:G], owned)
    u = np.clip(sp["u0"] + ubeta * D, 0.0, 1.0)
    spot_h = u * (owned - held)
    running = held + spot_h
    contract_revenue = by_contract[G] + by_contract[G + 1]
    spot = (rent * spot_h).sum(0) * 1e-6
    ebitda = contract_revenue + spot - sp["cost_h"][k] @ running
    pre = st["cash"] + sp["fixed"][k] - extra + ebitda
    if sp["tests"]:        # the trailing twelve months the covenants need
        st["ebitda"][k] = ebitda
        st["service"][k] = sp["service"][k] + extra
        st["received"][k] = contract_revenue
    flows = None
    if record:
        flows = dict(contract_revenue=contract_revenue.sum(), spot_revenue=spot.sum(),
                     power=-(sp["kw"][k] * sp["power_price"] / 1e9) @ running.sum(1),
                     opex=-running.sum() * sp["cc"] / 1e6)
    return pre, flows


def spv_call(sp, st, pre, parent_alive):
    """What the spv's shortfall asks of its parent: all of it under a full guarantee, what is
    left of the cap under a capped one, nothing without one or once the parent has failed."""
    need = np.maximum(-pre, 0.0) * (st["alive"] & parent_alive)
    if sp["guarantee"] == "full":
        return need
    if sp["guarantee"] == "capped":
        return np.minimum(need, sp["cap"] - st["paid"])
    return np.zeros_like(pre)


def spv_breached(sp, st, t, k):
    """Whether covenant test t fails at period k's end, per path: a trailing twelve months of
    EBITDA over debt service (min_dscr), or of contract revenue received over due
    (min_contract_realization); nothing to cover passes."""
    lo = max(0, k - 11)
    if t["kind"] == "dscr":
        a, b = st["ebitda"][lo:k + 1].sum(0), st["service"][lo:k + 1].sum(0)
    else:
        a, b = st["received"][lo:k + 1].sum(0), sp["due"][lo:k + 1].sum()
    return (b > 0) & (a < t["limit"] * b)


def spv_settle(sp, st, k, pre, call, parent_alive):
    """The spv after its parent has paid (or failed to pay) the call: it defaults when still
    short (a failing parent pays only a share of what it owes, so a short spv defaults with it);
    then it pays its parent its cash above `distribute_above`. Returns the distribution."""
    got = np.where(parent_alive, call, 0.0)
    st["paid"] += got
    after = pre + got
    failed = st["alive"] & (after < 0)
    st["dk"][failed] = k
    st["alive"] &= ~failed
    cash = np.where(st["alive"], after, 0.0)
    for ti, t in enumerate(sp["tests"]):
        if k in t["periods"]:
            st["breaches"][ti, k] = spv_breached(sp, st, t, k) & st["alive"]
    dist = 0.0
    if sp["distribute_above"] is not None:
        dist = np.where(st["alive"] & parent_alive,
                        np.maximum(cash - float(sp["distribute_above"]), 0.0), 0.0)
        cash = cash - dist
    st["cash"] = cash
    return got, dist


def simulate(inp, paths, batch, seed, stochastic=True, record=False, late=None):
    """The Monte Carlo. stochastic=False zeroes every volatility, the release rate and every PD
    (the self-check against `tinderbox run`); `late` then makes the named sites that many months
    late on every path (the late-delivery check). record=True also returns each modelled flow
    kind and capacity figure per period, averaged over the paths (for the checks; not timed)."""
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
    contracts = inp["contracts"]
    Cn = len(contracts)
    contracts_of = [[j for j, c in enumerate(contracts) if c["credit"] == i]
                    for i in range(len(credits))]
    cancels = [(j, c["cancel"]) for j, c in enumerate(contracts) if c["cancel"] and demand_moves]
    cut_at = {}    # period -> the contracts a missed deadline cuts from then on
    for dl in inp["deliveries"]:
        cut_at.setdefault(dl["cut_from"], []).append(dl["contract"])

    owned_h, kw, installed = inp["owned_h"], inp["kw"], inp["installed"]
    due_gpu, due_fixed, cost_h = inp["due_gpu"], inp["due_fixed"], inp["cost_h"]
    by_c = np.concatenate([inp["hours_c"], due_gpu[:, None], due_fixed[:, None]], 1)  # (K, G+2, Cn)
    has_sites = bool(inp["sites"])
    cap0, kwh_per_mw = inp["cap0"], inp["kwh_per_mw"]
    # What the sites cost on schedule, with everything else the ledger gives.
    site_cost0 = inp["site_pay0"] + sum(s["reimb"] for s in inp["sites"]) + inp["site_build"]
    fixed = inp["fixed"] - site_cost0
    rent_d, rent_e, debt = inp["rent_d"], inp["rent_e"], inp["debt"]
    lot_gen, lot_cut, lot_w = inp["lot_gen"], inp["lot_cut"], inp["lot_w"]
    floating, fl_fix, fl_pay, fl_balyf = inp["floating"], inp["fl_fix"], inp["fl_pay"], inp["fl_balyf"]
    revolvers = inp["revolvers"]
    # Each floating coupon on the curves, per period (the deterministic run's fixing).
    curve_coupon = np.array([[_coupon(f, {n: v[k] for n, v in index_d.items()}) for f in floating]
                             for k in range(K)]).reshape(K, F)

    rng = np.random.default_rng(seed)
    cash_all = np.empty((K, paths))   # period-major: each period's cash is one contiguous row
    ltv_all = np.empty((K, paths))
    default_k = np.full(paths, K)     # K: no default within the horizon
    credit_k_all = np.full((len(credits), paths), K)   # the reduced-form parties' default periods
    s_sofr, q_sofr = np.zeros(K), np.zeros(K)
    s_rent, q_rent = np.zeros((K, G)), np.zeros((K, G))
    collateral_mean = np.zeros(K)
    lot_cut_col = lot_cut[:, None]
    rec = {n: np.zeros(K) for n in MODELLED_KINDS + ("active_mw", "idle_gpus",
                                                      "revenue_lost_capacity")} if record else None
    spvs = inp["spvs"]
    spv_cash_all = [np.empty((K, paths)) for _ in spvs]
    spv_default_k = [np.full(paths, K) for _ in spvs]
    spv_breaches = [np.zeros((len(sp["tests"]), K)) for sp in spvs]   # paths with a breach
    rec_spv = [{n: np.zeros(K) for n in SPV_KINDS + ("cash",)} for _ in spvs] if record else None

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
        drawn = np.zeros((len(revolvers), B))   # drawn on each revolver for the path's shortfalls
        # Reduced-form defaults, one-factor Gaussian copula: X = sqrt(rho) Z + sqrt(1 - rho) eps,
        # defaulted by the end of period k when X <= Phi^-1(F(t_{k+1})). A customer's contracts
        # stop (pay nothing, free their GPU-hours) from that period on; K = never.
        stop = np.full((Cn, B), K)
        credit_k = np.full((len(credits), B), K)
        if credits:
            zc = rng.standard_normal((len(credits) + 1, B))
            for i, c in enumerate(credits):
                X = np.sqrt(c["rho"]) * zc[0] + np.sqrt(1 - c["rho"]) * zc[i + 1]
                credit_k[i] = np.searchsorted(c["threshold"], X, side="left")  # first k: X <= thr
                stop[contracts_of[i]] = credit_k[i]
            credit_k_all[:, b0:b0 + B] = credit_k
        noticed = np.zeros((len(cancels), B), bool)
        # Sites late or stopped on the path, and what that does to the contracts that wait for them.
        if has_sites:
            n_late, site_stop = draw_sites(inp, rng, B, stochastic, late, credit_k)
            dmw_it, dcost, dmw = site_paths(inp, n_late, site_stop, B, record)
            kept, penalties = settle_deliveries(inp, n_late, site_stop, B)
        kept_now = np.ones((Cn, B))
        spv_st = [spv_start(sp, B, K, credit_k) for sp in spvs]
        for k in range(K):
            rent = rent_d[k][:, None] * E                           # (G, B), on d_k
            u = np.clip(inp["u0"] + ubeta * D, 0.0, 1.0)

            # Floating debt: refix at an accrual start, accrue, pay on payment dates.
            if fl_fix[k].any():
                idx = {n: v[k] + x[row[n]] for n, v in index_d.items()}
                for i in np.flatnonzero(fl_fix[k]):
                    dcoupon[i] = _coupon(floating[i], idx) - curve_coupon[k, i]
            accrued += dcoupon * fl_balyf[k][:, None]
            for r, rv in enumerate(revolvers):   # interest on the shortfall draws, less the fee
                i = rv["floating"]
                accrued[i] += drawn[r] * ((curve_coupon[k, i] + dcoupon[i] - rv["fee"][k])
                                          * rv["yf"][k])
            extra_interest = 0.0
            if fl_pay[k].any():
                extra_interest = accrued[fl_pay[k]].sum(0)
                accrued[fl_pay[k]] = 0.0

            # The contracts in force: a stopped one pays nothing and frees its GPU-hours; from the
            # first period after a missed deadline its remedy keeps only a share of it.
            for j in cut_at.get(k, ()):
                kept_now[j] = kept[j]
            factor = (stop > k) * kept_now                          # (Cn, B)
            # Each generation's contracted hours, then the GPU and the fixed-amount contracts'
            # revenue, in one product.
            by_contract = by_c[k] @ factor                           # (G + 2, B)
            owned = owned_h[k][:, None]
            held = np.minimum(by_contract[:G], owned)               # (G, B)
            open_ = owned - held
            gpu_revenue, fixed_revenue = by_contract[G], by_contract[G + 1]
            # Which GPUs run: the contracted first, then the uncontracted, within the IT
            # kW-hours the sites have active (docs/model.md, Which GPUs run).
            if has_sites:
                capacity = np.maximum(cap0[k] + dmw_it[k] * kwh_per_mw[k], 0.0)
                Kc = kw[k] @ held
                Ku = installed[k] - Kc
                rest = np.maximum(capacity - Kc, 0.0)
                with np.errstate(divide="ignore", invalid="ignore"):
                    served = np.where(Kc > capacity, capacity / Kc, 1.0)
                    powered = np.where(Ku > rest, rest / Ku, 1.0)
                spot_h = (u * powered) * open_                      # (G, B)
                running = served * held + spot_h
                contract_revenue = served * gpu_revenue + fixed_revenue
            else:
                served = powered = 1.0
                spot_h = u * open_
                running = held + spot_h
                contract_revenue = gpu_revenue + fixed_revenue
            site_cost = 0.0
            if has_sites:
                site_cost = dcost[k]
                pen = penalty_at(inp, penalties, k) if penalties else 0.0
                contract_revenue = contract_revenue - pen
            spot = (rent * spot_h).sum(0) * 1e-6
            net = (fixed[k] - extra_interest - site_cost + contract_revenue + spot
                   - cost_h[k] @ running)
            for r, rv in enumerate(revolvers):   # repaid at maturity
                if k == rv["maturity"]:
                    net = net - drawn[r]
                    drawn[r] = 0.0
            if record:
                rec["contract_revenue"][k] += contract_revenue.sum()
                rec["spot_revenue"][k] += spot.sum()
                rec["power"][k] -= (kw[k] * inp["power_price"] / 1e9) @ running.sum(1)
                rec["opex"][k] -= running.sum() * inp["cc"] / 1e6
                if has_sites:   # no host fails here: only payments differ from the schedule
                    rec["site_lease"][k] -= (inp["site_pay0"][k] + dcost[k]).sum()
                    rec["site_capex"][k] -= B * (site_cost0[k] - inp["site_pay0"][k])
                    rec["active_mw"][k] += (inp["mw0"][k] + dmw[k]).sum()
                    idle = ((1 - served) * held + (1 - powered) * open_).sum(0)
                    rec["idle_gpus"][k] += idle.sum() / inp["hours"][k]
                    cut = (due_gpu[k] + due_fixed[k]) @ ((stop > k) * (1 - kept_now))
                    rec["revenue_lost_capacity"][k] += (
                        cut + (1 - served) * gpu_revenue + pen
                        + ((u * (1 - powered)) * open_ * rent).sum(0) * 1e-6).sum()
            # The spvs' own books; a guaranteed spv's shortfall is the company's to pay.
            pres, calls = [], []
            for sp, st in zip(spvs, spv_st):
                pre, fl = spv_operate(sp, st, k, rent, D, ubeta, index_d, x, row, record)
                call = spv_call(sp, st, pre, alive)
                net = net - call
                pres.append(pre)
                calls.append(call)
                if record:
                    for n, v in fl.items():
                        rec_spv[len(pres) - 1][n][k] += v
            new_cash = cash + net
            # A shortfall draws on the revolvers (file order) before the company defaults.
            for r, rv in enumerate(revolvers):
                if rv["can_draw"][k]:
                    draw = np.minimum(np.maximum(rv["draw_below"] - new_cash, 0.0) * alive,
                                      rv["room"][k] - drawn[r])
                    drawn[r] += draw
                    new_cash = new_cash + draw
            failed = alive & (new_cash < 0)
            dk[failed] = k
            alive &= ~failed
            # Each spv settles with what its parent paid it, then distributes to the company,
            # whose cash it reaches after the company's own payments and revolvers.
            dist = 0.0
            for si, (sp, st) in enumerate(zip(spvs, spv_st)):
                got, out = spv_settle(sp, st, k, pres[si], calls[si], alive)
                dist = dist + out
                spv_cash_all[si][k, b0:b0 + B] = st["cash"]
                if record:
                    rec["guarantee"][k] -= got.sum()
                    rec["distribution"][k] += np.sum(out)
                    rec_spv[si]["guarantee"][k] += got.sum()
                    rec_spv[si]["distribution"][k] -= np.sum(out)
                    rec_spv[si]["cash"][k] += st["cash"].sum()
            cash = np.where(alive, new_cash + dist, 0.0)
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
                nrel = rng.poisson(lam[k], B)
                hit = np.flatnonzero(nrel)
                if hit.size:
                    nh = nrel[hit]
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
        for si, st in enumerate(spv_st):
            spv_default_k[si][b0:b0 + B] = st["dk"]
            spv_breaches[si] += st["breaches"].sum(2)

    pd = (default_k[:, None] <= np.arange(K)[None, :]).mean(0)
    qs = np.percentile(cash_all, [5, 25, 50, 75, 95], axis=1)
    spv_res = [dict(name=sp["name"], cash_all=spv_cash_all[si], default_k=spv_default_k[si],
                    pd=(spv_default_k[si][:, None] <= np.arange(K)[None, :]).mean(0),
                    cash_quantiles=dict(zip(("p05", "p25", "p50", "p75", "p95"), np.percentile(
                        spv_cash_all[si], [5, 25, 50, 75, 95], axis=1))),
                    breach_rate=spv_breaches[si] / paths,
                    record={n: v / paths for n, v in rec_spv[si].items()} if record else None)
               for si, sp in enumerate(spvs)]
    mean_sofr = s_sofr / paths
    mean_rent = s_rent / paths
    return dict(
        pd=pd, pd_se=np.sqrt(pd * (1 - pd) / paths),
        cash_quantiles=dict(zip(("p05", "p25", "p50", "p75", "p95"), qs)),
        sofr_mean=mean_sofr, sofr_sd=np.sqrt(np.maximum(q_sofr / paths - mean_sofr ** 2, 0)),
        rent_mean=mean_rent, rent_sd=np.sqrt(np.maximum(q_rent / paths - mean_rent ** 2, 0)),
        ltv_all=ltv_all, default_k=default_k, collateral_mean=collateral_mean / paths,
        credit_pd={c["name"]: (credit_k_all[i][:, None] <= np.arange(K)[None, :]).mean(0)
                   for i, c in enumerate(credits)},
        cash_all=cash_all, record={n: v / paths for n, v in rec.items()} if record else None,
        spvs=spv_res)
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




# --------------------------------------------------------------------------------------------
# Checks against the engine (outside the timed part).

SERIES_CHECKED = (("active_mw", 1e-6), ("idle_gpus", 1e-3), ("revenue_lost_capacity", 1e-6))


def check_deterministic(inp, late=None):
    """With no randomness the reference must reproduce the engine's deterministic run: cash to
    the ledger's 6-decimal rounding summed over the periods, collateral value to 1e-6, every flow
    kind it computes to the ledger's rounding, and the capacity series. Returns the largest
    differences; exits when one is too large."""
    det = simulate(inp, 1, 1, 1, stochastic=False, record=True, late=late)
    series = inp["series"]
    errs = {"cash": np.abs(det["cash_all"][:, 0] - series["cash"]).max(),
            "collateral": np.abs(det["collateral_mean"] - series["collateral_market"]).max()}
    limits = {"cash": 0.01, "collateral": 1e-6}
    z = np.zeros(inp["K"])
    for kind in MODELLED_KINDS:
        # The ledger prints amounts to 6 decimals: a few 1e-7 of rounding per row.
        errs[kind] = np.abs(det["record"][kind] - inp["ledger"].get(kind, z)).max()
        limits[kind] = 1e-4
    for sp, r in zip(inp["spvs"], det["spvs"]):
        # The spv's own books, cash and the flows between it and the company, likewise.
        n = sp["name"]
        errs[n + " cash"] = np.abs(r["cash_all"][:, 0] - sp["series"]["cash"]).max()
        limits[n + " cash"] = 0.01
        for kind in SPV_KINDS:
            errs["%s %s" % (n, kind)] = np.abs(r["record"][kind] - sp["ledger"].get(kind, z)).max()
            limits["%s %s" % (n, kind)] = 1e-4
        # Its covenant tests fail on the dates the engine reports a breach, and only on those.
        ours = {(inp["dates"][k], t["debt"], t["covenant"]) for ti, t in enumerate(sp["tests"])
                for k in range(inp["K"]) if r["breach_rate"][ti, k] > 0}
        theirs = {(ev["date"], ev.get("instrument"), ev.get("detail", "").split(":")[0])
                  for ev in inp["events"] if ev["entity"] == n and ev["type"] == "covenant_breach"}
        errs[n + " covenant breaches"] = len(ours ^ theirs)
        limits[n + " covenant breaches"] = 0
    if inp["sites"]:
        for name, tol in SERIES_CHECKED:
            errs[name] = np.abs(det["record"][name] - np.array(series[name])).max()
            limits[name] = tol
    bad = ["%s %g" % (n, errs[n]) for n in errs if not errs[n] <= limits[n]]
    if bad:
        sys.exit("deterministic check%s failed (|reference - tinderbox run|): %s"
                 % (" with late sites" if late else "", ", ".join(bad)))
    return errs


# The late-delivery check: the engine runs the scenario with some sites' lateness written as
# `delay_months` (and each remedy, an owned site, a term ending and a pue exercised), the
# reference runs the same scenario without it and makes those sites late through the code that
# draws a path's random delays. Every figure must agree as in check_deterministic.
LATE = {"cs_2": 2, "dc_2025b": 1, "cs_5": 1, "dc_2026": 5}
LATE_BASE = """tinderbox: 1
name: late deliveries (numpy_reference check)
start: %(start)s
horizon: %(horizon)d
period: month
import: [%(scenario)s]
entities:
  coreweave:
    sites:
      dc_2025a: {term_months: 30, pue: 1.25}
      campus: {type: owned, mw: 40, construction_start: 2025-03-01, delivery: 2025-09-01,
               ramp_months: 2, capex_per_mw: 8}
%(late)s    contracts:
      meta_a: {delivery: {remedy: penalty, penalty_per_month: 25}}
      meta_b: {delivery: {deadline: 2026-12-31, sites: [cs_5], remedy: cancel}}
"""


# The covenant check: coreweave-2025 with DDTL 3.0's DSCR test tightened to 4.5x on every other
# payment date, so that the deterministic run breaches it on six dates (its DSCR is 4.3x at the
# first test, then about 2x); the reference's tests must fail on those dates and no others.
COVENANT_RUN = """tinderbox: 1
name: spv covenants breached (numpy_reference check)
start: %(start)s
horizon: %(horizon)d
period: month
import: [%(scenario)s]
entities:
  coreweave_spv:
    debt:
      ddtl3:
        covenants:
          min_dscr: {limit: 4.5, from: 2027-04-30, every: 2}
"""


def covenant_inputs(tinderbox, tmp):
    sc = load_scenario(scenario_path(SCENARIO))
    path = os.path.join(tmp, "covenants.yaml")
    with open(path, "w") as f:
        f.write(COVENANT_RUN % dict(start=sc["start"], horizon=int(sc["horizon"]),
                                    scenario=SCENARIO))
    inp = build_inputs(tinderbox, path)
    assert sum(ev["type"] == "covenant_breach" for ev in inp["events"]) == 6
    return inp


def late_delivery_inputs(tinderbox, tmp):
    sc = load_scenario(scenario_path(SCENARIO))
    fill = dict(start=sc["start"], horizon=int(sc["horizon"]), scenario=SCENARIO)
    base, late = os.path.join(tmp, "late_base.yaml"), os.path.join(tmp, "late_run.yaml")
    with open(base, "w") as f:
        f.write(LATE_BASE % dict(fill, late=""))
    with open(late, "w") as f:
        f.write(LATE_BASE % dict(fill, late="".join(
            "      %s: {delay_months: %d}\n" % kv for kv in LATE.items())))
    return build_inputs(tinderbox, base, late)


# --------------------------------------------------------------------------------------------
# The statistical check against `tinderbox simulate` (--compare).

def _quantile_se(sample, q):
    """The standard error of the q-quantile of `sample`, distribution-free: the order statistics
    of ranks N q -/+ sqrt(N q (1 - q)) span about two standard errors."""
    s = np.sort(sample)
    N = s.size
    h = np.sqrt(N * q * (1 - q))
    lo, hi = int(max(0, np.floor(N * q - h))), int(min(N - 1, np.ceil(N * q + h)))
    return (s[hi] - s[lo]) / 2


def compare(tinderbox, inp, res, paths, seed, z=3.0):
    """`tinderbox simulate` on the same scenario and number of paths (its own random numbers)
    against the reference's results: every PD by year (the company's and each reduced-form
    party's) and every cash quantile at each year end must agree within z combined standard
    errors (a quantile's also within the engine's sketch accuracy, 0.5 %). Prints a table and
    returns the number of figures outside."""
    out = subprocess.run([tinderbox, "simulate", SCENARIO, "--paths", str(paths), "--seed",
                          str(seed), "--json"], check=True, capture_output=True, text=True).stdout
    eng = json.loads(out)["entities"]
    K, rows, bad = inp["K"], [], 0
    years = [k for k in range(11, K, 12)]
    pds = [(ENTITY, eng[ENTITY]["pd"], res["pd"])] + [
        (r["name"], eng[r["name"]]["pd"], r["pd"]) for r in res["spvs"]] + [
        (n, eng[n]["pd"], v) for n, v in res["credit_pd"].items()]
    for name, pe, pr in pds:
        for k in years:
            se = np.sqrt(pe[k] * (1 - pe[k]) / paths + pr[k] * (1 - pr[k]) / paths)
            ok = abs(pe[k] - pr[k]) <= z * se + 0.5 / paths
            bad += not ok
            rows.append(("pd %s" % name, inp["dates"][k], pe[k], pr[k], se, ok))
    cash = [(ENTITY, ENTITY, res)] + [(r["name"], "spv", r) for r in res["spvs"]]
    for name, label, r in cash:
        for qn, q in (("p05", .05), ("p25", .25), ("p50", .5), ("p75", .75), ("p95", .95)):
            for k in years:
                qe, qr = eng[name]["cash_quantiles"][qn][k], r["cash_quantiles"][qn][k]
                se = np.sqrt(2) * _quantile_se(r["cash_all"][k], q)
                ok = abs(qe - qr) <= z * se + 0.005 * abs(qe) + 1.0
                bad += not ok
                rows.append(("cash %s %s" % (label, qn), inp["dates"][k], qe, qr, se, ok))
    print("tinderbox simulate vs the NumPy reference, %d paths each (seed %d; their own random "
          "numbers): agree within %g standard errors?" % (paths, seed, z))
    print("%-22s %-10s %12s %12s %10s" % ("figure", "date", "engine", "reference", "se"))
    for name, date, a, b, se, ok in rows:
        fmt = "%-22s %-10s %12.5f %12.5f %10.5f %s" if name.startswith("pd") else \
            "%-22s %-10s %12.1f %12.1f %10.1f %s"
        print(fmt % (name, date, a, b, se, "" if ok else "  <-- outside"))
    print("%d of %d figures outside %g standard errors" % (bad, len(rows), z))
    return bad


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
    ap.add_argument("--compare", action="store_true",
                    help="also run `tinderbox simulate` on as many paths and check that the PDs "
                    "and cash quantiles agree within their standard errors (exit 1 if not)")
    args = ap.parse_args()
    if not args.plain_malloc:
        keep_freed_memory()
    if not os.path.exists(args.tinderbox):
        sys.exit("%s is missing: build it first (cmake --build build)" % args.tinderbox)

    inp = build_inputs(args.tinderbox)
    errs = check_deterministic(inp)
    with tempfile.TemporaryDirectory() as tmp:
        late_errs = check_deterministic(late_delivery_inputs(args.tinderbox, tmp), LATE)
        cov_errs = check_deterministic(covenant_inputs(args.tinderbox, tmp))

    t0, c0 = time.perf_counter(), time.process_time()
    res = simulate(inp, args.paths, args.batch, args.seed)
    seconds = time.perf_counter() - t0
    cpu = time.process_time() - c0   # on a loaded machine, less disturbed than the wall clock
    ltv_p50, ltv_p95 = ltv_quantiles(res)
    K = inp["K"]
    rate = args.paths / seconds
    pd = res["pd"]
    p50 = res["cash_quantiles"]["p50"]
    if args.json:
        print(json.dumps({"paths": args.paths, "seconds": seconds, "paths_per_second": rate,
                          "cpu_seconds": cpu,
                          "periods": K, "batch": args.batch, "seed": args.seed, "threads": 1,
                          "pd_12": pd[11], "pd_24": pd[23], "pd_60": pd[K - 1],
                          "cash_p50_60": p50[K - 1]}))
        return
    mant, expo = ("%.1e" % (rate * K * (1 + len(inp["spvs"])))).split("e")
    print("numpy reference: %d paths x %d periods in %.2f s (%.2f s of CPU): %s paths/s (1 core), "
          "%se%d entity-periods/s" % (args.paths, K, seconds, cpu, format(round(rate), ","),
                                      mant, int(expo)))
    print("deterministic checks (no randomness) = tinderbox run, max |diff|: %s; with late "
          "sites: %s; with the spv's DSCR test tightened (6 breaches): %s"
          % tuple(", ".join("%s %.1e" % kv for kv in e.items())
                  for e in (errs, late_errs, cov_errs)))
    se = res["pd_se"]
    print("PD: 12 months %.4f (se %.4f), 24 months %.4f (se %.4f), 60 months %.4f (se %.4f)"
          % (pd[11], se[11], pd[23], se[23], pd[K - 1], se[K - 1]))
    q = res["cash_quantiles"]
    print("cash at 60 months ($M): p05 %.0f, p25 %.0f, median %.0f, p75 %.0f, p95 %.0f "
          "(deterministic run: %.0f)" % (q["p05"][-1], q["p25"][-1], p50[-1], q["p75"][-1],
                                         q["p95"][-1], inp["series"]["cash"][-1]))
    for r, sp in zip(res["spvs"], inp["spvs"]):
        print("%s: PD at 24 / 60 months %.4f / %.4f; median cash at 60 months %.0f; share of paths "
              "breaching at the last test: %s" % (
                  r["name"], r["pd"][23], r["pd"][K - 1], r["cash_quantiles"]["p50"][-1],
                  ", ".join("%s %s %.4f" % (t["debt"], t["covenant"],
                                            r["breach_rate"][ti, max(t["periods"])])
                            for ti, t in enumerate(sp["tests"]) if t["periods"])))
    if res["credit_pd"]:
        print("reduced-form parties defaulted by 60 months: %s" % ", ".join(
            "%s %.5f" % (n, v[K - 1]) for n, v in res["credit_pd"].items()))
    print("SOFR at month 60: mean %.4f sd %.4f; rents at month 60 (mean / sd): %s"
          % (res["sofr_mean"][-1], res["sofr_sd"][-1], ", ".join(
              "%s %.2f / %.2f" % (g, res["rent_mean"][-1, i], res["rent_sd"][-1, i])
              for i, g in enumerate(inp["gens"]))))
    print("LTV of surviving paths at 12 / 24 / 60 months: median %.2f / %.2f / %.2f, "
          "p95 %.2f / %.2f / %.2f" % (ltv_p50[11], ltv_p50[23], ltv_p50[-1],
                                       ltv_p95[11], ltv_p95[23], ltv_p95[-1]))
    if args.compare and compare(args.tinderbox, inp, res, args.paths, args.seed):
        sys.exit(1)


if __name__ == "__main__":
    main()
