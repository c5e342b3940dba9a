// Counter-based random numbers for Monte Carlo paths.
//
// Philox4x32-10 (Random123) is keyed by (seed, path) and counted by (period, driver, draw): every
// number of a path is a pure function of those five integers, so a path comes out the same
// whichever thread or MPI rank draws it, in whatever order (DESIGN.md, Randomness).
#pragma once

#include <array>
#include <cstdint>

#include <Random123/philox.h>

namespace tinderbox {

// The drivers' counter slots (the second counter word). New drivers get new numbers, so adding
// one never changes the numbers the others draw.
enum class Stream : std::uint32_t {
  Rate = 1,      // draw = the rate's index
  Gpu = 2,       // draw = block of four generations
  Demand = 3,
  Releases = 4,  // draw 0: the counts, four periods a call; draws 1, 2, ...: period k's cuts
  Cancel = 5,    // draw = the contract's number across entities
  Copula = 6,    // period 0; draw 0: the common factor Z; draw 1 + i: entity i's own factor
};

class PathRandom {
 public:
  PathRandom(std::uint32_t seed, std::uint32_t path) : key_{{seed, path}} {}

  // Four independent uniforms in (0, 1), with 32 bits each: (n + 0.5) / 2^32.
  std::array<double, 4> uniforms(std::uint32_t period, Stream s, std::uint32_t draw) const {
    const auto r = bits(period, s, draw);
    return {u32(r[0]), u32(r[1]), u32(r[2]), u32(r[3])};
  }

  // The four raw 32-bit words of one draw.
  std::array<std::uint32_t, 4> words(std::uint32_t period, Stream s, std::uint32_t draw) const {
    const auto r = bits(period, s, draw);
    return {r[0], r[1], r[2], r[3]};
  }

  // Two independent uniforms in (0, 1) with 53 bits each, for tail probabilities (credit).
  std::array<double, 2> fine_uniforms(std::uint32_t period, Stream s, std::uint32_t draw) const {
    const auto r = bits(period, s, draw);
    return {u53(r[0], r[1]), u53(r[2], r[3])};
  }

 private:
  r123::Philox4x32::ctr_type bits(std::uint32_t period, Stream s, std::uint32_t draw) const {
    const r123::Philox4x32::ctr_type ctr{{period, static_cast<std::uint32_t>(s), draw, 0}};
    return r123::Philox4x32()(ctr, key_);
  }
  static double u32(std::uint32_t x) { return (double(x) + 0.5) * 0x1p-32; }
  static double u53(std::uint32_t hi, std::uint32_t lo) {
    const std::uint64_t x = (std::uint64_t(hi) << 21) ^ (lo >> 11);  // 53 bits
    return (double(x) + 0.5) * 0x1p-53;
  }

  r123::Philox4x32::key_type key_;
};

// A UniformRandomBitGenerator over the successive draws of one (path, period, stream), from
// `first_draw` on: for library distributions that take a varying number of words (Boost.Random's
// beta_distribution, by rejection).
class WordStream {
 public:
  using result_type = std::uint32_t;
  WordStream(const PathRandom& r, std::uint32_t period, Stream s, std::uint32_t first_draw)
      : r_(r), period_(period), stream_(s), draw_(first_draw) {}
  static constexpr result_type min() { return 0; }
  static constexpr result_type max() { return 0xffffffffu; }
  result_type operator()() {
    if (used_ == 4) {
      words_ = r_.words(period_, stream_, draw_++);
      used_ = 0;
    }
    return words_[used_++];
  }

 private:
  const PathRandom& r_;
  std::uint32_t period_;
  Stream stream_;
  std::uint32_t draw_;
  std::array<std::uint32_t, 4> words_{};
  std::size_t used_ = 4;
};

// The standard normal quantile Phi^-1(p) for p in (0, 1): Wichura's algorithm AS 241 (PPND16,
// Applied Statistics 37(3), 1988), accurate to about 1e-16. Inversion takes one uniform per
// normal and is several times faster than Box-Muller or Boost's erfc_inv here; its accuracy is
// tested against Boost (src/market/random_test.cpp).
double normal_quantile(double p);

}  // namespace tinderbox
