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

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

namespace tinderbox {

class QuantileSketch {
 public:
  static constexpr double kAccuracy = 0.005;  // relative
  static constexpr double kZero = 1e-9;
  static constexpr double kPerOctave = 100;  // buckets per factor of 2 (quantile_sketch.cpp)

  void add(double x) { add_n(&x, 1, 1); }  // one value: a batch of one
  // add(x[0]), add(x[stride]), ... add(x[(n - 1) stride]), with the count and extremes kept in
  // registers over the batch (Monte Carlo adds a batch of paths at a time).
  void add_n(const double* x, std::size_t stride, std::size_t n) {
    double lo = min_, hi = max_;
    std::int64_t zeros = 0;
    for (std::size_t p = 0; p < n; ++p) {
      const double v = x[p * stride];
      lo = v < lo ? v : lo;
      hi = v > hi ? v : hi;
      if (std::fabs(v) < kZero)
        ++zeros;
      else if (v > 0)
        positive_.add(key(v));
      else
        negative_.add(key(-v));
    }
    count_ += static_cast<std::int64_t>(n);
    zeros_ += zeros;
    min_ = lo;
    max_ = hi;
  }
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
    void add(std::int64_t key) {
      const auto i = static_cast<std::uint64_t>(key - offset);
      if (i < counts.size())
        ++counts[i];
      else
        add(key, 1);
    }
    void add(std::int64_t key, std::int64_t n);  // grows the store when the key is outside it
  };
  // Keys come from a piecewise-linear log2 read off the double's bits (quantile_sketch.cpp).
  static std::int64_t key(double magnitude) {
    // exponent + fraction, e + m 2^-52 for magnitude = (1 + m 2^-52) 2^e, rounded once: the
    // integer e 2^52 + m is the bits less 1023 2^52, and its conversion rounds it the same way
    // (scaling by 2^-52 is exact), in one signed conversion rather than an unsigned one and an add.
    const auto bits = std::bit_cast<std::int64_t>(magnitude) & 0x7fffffffffffffff;  // (a NaN's sign)
    const double l = double(bits - (std::int64_t(1023) << 52)) * 0x1p-52;
    // floor() without a call into libm (x86-64's baseline has no rounding instruction).
    const double t = l * kPerOctave;
    const auto k = static_cast<std::int64_t>(t);
    return double(k) > t ? k - 1 : k;
  }

  static double value(std::int64_t key);

  Store positive_, negative_;  // negative values by their magnitude
  std::int64_t zeros_ = 0, count_ = 0;
  double min_ = std::numeric_limits<double>::infinity();
  double max_ = -std::numeric_limits<double>::infinity();
};

}  // namespace tinderbox
