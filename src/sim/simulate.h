// Monte Carlo (SPEC §4): the period loop of the deterministic run, once per path, over paths
// drawn by market/stochastic.h. Paths come in fixed blocks (kBlock); threads (oneTBB) take
// blocks in any order and MPI ranks take contiguous ranges of blocks, and since every tally
// merges exactly (sim/tally.h) the result is the same for any split.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "engine/plan.h"
#include "sim/tally.h"

namespace tinderbox {

inline constexpr std::int64_t kBlock = 1024;

struct SimOptions {
  std::int64_t paths = 0;  // 1 .. 2^32
  std::uint32_t seed = 1;
  int threads = 0;         // 0: every core
  // Paths per block: what a thread takes at a time and what MPI ranks' ranges are made of. The
  // drivers' moments are summed in doubles within a block (then exactly across blocks), so the
  // last bits of the drivers' sd depend on it; the command line always uses kBlock. Tests use
  // smaller blocks to give two threads several blocks of a few paths.
  std::int64_t block = kBlock;
  // Called after each block with the paths done so far by this process; from worker threads,
  // one call at a time. May be empty.
  std::function<void(std::int64_t done, std::int64_t total)> progress;
};

// This process's part of the paths: rank `rank` of `size` processes.
struct Share {
  int rank = 0, size = 1;
};

// What the tallies are indexed by, resolved once from the scenario.
struct SimLayout {
  struct Driver {
    std::string name;  // "sofr", "gpu.H100", "demand"
    enum Kind { Rate, Gpu, Demand } kind = Rate;
    int index = 0;     // the rate or the GPU generation
    bool random = false;  // anything drawn at all; otherwise it is its curve on every path
  };
  std::vector<std::string> lenders;  // every lender named by a debt, first use order
  std::vector<int> lender_class;     // per lender: its CreditorClass
  // [entity][debt]: (lender, share) of each lender of the debt.
  std::vector<std::vector<std::vector<std::pair<int, double>>>> debt_lenders;
  std::vector<Driver> drivers;
  std::vector<std::uint8_t> has_books;  // per entity: runs the period loop (has cash to report)

  explicit SimLayout(const Plan& plan);
};

// Runs this process's share of the paths and returns its tally (merge the ranks' tallies for
// the whole run).
Tally simulate_share(const Plan& plan, const SimLayout& layout, const SimOptions& o, Share share);

}  // namespace tinderbox
