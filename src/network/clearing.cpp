#include "network/clearing.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>

namespace tinderbox::network {
namespace {

// A round's Gauss–Seidel solve stops when its error estimate is a tenth of the tolerance; a
// change below a thousandth of the tolerance is not propagated (it cannot move any payment by
// more than that over 1 − ρ, and skipping it keeps converged parts of the network quiet).
constexpr double kTargetError = 0.1;
constexpr double kSkip = 1e-3;
constexpr int kMaxSweeps = 1000000;

}  // namespace

const ClearingResult& Clearer::clear(const Liabilities& L, std::span<const double> external_assets,
                                     const ClearingOptions& o) {
  prepare(L, external_assets, o);
  bool refined = false;
  for (;;) {
    if (find_new_defaults() > 0) {
      if (!solve_round(L)) result_.converged = false;
      continue;
    }
    // The inflows were kept up to date by increments; recompute them from the payments so that
    // the final check does not rest on accumulated rounding.
    recompute_inflow(L);
    if (find_new_defaults() > 0) {
      if (!solve_round(L)) result_.converged = false;
      continue;
    }
    const double worst = worst_residual();
    result_.residual = worst * tolerance_;
    if (worst <= kTargetError || refined) break;
    refined = true;
    if (!solve_round(L)) result_.converged = false;
  }
  return result_;
}

void Clearer::prepare(const Liabilities& L, std::span<const double> e, const ClearingOptions& o) {
  const auto n = static_cast<std::size_t>(L.nodes);
  assert(L.row_start.size() == n + 1 && e.size() == n);
  assert(L.external.empty() || L.external.size() == n);
  assert(o.alpha >= 0 && o.alpha <= 1 && o.beta >= 0 && o.beta <= 1 && o.tolerance > 0);
  alpha_ = o.alpha;
  beta_ = o.beta;
  tolerance_ = o.tolerance;
  for (auto& r : result_.rounds) spare_rounds_.push_back(std::move(r));
  result_.rounds.clear();
  result_.sweeps = 0;
  result_.residual = 0;
  result_.converged = true;
  result_.defaulted.assign(n, 0);
  in_default_.clear();
  owed_.assign(n, 0.0);
  assets_.resize(n);
  inflow_.assign(n, 0.0);
  scale_.resize(n);
  share_.resize(L.amount.size());
  for (std::size_t i = 0; i < n; ++i) {
    double owed = L.external.empty() ? 0.0 : L.external[i];
    for (int k = L.row_start[i]; k < L.row_start[i + 1]; ++k) {
      assert(L.amount[static_cast<std::size_t>(k)] >= 0);
      owed += L.amount[static_cast<std::size_t>(k)];
    }
    owed_[i] = owed;
    assets_[i] = std::max(0.0, e[i]);
    scale_[i] = o.tolerance * std::max(1.0, owed);
  }
  // Round 0 of the algorithm: everybody pays in full, so each node receives what it is owed.
  for (std::size_t i = 0; i < n; ++i)
    for (int k = L.row_start[i]; k < L.row_start[i + 1]; ++k) {
      const auto ku = static_cast<std::size_t>(k);
      share_[ku] = owed_[i] > 0 ? L.amount[ku] / owed_[i] : 0.0;
      inflow_[static_cast<std::size_t>(L.creditor[ku])] += L.amount[ku];
    }
  result_.payments.assign(owed_.begin(), owed_.end());
}

// The nodes that cannot pay in full at the current payments, as a new round; returns how many.
int Clearer::find_new_defaults() {
  const std::size_t first = in_default_.size();
  for (std::size_t i = 0; i < owed_.size(); ++i)
    if (!result_.defaulted[i] && assets_[i] + inflow_[i] < owed_[i] - scale_[i]) {
      result_.defaulted[i] = 1;
      in_default_.push_back(static_cast<int>(i));
    }
  const int found = static_cast<int>(in_default_.size() - first);
  if (found > 0) {
    open_round(static_cast<std::size_t>(found));
    result_.rounds.back().assign(in_default_.begin() + static_cast<std::ptrdiff_t>(first),
                                 in_default_.end());
  }
  return found;
}

// Takes the spare list that best fits `size` (the smallest that holds it, else the largest), so
// that once calls have seen their largest rounds no list needs to grow again.
void Clearer::open_round(std::size_t size) {
  std::size_t best = spare_rounds_.size();
  for (std::size_t k = 0; k < spare_rounds_.size(); ++k) {
    const std::size_t cap = spare_rounds_[k].capacity();
    if (best == spare_rounds_.size()) {
      best = k;
      continue;
    }
    const std::size_t best_cap = spare_rounds_[best].capacity();
    const bool fits = cap >= size, best_fits = best_cap >= size;
    if ((fits && (!best_fits || cap < best_cap)) || (!fits && !best_fits && cap > best_cap))
      best = k;
  }
  if (best == spare_rounds_.size()) {
    result_.rounds.emplace_back();
    return;
  }
  result_.rounds.push_back(std::move(spare_rounds_[best]));
  if (best + 1 != spare_rounds_.size()) spare_rounds_[best] = std::move(spare_rounds_.back());
  spare_rounds_.pop_back();
}

void Clearer::scatter(const Liabilities& L, int node, double change) {
  const auto i = static_cast<std::size_t>(node);
  for (int k = L.row_start[i]; k < L.row_start[i + 1]; ++k)
    inflow_[static_cast<std::size_t>(L.creditor[static_cast<std::size_t>(k)])] +=
        share_[static_cast<std::size_t>(k)] * change;
}

// Solves p_D = α e_D + β Π_DDᵀ p_D + β Π_SDᵀ p̄_S for the defaulted set D by Gauss–Seidel sweeps
// that push each change to the creditors' inflows. It starts above the solution (the previous
// round's payments), so every sweep lowers the payments monotonically towards it. The error is
// estimated from the contraction of successive sweeps: err ≈ δ_k q / (1 − q), q = δ_k / δ_{k−1},
// with δ the largest change relative to each node's tolerance scale.
bool Clearer::solve_round(const Liabilities& L) {
  double previous = std::numeric_limits<double>::infinity();
  for (int sweep = 0; sweep < kMaxSweeps; ++sweep) {
    double worst = 0;
    for (const int j : in_default_) {
      const auto ju = static_cast<std::size_t>(j);
      const double target = alpha_ * assets_[ju] + beta_ * inflow_[ju];
      const double change = target - result_.payments[ju];
      const double relative = std::abs(change) / scale_[ju];
      if (relative <= kSkip) continue;
      worst = std::max(worst, relative);
      result_.payments[ju] = target;
      scatter(L, j, change);
    }
    ++result_.sweeps;
    if (worst <= kSkip) return true;
    if (sweep > 0) {
      const double q = worst / previous;
      if (q < 1 && worst <= 1 && worst * q / (1 - q) <= kTargetError) return true;
    }
    previous = worst;
  }
  return false;
}

void Clearer::recompute_inflow(const Liabilities& L) {
  std::fill(inflow_.begin(), inflow_.end(), 0.0);
  for (std::size_t i = 0; i < owed_.size(); ++i) {
    const double p = result_.payments[i];
    for (int k = L.row_start[i]; k < L.row_start[i + 1]; ++k)
      inflow_[static_cast<std::size_t>(L.creditor[static_cast<std::size_t>(k)])] +=
          share_[static_cast<std::size_t>(k)] * p;
  }
}

// max_i |p_i − Φ_i(p)| / scale_i over the defaulted nodes (the others pay p̄_i by construction).
double Clearer::worst_residual() const {
  double worst = 0;
  for (const int j : in_default_) {
    const auto ju = static_cast<std::size_t>(j);
    const double target = alpha_ * assets_[ju] + beta_ * inflow_[ju];
    worst = std::max(worst, std::abs(target - result_.payments[ju]) / scale_[ju]);
  }
  return worst;
}

}  // namespace tinderbox::network
