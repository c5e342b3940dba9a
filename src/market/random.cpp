#include "market/random.h"

#include <cstddef>

namespace tinderbox {

void normal_quantiles(const double* __restrict u, double* __restrict z, std::size_t n,
                      std::uint32_t* __restrict scratch) {
  // Every value through AS 241's central branch: the same operations in the same order as
  // normal_quantile(), without its branch, so that the compiler vectorises the loop. A tail
  // value gets a finite number here (r stays in [-0.07, 0.18]), replaced below.
  for (std::size_t i = 0; i < n; ++i) {
    const double q = u[i] - 0.5;
    const double r = 0.180625 - q * q;
    z[i] = q * detail::poly7(detail::kA, r) / detail::poly7(detail::kB, r);
  }
  // The tails, listed without a branch (which would be mispredicted on random input), then
  // redone by the scalar function.
  std::size_t tails = 0;
  for (std::size_t i = 0; i < n; ++i) {
    scratch[tails] = static_cast<std::uint32_t>(i);
    tails += std::fabs(u[i] - 0.5) > 0.425;
  }
  for (std::size_t j = 0; j < tails; ++j) z[scratch[j]] = normal_quantile(u[scratch[j]]);
}

}  // namespace tinderbox
