// The processes of one run: this process alone, or the ranks of an MPI job (`mpirun -np N
// tinderbox simulate ...`). MPI support is compiled in when the build finds Open MPI
// (TINDERBOX_MPI); it is used only when the process was started by mpirun, so a plain
// `tinderbox simulate` never initializes MPI.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "sim/simulate.h"

namespace tinderbox {

class Comm {
 public:
  virtual ~Comm() = default;
  virtual Share share() const = 0;
  // Rank 0 receives every rank's words, in rank order; the other ranks receive nothing.
  virtual std::vector<std::vector<std::int64_t>> gather(const std::vector<std::int64_t>& words) = 0;
  // Rank 0's verdict (0 = go on) reaches every rank, so that all stop together on bad input.
  virtual int agree(int rank0_status) = 0;
};

// MPI when compiled in and launched by mpirun; otherwise one process.
std::unique_ptr<Comm> make_comm();

}  // namespace tinderbox
