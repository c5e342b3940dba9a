#include "sim/tally.h"

#include <bit>
#include <cmath>

namespace tinderbox {
namespace {

constexpr double kScale = 0x1p40;  // fixed-point unit 2^-40, about 9e-13

void write_doubles(const std::vector<double>& v, std::vector<std::int64_t>& out) {
  out.push_back(static_cast<std::int64_t>(v.size()));
  for (double x : v) out.push_back(std::bit_cast<std::int64_t>(x));
}

std::vector<double> read_doubles(const std::vector<std::int64_t>& in, std::size_t& pos) {
  std::vector<double> v(static_cast<std::size_t>(in[pos++]));
  for (double& x : v) x = std::bit_cast<double>(in[pos++]);
  return v;
}

void write_counts(const std::vector<std::int64_t>& v, std::vector<std::int64_t>& out) {
  out.push_back(static_cast<std::int64_t>(v.size()));
  out.insert(out.end(), v.begin(), v.end());
}

std::vector<std::int64_t> read_counts(const std::vector<std::int64_t>& in, std::size_t& pos) {
  const auto n = static_cast<std::size_t>(in[pos++]);
  std::vector<std::int64_t> v(in.begin() + static_cast<std::ptrdiff_t>(pos),
                              in.begin() + static_cast<std::ptrdiff_t>(pos + n));
  pos += n;
  return v;
}

}  // namespace

void ExactSum::add_block(double block_sum) {
  v_ += static_cast<Int128>(std::nearbyint(block_sum * kScale));
}

double ExactSum::value() const { return static_cast<double>(v_) / kScale; }

void ExactSum::write(std::vector<std::int64_t>& out) const {
  out.push_back(static_cast<std::int64_t>(static_cast<std::uint64_t>(v_)));
  out.push_back(static_cast<std::int64_t>(v_ >> 64));
}

ExactSum ExactSum::read(const std::vector<std::int64_t>& in, std::size_t& pos) {
  ExactSum s;
  const auto lo = static_cast<std::uint64_t>(in[pos++]);
  const auto hi = in[pos++];
  s.v_ = (static_cast<Int128>(hi) << 64) | static_cast<Int128>(lo);
  return s;
}

Tally::Tally(int entities, int periods_, int lenders, int drivers)
    : periods(periods_),
      defaults(static_cast<std::size_t>(entities * periods_), 0),
      default_count(static_cast<std::size_t>(entities + 1), 0),
      cash(static_cast<std::size_t>(entities * periods_)),
      lender_loss(static_cast<std::size_t>(lenders)),
      class_loss(static_cast<std::size_t>(kCreditorClasses)),
      driver_sum(static_cast<std::size_t>(drivers * periods_)),
      driver_sum2(static_cast<std::size_t>(drivers * periods_)) {}

void Tally::merge(const Tally& o) {
  paths += o.paths;
  unsettled_periods += o.unsettled_periods;
  for (std::size_t i = 0; i < defaults.size(); ++i) defaults[i] += o.defaults[i];
  for (std::size_t i = 0; i < default_count.size(); ++i) default_count[i] += o.default_count[i];
  for (std::size_t i = 0; i < cash.size(); ++i) cash[i].merge(o.cash[i]);
  for (std::size_t l = 0; l < lender_loss.size(); ++l)
    lender_loss[l].insert(lender_loss[l].end(), o.lender_loss[l].begin(), o.lender_loss[l].end());
  system_loss.insert(system_loss.end(), o.system_loss.begin(), o.system_loss.end());
  for (std::size_t c = 0; c < class_loss.size(); ++c)
    class_loss[c].insert(class_loss[c].end(), o.class_loss[c].begin(), o.class_loss[c].end());
  for (std::size_t i = 0; i < driver_sum.size(); ++i) {
    driver_sum[i].merge(o.driver_sum[i]);
    driver_sum2[i].merge(o.driver_sum2[i]);
  }
}

std::vector<std::int64_t> Tally::serialize() const {
  std::vector<std::int64_t> out{paths, periods, unsettled_periods};
  write_counts(defaults, out);
  write_counts(default_count, out);
  out.push_back(static_cast<std::int64_t>(cash.size()));
  for (const QuantileSketch& q : cash) q.write(out);
  out.push_back(static_cast<std::int64_t>(lender_loss.size()));
  for (const auto& l : lender_loss) write_doubles(l, out);
  write_doubles(system_loss, out);
  out.push_back(static_cast<std::int64_t>(class_loss.size()));
  for (const auto& l : class_loss) write_doubles(l, out);
  out.push_back(static_cast<std::int64_t>(driver_sum.size()));
  for (std::size_t i = 0; i < driver_sum.size(); ++i) {
    driver_sum[i].write(out);
    driver_sum2[i].write(out);
  }
  return out;
}

Tally Tally::deserialize(const std::vector<std::int64_t>& in) {
  Tally t;
  std::size_t pos = 0;
  t.paths = in[pos++];
  t.periods = static_cast<int>(in[pos++]);
  t.unsettled_periods = in[pos++];
  t.defaults = read_counts(in, pos);
  t.default_count = read_counts(in, pos);
  t.cash.resize(static_cast<std::size_t>(in[pos++]));
  for (QuantileSketch& q : t.cash) q = QuantileSketch::read(in, pos);
  t.lender_loss.resize(static_cast<std::size_t>(in[pos++]));
  for (auto& l : t.lender_loss) l = read_doubles(in, pos);
  t.system_loss = read_doubles(in, pos);
  t.class_loss.resize(static_cast<std::size_t>(in[pos++]));
  for (auto& l : t.class_loss) l = read_doubles(in, pos);
  const auto drivers = static_cast<std::size_t>(in[pos++]);
  for (std::size_t i = 0; i < drivers; ++i) {
    t.driver_sum.push_back(ExactSum::read(in, pos));
    t.driver_sum2.push_back(ExactSum::read(in, pos));
  }
  return t;
}

}  // namespace tinderbox
