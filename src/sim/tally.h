// What Monte Carlo keeps of its paths: counts, sketches and per-path loss scalars, never
// paths x periods values (SPEC §4). Every part merges exactly, in any order — integer counts,
// sketches of integer counts, fixed-point sums, multisets of losses — so the result is the same
// bit for bit for any number of threads or MPI ranks (DESIGN.md, Randomness).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "scenario/scenario.h"
#include "sim/quantile_sketch.h"

namespace tinderbox {

// A sum of reals kept exactly: each block's double sum is rounded once to a multiple of 2^-40
// and added as a 128-bit integer, so adding blocks in any order gives the same total.
class ExactSum {
 public:
  void add_block(double block_sum);
  void merge(const ExactSum& o) { v_ += o.v_; }
  double value() const;
  void write(std::vector<std::int64_t>& out) const;
  static ExactSum read(const std::vector<std::int64_t>& in, std::size_t& pos);

 private:
  __extension__ using Int128 = __int128;
  Int128 v_ = 0;
};

struct Tally {
  std::int64_t paths = 0;
  int periods = 0;
  // [entity * periods + k]: paths in which the entity defaulted in period k.
  std::vector<std::int64_t> defaults;
  // [n]: paths with n entities defaulted by the horizon, n = 0..entities.
  std::vector<std::int64_t> default_count;
  // [entity * periods + k]: cash at e_k (entities with books; empty sketches for the others).
  std::vector<QuantileSketch> cash;
  // Per lender: its loss on each path where it lost anything ($M, > 0); other paths lost 0.
  std::vector<std::vector<double>> lender_loss;
  std::vector<double> system_loss;  // likewise, all lenders together
  // Per creditor class (CreditorClass order): the loss of each path where the class lost anything.
  std::vector<std::vector<double>> class_loss;
  // [driver * periods + k]: sums of (value - deterministic value) and of its square.
  std::vector<ExactSum> driver_sum, driver_sum2;
  // Periods, summed over paths, whose fire-sale passes reached network.max_rounds before the
  // units sold settled (reported, never silently approximated: docs/model.md, Forced sales).
  std::int64_t unsettled_periods = 0;

  Tally() = default;
  Tally(int entities, int periods, int lenders, int drivers);
  void merge(const Tally& o);
  std::vector<std::int64_t> serialize() const;
  static Tally deserialize(const std::vector<std::int64_t>& words);
};

}  // namespace tinderbox
