#include "sim/quantile_sketch.h"

#include <algorithm>
#include <bit>
#include <cstdint>
#include <cmath>

namespace tinderbox {
namespace {

// Keys come from a piecewise-linear log2 read off the double's bits (DDSketch's "linearly
// interpolated mapping"): for x = f 2^e, f in [1, 2), l(x) = e + (f - 1) and key = floor(l m).
// Since d l / d ln x = f >= 1, a bucket spans at most 1/m in ln x, so the representative
// 2 lo hi / (lo + hi) is within (e^(1/m) - 1) / (e^(1/m) + 1) of every value in [lo, hi):
// m = 100 gives 0.49999 %, inside kAccuracy. No log() per value: the sketch is fed every period.
constexpr double kPerOctave = QuantileSketch::kPerOctave;
static_assert((1.0100501670841679 - 1) / (1.0100501670841679 + 1) < QuantileSketch::kAccuracy,
              "e^(1/m): a bucket's width must keep the representative within kAccuracy");

double lower_bound_of(std::int64_t k) {
  const double l = double(k) / kPerOctave;
  const double e = std::floor(l);
  return std::ldexp(1 + (l - e), static_cast<int>(e));
}

}  // namespace

double QuantileSketch::value(std::int64_t k) {
  const double lo = lower_bound_of(k), hi = lower_bound_of(k + 1);
  return 2 * lo * hi / (lo + hi);
}

void QuantileSketch::Store::add(std::int64_t k, std::int64_t n) {
  if (counts.empty()) {
    offset = k;
    counts.assign(1, 0);
  } else if (k < offset) {
    // Grow downwards with room to spare, so that a slowly widening range stays cheap.
    const std::int64_t grow = std::max<std::int64_t>(offset - k, 32);
    counts.insert(counts.begin(), static_cast<std::size_t>(grow), 0);
    offset -= grow;
  } else if (k >= offset + static_cast<std::int64_t>(counts.size())) {
    const auto need = static_cast<std::size_t>(k - offset + 1);
    counts.resize(std::max(need, counts.size() + 32), 0);
  }
  counts[static_cast<std::size_t>(k - offset)] += n;
}

void QuantileSketch::merge(const QuantileSketch& o) {
  count_ += o.count_;
  zeros_ += o.zeros_;
  min_ = std::min(min_, o.min_);
  max_ = std::max(max_, o.max_);
  for (std::size_t i = 0; i < o.positive_.counts.size(); ++i)
    if (o.positive_.counts[i]) positive_.add(o.positive_.offset + std::int64_t(i), o.positive_.counts[i]);
  for (std::size_t i = 0; i < o.negative_.counts.size(); ++i)
    if (o.negative_.counts[i]) negative_.add(o.negative_.offset + std::int64_t(i), o.negative_.counts[i]);
}

double QuantileSketch::quantile(double q) const {
  if (count_ == 0) return std::numeric_limits<double>::quiet_NaN();
  const auto rank = std::clamp<std::int64_t>(static_cast<std::int64_t>(std::ceil(q * double(count_))), 1, count_);
  // The extremes are known exactly.
  if (rank == 1) return min_;
  if (rank == count_) return max_;
  std::int64_t seen = 0;
  double v = 0;
  bool found = false;
  // Ascending values: negatives from the largest magnitude down, zeros, positives upwards.
  for (std::size_t i = negative_.counts.size(); i-- > 0 && !found;)
    if ((seen += negative_.counts[i]) >= rank) v = -value(negative_.offset + std::int64_t(i)), found = true;
  if (!found && (seen += zeros_) >= rank) v = 0, found = true;
  for (std::size_t i = 0; i < positive_.counts.size() && !found; ++i)
    if ((seen += positive_.counts[i]) >= rank) v = value(positive_.offset + std::int64_t(i)), found = true;
  return std::clamp(v, min_, max_);
}

void QuantileSketch::write(std::vector<std::int64_t>& out) const {
  out.push_back(count_);
  out.push_back(zeros_);
  out.push_back(std::bit_cast<std::int64_t>(min_));
  out.push_back(std::bit_cast<std::int64_t>(max_));
  for (const Store* s : {&positive_, &negative_}) {
    out.push_back(s->offset);
    out.push_back(static_cast<std::int64_t>(s->counts.size()));
    out.insert(out.end(), s->counts.begin(), s->counts.end());
  }
}

QuantileSketch QuantileSketch::read(const std::vector<std::int64_t>& in, std::size_t& pos) {
  QuantileSketch q;
  q.count_ = in[pos++];
  q.zeros_ = in[pos++];
  q.min_ = std::bit_cast<double>(in[pos++]);
  q.max_ = std::bit_cast<double>(in[pos++]);
  for (Store* s : {&q.positive_, &q.negative_}) {
    s->offset = in[pos++];
    const auto size = static_cast<std::size_t>(in[pos++]);
    s->counts.assign(in.begin() + static_cast<std::ptrdiff_t>(pos),
                     in.begin() + static_cast<std::ptrdiff_t>(pos + size));
    pos += size;
  }
  return q;
}

}  // namespace tinderbox
