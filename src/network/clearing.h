// Clearing a network of obligations: the greatest clearing vector of Eisenberg & Noe (2001),
// with the default costs of Rogers & Veraart (2013) when α or β is below 1, computed by the
// fictitious-default algorithm. Pure arithmetic on a graph: no scenario, no engine.
//
// A node i owes p̄_i = Σ_j L_ij + external_i and pays p_i. Every creditor, in the network or
// outside it, is paid the same share p_i / p̄_i of its claim (pro rata, one seniority): the
// external creditors are a sink that receives p_i · external_i / p̄_i and pays nothing back.
//   Eisenberg–Noe:   p_i = min(p̄_i, e_i + Σ_j Π_ji p_j),  Π_ij = L_ij / p̄_i
//   Rogers–Veraart:  p_i = p̄_i if e_i + Σ_j Π_ji p_j ≥ p̄_i, else α e_i + β Σ_j Π_ji p_j
// The equations and the algorithm are in docs/network.md.
#pragma once

#include <algorithm>
#include <cstdint>
#include <span>
#include <vector>

namespace tinderbox::network {

// Liabilities in compressed rows: row i lists what node i owes to each creditor in the network.
struct Liabilities {
  int nodes = 0;
  std::vector<int> row_start;  // size nodes + 1
  std::vector<int> creditor;   // per obligation: the node owed
  std::vector<double> amount;  // per obligation: > 0
  // Per node: owed to creditors outside the network (>= 0); empty = none.
  std::vector<double> external;
};

struct ClearingOptions {
  // The shares of its outside assets (α) and of the payments it receives (β) that a node in
  // default realizes; α = β = 1 is Eisenberg–Noe.
  double alpha = 1.0, beta = 1.0;
  // Each payment is within tolerance × max(1, p̄_i) of the greatest clearing vector (relative to
  // what the node owes; absolute for a node that owes less than 1). A node is in default when its
  // shortfall e_i + Σ_j Π_ji p_j − p̄_i is below −tolerance × max(1, p̄_i).
  double tolerance = 1e-9;
};

struct ClearingResult {
  std::vector<double> payments;  // p_i: total node i pays (to network and external creditors)
  std::vector<std::uint8_t> defaulted;  // 1 if node i pays less than it owes
  // Nodes newly found in default in each round of the fictitious-default algorithm.
  std::vector<std::vector<int>> rounds;
  // Diagnostics: Gauss–Seidel sweeps over the defaulted set, all rounds together, and the largest
  // clearing-equation residual |p_i − Φ_i(p)| / max(1, p̄_i) of the returned vector.
  int sweeps = 0;
  double residual = 0;
  bool converged = true;  // false only if a round did not converge within the sweep limit
};

// Keeps its workspace between calls: once it has cleared a network as large as the next one (as
// many nodes, obligations, rounds and defaults), clear() allocates nothing. One Clearer per thread
// serves the engine's per-period and per-path clearing.
class Clearer {
 public:
  // `external_assets` (e_i, cash and other assets outside the network) has one entry per node;
  // a negative e_i is read as 0 (see docs/network.md). The result lives until the next call.
  const ClearingResult& clear(const Liabilities& L, std::span<const double> external_assets,
                              const ClearingOptions& o = {});

 private:
  void prepare(const Liabilities& L, std::span<const double> e, const ClearingOptions& o);
  void sum_rows(const Liabilities& L);
  int find_new_defaults();
  std::size_t scan_by_four(std::size_t& count);
  void open_round(std::size_t size);
  void load_round(const Liabilities& L, std::size_t first);
  bool solve_round(std::size_t visits, std::size_t first);
  void sort_columns(std::size_t first);
  bool insert_columns(std::size_t before, std::size_t first);
  void flush_round(std::size_t first);
  void flush_list(std::size_t count);
  std::size_t scan_deferred(std::size_t count);
  void complete_deferred();
  void restore_completed();
  double sweep(bool store, std::size_t begin);
  // A node's tolerance scale, tolerance × max(1, p̄_i): how far its payment may be from the
  // clearing vector, and how far short of p̄_i it must fall to default (prepare() computes it
  // for two nodes at a time by SSE2, to the same bits).
  double scale(double owed) const { return tolerance_ * std::max(1.0, owed); }

  ClearingResult result_;
  std::vector<std::vector<int>> spare_rounds_;  // round lists kept for reuse (no reallocation)
  std::vector<double> owed_;                    // p̄_i
  std::vector<double> assets_;                  // e_i, floored at 0
  std::vector<double> inflow_;  // Σ_j Π_ji p_j at the payments of the last finished round
  // p̄_i − scale(p̄_i): node i defaults when e_i + inflow_i falls below it (−∞ once it is in D,
  // so that the scans need not read the defaulted flags).
  std::vector<double> limit_;
  std::vector<int> in_default_;   // the defaulted set in the order found: its first defaults_
  std::size_t defaults_ = 0;
  std::vector<int> position_;  // node → its index in in_default_, −1 while it pays in full
  std::vector<double> due_;     // Σ_j L_ji: what node i receives when everybody pays in full
  // The defaulted set D, compact, by position in in_default_: a round's sweeps touch only these
  // and D's obligations to itself, not the network-wide arrays.
  struct Defaulted {
    std::vector<double> payment, start;  // p_j now and when the round opened
    std::vector<double> fixed;  // Σ over debtors that pay in full of L_ij: received in any case
    std::vector<double> assets, inv_scale, inv_owed;
    std::vector<double> per_unit;  // a closing round's change in p_j / p̄_j
    // Where each one's obligations outside D begin in the outside list (they are consecutive,
    // and the next one's begin where they end): the first defaults_ + 1.
    std::vector<int> listed;
  } d_;
  // An obligation as the block and the outside list keep it, its fields side by side: the split
  // in load_round(), which writes each of a new default's obligations to both lists, then makes
  // two stores an obligation fewer (debtor and creditor in one) and keeps its pointers in
  // registers.
  struct Obligation {
    int from, to;  // side by side: flush_round() reads them as one 64-bit word
    double amount;
  };
  // D's obligations to D: as found (`found`: debtor and creditor positions in D and the amount;
  // the first `count`), and by creditor in compressed columns (`start`, the debtor's position
  // `from` and its share Π_ij = L_ij / p̄_i), which the sweeps read; each column padded with 0
  // shares of the spare position n to an even length of at least 2 (`cursor`: the counting
  // sort's scratch).
  struct Block {
    std::vector<int> start, from, cursor;
    // The starts that insert_columns() builds (then swapped with `start`), and each column's
    // obligations without its padding.
    std::vector<int> next_start, filled;
    std::vector<double> share;
    std::vector<Obligation> found;
    std::size_t count = 0;
  } block_;
  // D's obligations to the nodes that pay in full (`list`: debtor's position, creditor node,
  // amount; the first `count`): a round's changes reach those inflows through them when it
  // closes, and those owed to a node that defaults next move into the block (leaving an amount
  // of 0 in their place). Each creditor's obligations are chained, newest first (`head`: node →
  // its last entry, −1 for none; `link`: entry → the creditor's entry before it), so that a round
  // walks only its new defaults' chains, not the whole list.
  struct Outside {
    std::vector<Obligation> list;
    std::vector<int> link, head;
    std::size_t count = 0;
  } outside_;
  // A flush deferred (see flush_round): the round's changes (d_.per_unit) have not reached the
  // inflows of the first `count` entries of the outside list yet. `extra` (0 between uses) is
  // each node's change from the D nodes that changed most (`changed`: flush_round's scratch) and
  // from the new defaults (from position `first` on), `bound` the largest |per_unit| of the
  // others, and `node` / `saved` the nodes whose inflow find_new_defaults() has completed, with
  // their inflows before it (the first `walked`).
  struct Deferred {
    bool pending = false;
    std::size_t count = 0, walked = 0, first = 0;
    double bound = 0;
    std::vector<double> extra, saved;
    std::vector<int> node, changed;
  } deferred_;
  double alpha_ = 1, beta_ = 1, tolerance_ = 1e-9;
  bool long_rows_ = false;  // at least kLongRows obligations a node (the bench's network)
};

}  // namespace tinderbox::network
