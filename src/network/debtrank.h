// DebtRank: how far a loss of equity travels through a network of exposures.
//
// X_ij is i's exposure to j (what i loses if j's obligations to it become worthless), E_i the
// equity of i, h_i ∈ [0, 1] i's relative loss of equity. The impact on i of j's distress is
// Λ_ij = X_ij / E_i (Bardoscia et al.'s interbank leverage matrix; Battiston et al. (2012) write
// the same impact, with indices the other way round, as W_ji = min(1, X_ij / E_i)).
//   2012 (Battiston et al.):  h_i(t) = min(1, h_i(t−1) + Σ_{j distressed at t−1} min(1, Λ_ij)
//   h_j(t−1));
//     a node is undistressed, distressed (the step after its h became positive) or inactive (the
//     step after that): each node propagates once.
//   linear (Bardoscia et al. 2015):  h_i(t+1) = min(1, h_i(t) + Σ_j Λ_ij (h_j(t) − h_j(t−1))),
//     h(0) = 0; a node passes on every increase of its loss, so it may propagate repeatedly.
// Both start from h(1) = the shock and report R = Σ_i v_i h_i(T) − Σ_i v_i h_i(1). The equations
// and conventions are in docs/network.md.
#pragma once

#include <span>
#include <vector>

namespace tinderbox::network {

// Exposures in compressed rows: row i lists i's exposure to each counterparty j. A row may list
// the same j more than once (say, two loans from i to j): X_ij is then their sum, so that the
// 2012 cap min(1, X_ij / E_i) applies to i's whole exposure to j.
struct Exposures {
  int nodes = 0;
  std::vector<int> row_start;     // size nodes + 1
  std::vector<int> counterparty;  // per exposure: j
  std::vector<double> amount;     // per exposure: X_ij >= 0
};

enum class DebtRankVariant { k2012, kLinear };

// What a node without positive equity is (docs/network.md, No equity).
enum class NoEquity {
  // Already in default, as Bardoscia et al. treat such banks at t = 0: a node with exposures
  // starts at h = 1 whatever its shock. The research interface's convention.
  kDefaulted,
  // Standing, with no buffer left (the limit E_i → 0+): it starts at its shock, and any distress
  // that reaches it through an exposure X_ij > 0 hits it fully — impact min(1, Λ_ij) = 1 in the
  // 2012 variant, Λ_ij = ∞ (h_i jumps to 1) in the linear one. A scenario's exposure network,
  // whose entities of mark 0 have not defaulted.
  kNoBuffer,
};

struct DebtRankOptions {
  DebtRankVariant variant = DebtRankVariant::k2012;
  NoEquity no_equity = NoEquity::kDefaulted;
  // The linear variant stops when no h moves by more than this in a step. It gives up
  // (converged = false) after max_steps, or after about 2e8 node and exposure visits.
  double tolerance = 1e-12;
  int max_steps = 100000;
};

struct DebtRankResult {
  std::vector<double> h;  // h_i(T)
  double R = 0;           // Σ v_i h_i(T) − Σ v_i h_i(1)
  // rounds[0]: the nodes distressed at t = 1 (shocked, or without equity under
  // NoEquity::kDefaulted); rounds[k]: those
  // first distressed at t = k + 1.
  std::vector<std::vector<int>> rounds;
  int steps = 0;  // propagation steps run
  bool converged = true;
};

// `shock` holds h_i(1) ∈ [0, 1] per node. A node with exposures but no positive equity starts at
// h = 1 (it has nothing left to lose) or, under NoEquity::kNoBuffer, at its shock. `weights` are
// the v_i (normalized to sum 1); empty means equity shares, v_i = max(0, E_i) / Σ_j max(0, E_j).
DebtRankResult debtrank(const Exposures& X, std::span<const double> equity,
                        std::span<const double> shock, std::span<const double> weights = {},
                        const DebtRankOptions& o = {});

}  // namespace tinderbox::network
