#include "network/debtrank.h"

#include <algorithm>
#include <cassert>
#include <cstdint>
#include <limits>
#include <optional>
#include <utility>

namespace tinderbox::network {
namespace {

// Who is hit when j is distressed: for each j, the nodes i exposed to it and Λ_ij = X_ij / E_i,
// one entry per pair (i, j): a row's several entries for the same j are summed first, so that the
// 2012 cap min(1, Λ_ij) bounds i's whole exposure to j, not each instrument on its own.
struct Impacts {
  std::vector<int> start;  // size nodes + 1
  std::vector<int> node;
  std::vector<double> lambda;
};

// The usual case, a row listing each counterparty once: one entry a pair, Λ_ij = X_ij / E_i as
// it is read. Returns nullopt at a row's second entry for the same j (summed_pairs() then).
std::optional<Impacts> distinct_impacts(const Exposures& X, std::span<const double> equity,
                                        NoEquity no_equity) {
  const auto n = static_cast<std::size_t>(X.nodes);
  Impacts out;
  out.start.assign(n + 1, 0);
  for (std::size_t k = 0; k < X.counterparty.size(); ++k)
    if (X.amount[k] > 0) ++out.start[static_cast<std::size_t>(X.counterparty[k]) + 1];
  for (std::size_t j = 0; j < n; ++j) out.start[j + 1] += out.start[j];
  out.node.resize(static_cast<std::size_t>(out.start[n]));
  out.lambda.resize(out.node.size());
  // Each column's next slot and the row that filled its last one, side by side: the test for a
  // repeated pair costs no load beyond the slot's own.
  struct Cursor {
    int slot, row;
  };
  std::vector<Cursor> cursor(n);
  for (std::size_t j = 0; j < n; ++j) cursor[j] = {out.start[j], -1};
  for (std::size_t i = 0; i < n; ++i) {
    const double e = equity[i];
    for (int k = X.row_start[i]; k < X.row_start[i + 1]; ++k) {
      const auto ku = static_cast<std::size_t>(k);
      if (X.amount[ku] <= 0) continue;
      Cursor& c = cursor[static_cast<std::size_t>(X.counterparty[ku])];
      if (c.row == static_cast<int>(i)) return std::nullopt;
      c.row = static_cast<int>(i);
      const auto slot = static_cast<std::size_t>(c.slot++);
      out.node[slot] = static_cast<int>(i);
      // Without positive equity, kDefaulted: the node starts at h = 1 and cannot lose more, its
      // impacts are never used; kNoBuffer: the limit E → 0+ of X / E, so the 2012 cap gives 1
      // and the linear step sends h to 1 on any increase of the debtor's distress (only positive
      // increments are passed on, so ∞ never meets a 0).
      out.lambda[slot] = e > 0 ? X.amount[ku] / e
                         : no_equity == NoEquity::kNoBuffer
                             ? std::numeric_limits<double>::infinity()
                             : 0.0;
    }
  }
  return out;
}

// X with each row's entries for the same counterparty summed, in row order, into the first of
// them: one entry a pair, so that Λ_ij = (Σ X_ij) / E_i is that of one entry of the sum.
Exposures summed_pairs(const Exposures& X) {
  const auto n = static_cast<std::size_t>(X.nodes);
  Exposures out;
  out.nodes = X.nodes;
  out.row_start.reserve(n + 1);
  out.row_start.push_back(0);
  // Counterparty → its entry in `out`: this row's if at or past the row's start.
  std::vector<int> at(n, -1);
  for (std::size_t i = 0; i < n; ++i) {
    for (int k = X.row_start[i]; k < X.row_start[i + 1]; ++k) {
      const auto ku = static_cast<std::size_t>(k);
      if (X.amount[ku] <= 0) continue;
      int& entry = at[static_cast<std::size_t>(X.counterparty[ku])];
      if (entry >= out.row_start.back()) {
        out.amount[static_cast<std::size_t>(entry)] += X.amount[ku];
        continue;
      }
      entry = static_cast<int>(out.amount.size());
      out.counterparty.push_back(X.counterparty[ku]);
      out.amount.push_back(X.amount[ku]);
    }
    out.row_start.push_back(static_cast<int>(out.amount.size()));
  }
  return out;
}

Impacts impacts_of(const Exposures& X, std::span<const double> equity, NoEquity no_equity) {
  if (std::optional<Impacts> distinct = distinct_impacts(X, equity, no_equity))
    return std::move(*distinct);
  return *distinct_impacts(summed_pairs(X), equity, no_equity);
}

std::vector<double> relative_values(std::span<const double> equity,
                                    std::span<const double> weights) {
  std::vector<double> v(equity.size(), 0.0);
  double total = 0;
  for (std::size_t i = 0; i < v.size(); ++i) {
    v[i] = weights.empty() ? std::max(0.0, equity[i]) : weights[i];
    total += v[i];
  }
  if (total > 0)
    for (double& x : v) x /= total;
  return v;
}

// The 2012 dynamics: every distressed node passes its whole h to its creditors once.
void run_2012(const Impacts& in, DebtRankResult& r, const DebtRankOptions& o) {
  enum : std::uint8_t { kUndistressed, kDistressed, kInactive };
  const std::size_t n = r.h.size();
  std::vector<std::uint8_t> state(n, kUndistressed);
  std::vector<int> distressed;
  for (std::size_t i = 0; i < n; ++i)
    if (r.h[i] > 0) {
      state[i] = kDistressed;
      distressed.push_back(static_cast<int>(i));
    }
  std::vector<double> next;
  std::vector<int> newly;
  while (!distressed.empty() && r.steps < o.max_steps) {
    next = r.h;
    for (const int j : distressed) {
      const auto ju = static_cast<std::size_t>(j);
      for (int k = in.start[ju]; k < in.start[ju + 1]; ++k) {
        const auto i = static_cast<std::size_t>(in.node[static_cast<std::size_t>(k)]);
        next[i] += std::min(1.0, in.lambda[static_cast<std::size_t>(k)]) * r.h[ju];
      }
    }
    for (double& x : next) x = std::min(1.0, x);
    for (const int j : distressed) state[static_cast<std::size_t>(j)] = kInactive;
    newly.clear();
    for (std::size_t i = 0; i < n; ++i)
      if (state[i] == kUndistressed && next[i] > 0) {
        state[i] = kDistressed;
        newly.push_back(static_cast<int>(i));
      }
    r.h.swap(next);
    ++r.steps;
    distressed = newly;
    if (!newly.empty()) r.rounds.push_back(newly);
  }
}

// The linear dynamics: every increase of a node's loss is passed on, at every step.
void run_linear(const Impacts& in, DebtRankResult& r, const DebtRankOptions& o) {
  const std::size_t n = r.h.size();
  // Bounded work: a leverage matrix with spectral radius near 1 converges arbitrarily slowly.
  const double visits = static_cast<double>(n + in.node.size()) + 1;
  const int limit = static_cast<int>(std::min<double>(o.max_steps, std::max(1000.0, 2e8 / visits)));
  std::vector<double> change = r.h;  // h(1) − h(0), h(0) = 0
  std::vector<double> next;
  std::vector<int> newly;
  r.converged = false;
  while (r.steps < limit) {
    next = r.h;
    for (std::size_t j = 0; j < n; ++j) {
      if (change[j] <= 0) continue;
      for (int k = in.start[j]; k < in.start[j + 1]; ++k)
        next[static_cast<std::size_t>(in.node[static_cast<std::size_t>(k)])] +=
            in.lambda[static_cast<std::size_t>(k)] * change[j];
    }
    double largest = 0;
    newly.clear();
    for (std::size_t i = 0; i < n; ++i) {
      next[i] = std::min(1.0, next[i]);
      change[i] = next[i] - r.h[i];
      largest = std::max(largest, change[i]);
      if (r.h[i] <= 0 && next[i] > 0) newly.push_back(static_cast<int>(i));
    }
    r.h.swap(next);
    ++r.steps;
    if (!newly.empty()) r.rounds.push_back(newly);
    if (largest <= o.tolerance) {
      r.converged = true;
      break;
    }
  }
}

}  // namespace

DebtRankResult debtrank(const Exposures& X, std::span<const double> equity,
                        std::span<const double> shock, std::span<const double> weights,
                        const DebtRankOptions& o) {
  const auto n = static_cast<std::size_t>(X.nodes);
  assert(X.row_start.size() == n + 1 && equity.size() == n && shock.size() == n);
  assert(weights.empty() || weights.size() == n);
  const Impacts in = impacts_of(X, equity, o.no_equity);
  DebtRankResult r;
  r.h.resize(n);
  r.rounds.emplace_back();
  for (std::size_t i = 0; i < n; ++i) {
    const bool exposed = X.row_start[i + 1] > X.row_start[i];
    const bool in_default = o.no_equity == NoEquity::kDefaulted && exposed && equity[i] <= 0;
    r.h[i] = in_default ? 1.0 : std::clamp(shock[i], 0.0, 1.0);
    if (r.h[i] > 0) r.rounds[0].push_back(static_cast<int>(i));
  }
  const std::vector<double> initial = r.h;
  if (o.variant == DebtRankVariant::k2012)
    run_2012(in, r, o);
  else
    run_linear(in, r, o);
  const std::vector<double> v = relative_values(equity, weights);
  for (std::size_t i = 0; i < n; ++i) r.R += v[i] * (r.h[i] - initial[i]);
  if (r.rounds[0].empty()) r.rounds.clear();
  return r;
}

}  // namespace tinderbox::network
