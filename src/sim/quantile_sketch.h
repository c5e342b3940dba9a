// A mergeable quantile sketch with relative accuracy (DDSketch, Masson et al., VLDB 2019).
//
// Monte Carlo needs the quantiles of cash in every period without keeping paths x periods
// values. Values fall into logarithmic buckets at most a factor (1 + a) / (1 - a) wide
// (quantile_sketch.cpp); a bucket's count is an integer, so sketches merge exactly in any order
// and a result never depends on how paths were split among threads or ranks. A quantile is the
// representative of the bucket holding the value of that rank, which lies within a relative a of
// every value in the bucket, clamped to the smallest and largest value seen (so a sample of equal
// values gives that value exactly); ranks 1 and n give the smallest and largest value themselves.
// Values with |x| below `kZero` count as zero.
#pragma once

#include <cstdint>
#include <limits>
#include <vector>

namespace tinderbox {

class QuantileSketch {
 public:
  static constexpr double kAccuracy = 0.005;  // relative
  static constexpr double kZero = 1e-9;

  void add(double x);
  void merge(const QuantileSketch& o);
  std::int64_t count() const { return count_; }
  // The value of rank ceil(q n) (1-based, at least 1) to within kAccuracy; NaN when empty.
  double quantile(double q) const;

  // Plain words for sending a sketch between MPI ranks.
  void write(std::vector<std::int64_t>& out) const;
  // Reads what write() wrote at `pos`, advancing it.
  static QuantileSketch read(const std::vector<std::int64_t>& in, std::size_t& pos);

 private:
  // Counts of buckets [offset, offset + counts.size()), grown on demand.
  struct Store {
    std::int64_t offset = 0;
    std::vector<std::int64_t> counts;
    void add(std::int64_t key, std::int64_t n);
  };
  static std::int64_t key(double magnitude);
  static double value(std::int64_t key);

  Store positive_, negative_;  // negative values by their magnitude
  std::int64_t zeros_ = 0, count_ = 0;
  double min_ = std::numeric_limits<double>::infinity();
  double max_ = -std::numeric_limits<double>::infinity();
};

}  // namespace tinderbox
