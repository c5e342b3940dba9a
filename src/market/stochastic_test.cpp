// Statistical tests of the stochastic drivers: each simulated moment against its analytic value
// within 4 standard errors, computed here independently of the generator's own formulas.
#include "market/stochastic.h"

#include <boost/math/distributions/chi_squared.hpp>
#include <boost/math/distributions/normal.hpp>
#include <boost/math/special_functions/binomial.hpp>
#include <gtest/gtest.h>

#include <cmath>

#include "../../tests/support.h"

namespace tinderbox {
namespace {

constexpr char kMarket[] = R"(tinderbox: 1
name: drivers
start: 2025-01-01
horizon: 60
market:
  rates:
    sofr: [[2025-01-01, 0.043], [2027-01-01, 0.035]]
    prime: [[2025-01-01, 0.075]]
  gpu:
    H100: {rent: [[2025-01-01, 2.40], [2029-12-31, 1.20]], economic_life_years: 5,
           reference_utilization: 0.8, cash_cost_per_hour: 0.2}
    B200: {rent: [[2025-01-01, 4.00]], economic_life_years: 5, reference_utilization: 0.8, cash_cost_per_hour: 0.3}
  discount_rate: 0.12
entities:
  buyer: {kind: external}
)";

struct Fixture {
  Scenario s;
  Timeline t;
  explicit Fixture(Scenario sc) : s(std::move(sc)), t(s) {}
};

// Values of one series per period over `paths` paths: [path][k].
template <class Get>
std::vector<std::vector<double>> sample(Fixture& f, int paths, Get get) {
  PathGenerator g(f.s, f.t);
  MarketPath m = g.deterministic();
  std::vector<int> defaults;
  std::vector<std::vector<double>> out;
  for (int p = 0; p < paths; ++p) {
    g.fill(42, static_cast<std::uint32_t>(p), m, defaults);
    std::vector<double> row;
    for (int k = 0; k < f.t.periods; ++k) row.push_back(get(m, k));
    out.push_back(std::move(row));
  }
  return out;
}

struct Stats {
  double mean = 0, var = 0;
};
Stats stats(const std::vector<std::vector<double>>& v, int k) {
  Stats s;
  for (const auto& row : v) s.mean += row[static_cast<std::size_t>(k)];
  s.mean /= double(v.size());
  for (const auto& row : v) s.var += std::pow(row[static_cast<std::size_t>(k)] - s.mean, 2);
  s.var /= double(v.size() - 1);
  return s;
}

double years(const Timeline& t, int k) { return double(t.starts[static_cast<std::size_t>(k)] - t.starts[0]) / 365.0; }
double ou_var(double a, double s, double t) { return s * s * (1 - std::exp(-2 * a * t)) / (2 * a); }

TEST(Drivers, SofrIsCurvePlusAnOrnsteinUhlenbeckDeviation) {
  Fixture f(test_support::scenario_from(kMarket));
  f.s.stochastic.rates[0].ou = {0.5, 0.01};
  f.s.stochastic.rates[1].follows = 0;
  const int n = 20000;
  const auto sofr = sample(f, n, [](const MarketPath& m, int k) { return m.rate_at(0, k); });
  const auto prime = sample(f, 200, [](const MarketPath& m, int k) { return m.rate_at(1, k); });
  const auto sofr_again = sample(f, 200, [](const MarketPath& m, int k) { return m.rate_at(0, k); });
  for (int k = 0; k < f.t.periods; ++k) {
    const double curve = f.s.market.rates[0].curve.at(f.t.starts[static_cast<std::size_t>(k)]);
    const double var = ou_var(0.5, 0.01, years(f.t, k));
    const Stats st = stats(sofr, k);
    if (k == 0) {
      EXPECT_NEAR(st.mean, curve, 1e-12);  // every path has the curve: only rounding
      EXPECT_LT(st.var, 1e-25);
      continue;
    }
    EXPECT_NEAR(st.mean, curve, 4 * std::sqrt(var / n)) << "period " << k;
    // The sample variance of normals has a standard error of var sqrt(2 / n).
    EXPECT_NEAR(st.var, var, 4 * var * std::sqrt(2.0 / n)) << "period " << k;
  }
  // prime follows sofr: the same deviation on every path.
  for (std::size_t p = 0; p < prime.size(); ++p)
    for (int k = 0; k < f.t.periods; ++k)
      EXPECT_NEAR(prime[p][static_cast<std::size_t>(k)] - 0.075,
                  sofr_again[p][static_cast<std::size_t>(k)] -
                      f.s.market.rates[0].curve.at(f.t.starts[static_cast<std::size_t>(k)]),
                  1e-15);
}

// E[W^m] for W = 1 - C ~ Beta(b, a) when C ~ Beta(a, b).
double keep_moment(double a, double b, int m) {
  double v = 1;
  for (int r = 0; r < m; ++r) v *= (b + r) / (a + b + r);
  return v;
}

TEST(Drivers, GpuRentIsLognormalTimesReleaseCuts) {
  Fixture f(test_support::scenario_from(kMarket));
  f.s.stochastic.gpu[0] = {1.0, 0.30};
  f.s.stochastic.gpu[1] = {1.0, 0.35};
  f.s.stochastic.gpu_correlation = {{1.0, 0.8}, {0.8, 1.0}};
  f.s.stochastic.releases = {0.5, 0.25, 0.10, {0}};
  const int n = 40000;
  const auto rent = sample(f, n, [](const MarketPath& m, int k) { return m.rent_at(0, k); });
  const auto b200 = sample(f, n, [](const MarketPath& m, int k) { return m.rent_at(1, k); });
  // Beta(a, b) with mean 0.25 and sd 0.10.
  const double mu = 0.25, v = 0.01, sum = mu * (1 - mu) / v - 1, a = mu * sum, b = (1 - mu) * sum;
  for (int k = 1; k < f.t.periods; ++k) {
    const double t = years(f.t, k);
    for (int g = 0; g < 2; ++g) {
      const double c = f.s.market.gpus[static_cast<std::size_t>(g)].rent.at(f.t.starts[static_cast<std::size_t>(k)]);
      const double s = g == 0 ? 0.30 : 0.35;
      const double w = ou_var(1.0, s, t);
      // E[X^m] = c^m exp(m^2 w / 2) E[J^m], E[J^m] = exp(-lambda t (1 - E[W^m])) for H100.
      const auto raw = [&](int m) {
        const double jump = g == 0 ? std::exp(-0.5 * t * (1 - keep_moment(a, b, m))) : 1.0;
        return std::pow(c, m) * std::exp(m * m * w / 2) * jump;
      };
      const double mean = raw(1), var = raw(2) - mean * mean;
      const double mu4 = raw(4) - 4 * raw(3) * mean + 6 * raw(2) * mean * mean - 3 * std::pow(mean, 4);
      const Stats st = stats(g == 0 ? rent : b200, k);
      EXPECT_NEAR(st.mean, mean, 4 * std::sqrt(var / n)) << "gpu " << g << " period " << k;
      EXPECT_NEAR(st.var, var, 4 * std::sqrt((mu4 - var * var) / n)) << "gpu " << g << " period " << k;
    }
  }
}

TEST(Drivers, GenerationsAreCorrelatedAsGiven) {
  Fixture f(test_support::scenario_from(kMarket));
  f.s.stochastic.gpu[0] = {1.0, 0.30};
  f.s.stochastic.gpu[1] = {1.0, 0.35};
  f.s.stochastic.gpu_correlation = {{1.0, 0.8}, {0.8, 1.0}};
  const int n = 20000;
  const auto y0 = sample(f, n, [&](const MarketPath& m, int k) {
    return std::log(m.rent_at(0, k) / f.s.market.gpus[0].rent.at(f.t.starts[static_cast<std::size_t>(k)]));
  });
  const auto y1 = sample(f, n, [&](const MarketPath& m, int k) { return std::log(m.rent_at(1, k) / 4.0); });
  for (int k : {1, 6, 24, 59}) {
    const Stats s0 = stats(y0, k), s1 = stats(y1, k);
    double cov = 0;
    for (int p = 0; p < n; ++p)
      cov += (y0[static_cast<std::size_t>(p)][static_cast<std::size_t>(k)] - s0.mean) *
             (y1[static_cast<std::size_t>(p)][static_cast<std::size_t>(k)] - s1.mean);
    const double r = cov / (n - 1) / std::sqrt(s0.var * s1.var);
    // With equal mean reversion the deviations keep the shocks' correlation; SE (1 - r^2)/sqrt(n).
    EXPECT_NEAR(r, 0.8, 4 * (1 - 0.64) / std::sqrt(n)) << "period " << k;
  }
}

TEST(Drivers, DemandIsAnOrnsteinUhlenbeckFactor) {
  Fixture f(test_support::scenario_from(kMarket));
  f.s.stochastic.demand = {{0.5, 0.20}, 0.3};
  const int n = 20000;
  const auto d = sample(f, n, [](const MarketPath& m, int k) { return m.demand[static_cast<std::size_t>(k)]; });
  for (int k = 1; k < f.t.periods; ++k) {
    const double var = ou_var(0.5, 0.20, years(f.t, k));
    const Stats st = stats(d, k);
    EXPECT_NEAR(st.mean, 0.0, 4 * std::sqrt(var / n)) << "period " << k;
    EXPECT_NEAR(st.var, var, 4 * var * std::sqrt(2.0 / n)) << "period " << k;
  }
}

constexpr char kPool[] = R"(tinderbox: 1
start: 2025-01-01
horizon: 24
entities:
  seller:
    kind: neocloud
    cash: 100
    contracts:
      c1: {customer: p0, amount_per_period: 1, start: 2025-01-01, end: 2026-12-31,
           cancel: {demand_below: -0.05, probability: 0.6, notice_months: 2}}
)";

// A pool of identical reduced-form parties p0..p{m-1}.
Scenario pool(int m, double pd, double rho) {
  std::string yaml = kPool;
  for (int i = 0; i < m; ++i) yaml += "  p" + std::to_string(i) + ": {kind: external}\n";
  Scenario s = test_support::scenario_from(yaml);
  for (std::size_t i = 1; i < s.entities.size(); ++i) s.entities[i].credit = Credit{pd, rho};
  return s;
}

TEST(Drivers, ReducedFormDefaultsMatchTheirAnnualProbability) {
  Fixture f(pool(1, 0.02, 0.3));
  PathGenerator g(f.s, f.t);
  MarketPath m = g.deterministic();
  std::vector<int> defaults;
  const int n = 200000;
  int by_year = 0, by_two = 0;
  for (int p = 0; p < n; ++p) {
    g.fill(7, static_cast<std::uint32_t>(p), m, defaults);
    const int k = defaults[1];
    by_year += k >= 0 && k <= 11;
    by_two += k >= 0;
    // The customer's contract stops paying in its default period.
    EXPECT_EQ(m.contract_stop[0][0], k >= 0 ? k : f.t.periods);
  }
  // One year is 365 days here (2025), two years 730 (2025-2026): F(t) = 1 - (1 - pd)^t.
  const double p1 = 0.02, p2 = 1 - 0.98 * 0.98;
  EXPECT_NEAR(by_year / double(n), p1, 4 * std::sqrt(p1 * (1 - p1) / n));
  EXPECT_NEAR(by_two / double(n), p2, 4 * std::sqrt(p2 * (1 - p2) / n));
}

// The number of defaults among m identical parties follows the finite-pool Vasicek law:
// P(N = j) = integral of C(m, j) p(z)^j (1 - p(z))^(m - j) phi(z) dz,
// p(z) = Phi((Phi^-1(PD) - sqrt(rho) z) / sqrt(1 - rho)). A chi-square test compares them.
TEST(Drivers, DefaultCountsFollowTheFinitePoolVasicekLaw) {
  const int m = 20;
  const double pd = 0.05, rho = 0.25;
  Fixture f(pool(m, pd, rho));
  PathGenerator g(f.s, f.t);
  MarketPath market = g.deterministic();
  std::vector<int> defaults;
  const int n = 20000;
  std::vector<double> observed(m + 1, 0.0);
  for (int p = 0; p < n; ++p) {
    g.fill(3, static_cast<std::uint32_t>(p), market, defaults);
    int count = 0;
    for (int i = 1; i <= m; ++i) count += defaults[static_cast<std::size_t>(i)] >= 0 &&
                                           defaults[static_cast<std::size_t>(i)] <= 11;
    ++observed[static_cast<std::size_t>(count)];
  }
  const boost::math::normal_distribution<double> normal;
  const double threshold = boost::math::quantile(normal, pd);  // one year = 365 days in 2025
  std::vector<double> expected(m + 1, 0.0);
  const double lo = -9, hi = 9;
  const int steps = 6000;
  for (int s = 0; s <= steps; ++s) {
    const double z = lo + (hi - lo) * s / steps;
    const double w = (s == 0 || s == steps ? 0.5 : 1.0) * (hi - lo) / steps * boost::math::pdf(normal, z);
    const double p = boost::math::cdf(normal, (threshold - std::sqrt(rho) * z) / std::sqrt(1 - rho));
    for (int j = 0; j <= m; ++j)
      expected[static_cast<std::size_t>(j)] +=
          w * boost::math::binomial_coefficient<double>(static_cast<unsigned>(m), static_cast<unsigned>(j)) *
          std::pow(p, j) * std::pow(1 - p, m - j);
  }
  // Pool the upper tail so that every bin expects at least 5 paths.
  double chi2 = 0, tail_obs = 0, tail_exp = 0;
  int bins = 0;
  for (int j = 0; j <= m; ++j) {
    const double e = expected[static_cast<std::size_t>(j)] * n, o = observed[static_cast<std::size_t>(j)];
    if (e >= 5 && tail_exp == 0) {
      chi2 += (o - e) * (o - e) / e;
      ++bins;
    } else {
      tail_obs += o;
      tail_exp += e;
    }
  }
  if (tail_exp > 0) chi2 += (tail_obs - tail_exp) * (tail_obs - tail_exp) / tail_exp, ++bins;
  const boost::math::chi_squared_distribution<double> law(bins - 1);
  EXPECT_LT(chi2, boost::math::quantile(law, 0.999)) << bins << " bins";
  EXPECT_GT(bins, 8);
}

// Notice at the first period end needs D(t_1) < trigger and a draw below 1 - (1 - p)^(dt):
// P = Phi(trigger / sd(D(t_1))) x (1 - (1 - p)^(31/365)); the contract then pays through the
// notice (2 months) and stops in period 3.
TEST(Drivers, CancellationsFollowDemand) {
  Fixture f(pool(0, 0, 0));
  f.s.stochastic.demand = {{0.5, 0.20}, 0.0};
  PathGenerator g(f.s, f.t);
  MarketPath m = g.deterministic();
  std::vector<int> defaults;
  const int n = 200000;
  int first = 0;
  for (int p = 0; p < n; ++p) {
    g.fill(11, static_cast<std::uint32_t>(p), m, defaults);
    first += m.contract_stop[0][0] == 3;
    if (m.contract_stop[0][0] < f.t.periods) {
      EXPECT_GE(m.contract_stop[0][0], 3);
    }
  }
  const boost::math::normal_distribution<double> normal;
  const double sd = std::sqrt(ou_var(0.5, 0.20, 31 / 365.0));
  const double want = boost::math::cdf(normal, -0.05 / sd) * (1 - std::pow(0.4, 31 / 365.0));
  EXPECT_NEAR(first / double(n), want, 4 * std::sqrt(want * (1 - want) / n));
}

// Capacity: a site is late with probability p, then N >= 1 months late with P(N = n) =
// (1 - q) q^(n - 1), q = 1 - 1 / mean (geometric, mean `mean_months`); a chi-square test
// compares the drawn delays with that law. A site delivered before the start is never late, and a
// hosted site stops in its host's (reduced-form) default period.
TEST(Drivers, SiteDelaysAreGeometricAndHostsStopTheirSites) {
  std::string yaml = kMarket;
  yaml += R"(  builder: {kind: external, credit: {pd_annual: 0.1, correlation: 0.3}}
  tenant:
    kind: neocloud
    sites:
      late: {type: leased, mw: 10, delivery: 2025-06-01, payment_per_mw_per_period: 0.1,
             delay: {probability: 0.4, mean_months: 3}}
      built: {type: leased, mw: 10, delivery: 2024-06-01, payment_per_mw_per_period: 0.1,
              delay: {probability: 0.9, mean_months: 3}}
      hosted: {type: hosted, host: builder, mw: 10, delivery: 2026-01-01,
               payment_per_mw_per_period: 0.1}
)";
  Fixture f(test_support::scenario_from(yaml));
  PathGenerator g(f.s, f.t);
  MarketPath m = g.deterministic();
  std::vector<int> defaults;
  const int n = 100000, bins = 10;  // N = 0, 1, ..., 8 and 9 or more
  std::vector<double> observed(bins, 0.0);
  int stopped = 0;
  for (int p = 0; p < n; ++p) {
    g.fill(5, static_cast<std::uint32_t>(p), m, defaults);
    ++observed[static_cast<std::size_t>(std::min(m.site_delay[2][0], bins - 1))];
    EXPECT_EQ(m.site_delay[2][1], 0);
    EXPECT_EQ(m.site_delay[2][2], 0);
    const int host = defaults[1];
    EXPECT_EQ(m.site_stop[2][2], host >= 0 ? host : f.t.periods);
    stopped += host >= 0 && host <= 11;
    EXPECT_EQ(m.moved_sites[2].size(), (m.site_delay[2][0] > 0 ? 1u : 0u) + (host >= 0 ? 1u : 0u));
  }
  const double p = 0.4, q = 2.0 / 3;
  double chi2 = 0;
  for (int b = 0; b < bins; ++b) {
    const double want = b == 0          ? 1 - p
                        : b < bins - 1 ? p * (1 - q) * std::pow(q, b - 1)
                                       : p * std::pow(q, bins - 2);  // P(N >= 9)
    const double e = want * n, o = observed[static_cast<std::size_t>(b)];
    chi2 += (o - e) * (o - e) / e;
  }
  const boost::math::chi_squared_distribution<double> law(bins - 1);
  EXPECT_LT(chi2, boost::math::quantile(law, 0.999));
  // The host defaults within 2025 (365 days) with its pd_annual.
  EXPECT_NEAR(stopped / double(n), 0.1, 4 * std::sqrt(0.1 * 0.9 / n));
}

// Every driver at zero gives the deterministic market on every path, bit for bit.
TEST(Drivers, AllZeroIsTheDeterministicMarket) {
  std::string yaml = kMarket;
  yaml += R"(  seller:
    kind: neocloud
    cash: 100
    contracts:
      c1: {customer: buyer, amount_per_period: 1, start: 2025-01-01, end: 2026-12-31,
           cancel: {demand_below: -0.05, probability: 0.6, notice_months: 2}}
)";
  Fixture f(test_support::scenario_from(yaml));
  f.s.entities[0].credit = Credit{0.0, 0.5};
  f.s.stochastic.rates[0].ou = {0.5, 0.0};
  f.s.stochastic.gpu[0] = {1.0, 0.0};
  f.s.stochastic.releases = {0.0, 0.25, 0.1, {0}};
  f.s.stochastic.demand = {{0.5, 0.0}, 0.3};
  PathGenerator g(f.s, f.t);
  MarketPath m = g.deterministic();
  const MarketPath base = deterministic_market(f.s, f.t);
  std::vector<int> defaults;
  for (std::uint32_t p = 0; p < 50; ++p) {
    g.fill(1, p, m, defaults);
    EXPECT_EQ(m.rate, base.rate);
    EXPECT_EQ(m.rent, base.rent);
    EXPECT_EQ(m.rent_end, base.rent_end);
    EXPECT_EQ(m.demand, base.demand);
    EXPECT_EQ(m.contract_stop, base.contract_stop);
    for (int d : defaults) EXPECT_EQ(d, -1);
  }
}

}  // namespace
}  // namespace tinderbox
