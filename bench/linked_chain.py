#!/usr/bin/env python3
"""A scenario of N linked neoclouds, for timing how `run` grows with the entities.

    python3 bench/linked_chain.py N > chain.yaml; build/bench_engine chain.yaml 5

Each neocloud sells half its GPUs' hours to the next one (the last to the first: one cycle of
contracts, cleared each month) and owes a term loan to one fund entity: N + 1 modelled, linked
entities over 60 months. Every figure is an arbitrary, valid assumption.
"""
import sys
n = int(sys.argv[1])
out = ["tinderbox: 1", "name: chain", "start: 2025-01-01", "horizon: 60", "market:",
       "  rates: {sofr: [[2025-01-01, 0.04]]}",
       "  gpu:", "    H100: {rent: [[2025-01-01, 2.0], [2029-01-01, 1.0]], economic_life_years: 5, reference_utilization: 0.7, cash_cost_per_hour: 0.3}",
       "  power_usd_per_mwh: 80", "  discount_rate: 0.1", "entities:",
       "  fund: {kind: fund, cash: 100000}"]
for i in range(n):
    nxt = f"e{(i + 1) % n}"
    out += [f"  e{i}:", "    kind: neocloud", "    cash: 50",
            "    fleet: [{id: lot, gpu: H100, units: 1000, acquired: 2024-06-01, unit_cost: 0.03, book_life_years: 5, kw_per_gpu: 1.3}]",
            "    operations: {utilization: 0.7, cash_cost_per_hour: 0.25, sga: 0.5}",
            f"    contracts: [{{id: c{i}, customer: {nxt}, gpu: H100, gpus: 500, price_per_gpu_hour: 2.0, start: 2025-01-01, end: 2028-12-31}}]",
            f"    debt: [{{id: loan, type: term_loan, lenders: {{fund: 1}}, outstanding: 20, rate: {{fixed: 0.1}}, first_payment: 2025-03-31, pay: quarter, amortization: {{style: level}}, maturity: 2029-12-31}}]"]
print("\n".join(out))
