#include "sim/comm.h"

#include <cstdlib>

#ifdef TINDERBOX_MPI
#include <mpi.h>
#endif

namespace tinderbox {
namespace {

class Alone final : public Comm {
 public:
  Share share() const override { return {}; }
  std::vector<std::vector<std::int64_t>> gather(const std::vector<std::int64_t>& words) override {
    return {words};
  }
  int agree(int status) override { return status; }
};

#ifdef TINDERBOX_MPI
class Mpi final : public Comm {
 public:
  Mpi() {
    MPI_Init(nullptr, nullptr);
    MPI_Comm_rank(MPI_COMM_WORLD, &share_.rank);
    MPI_Comm_size(MPI_COMM_WORLD, &share_.size);
  }
  ~Mpi() override { MPI_Finalize(); }
  Share share() const override { return share_; }

  std::vector<std::vector<std::int64_t>> gather(const std::vector<std::int64_t>& words) override {
    const long long mine = static_cast<long long>(words.size());
    std::vector<long long> sizes(static_cast<std::size_t>(share_.size));
    MPI_Gather(&mine, 1, MPI_LONG_LONG, sizes.data(), 1, MPI_LONG_LONG, 0, MPI_COMM_WORLD);
    std::vector<int> counts, offsets;
    std::vector<std::int64_t> all;
    if (share_.rank == 0) {
      long long total = 0;
      for (long long s : sizes) {
        counts.push_back(static_cast<int>(s));
        offsets.push_back(static_cast<int>(total));
        total += s;
      }
      all.resize(static_cast<std::size_t>(total));
    }
    MPI_Gatherv(words.data(), static_cast<int>(mine), MPI_INT64_T, all.data(), counts.data(),
                offsets.data(), MPI_INT64_T, 0, MPI_COMM_WORLD);
    std::vector<std::vector<std::int64_t>> out;
    for (std::size_t r = 0; r < counts.size(); ++r)
      out.emplace_back(all.begin() + offsets[r], all.begin() + offsets[r] + counts[r]);
    return out;
  }

  int agree(int status) override {
    int worst = status;
    MPI_Allreduce(&status, &worst, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    return worst;
  }

 private:
  Share share_;
};
#endif

}  // namespace

std::unique_ptr<Comm> make_comm() {
#ifdef TINDERBOX_MPI
  // Open MPI's launcher sets OMPI_COMM_WORLD_SIZE; PMI_SIZE / PMIX_RANK cover other launchers.
  if (std::getenv("OMPI_COMM_WORLD_SIZE") || std::getenv("PMI_SIZE") || std::getenv("PMIX_RANK"))
    return std::make_unique<Mpi>();
#endif
  return std::make_unique<Alone>();
}

}  // namespace tinderbox
