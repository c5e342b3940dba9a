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
  // The largest of the ranks' statuses (0 = go on), on every rank: all stop together when any
  // rank could not read its input.
  virtual int agree(int status) = 0;
};

// MPI when compiled in and launched by mpirun; otherwise one process.
std::unique_ptr<Comm> make_comm();

}  // namespace tinderbox
