#include "market/stochastic.h"

#include "market/vector_math.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include <Eigen/Cholesky>
#include <boost/random/beta_distribution.hpp>

namespace tinderbox {
namespace {

// The number of Poisson(mean) arrivals at cumulative probability u, by inversion; p0 = e^-mean.
int poisson(double mean, double p0, double u) {
  double p = p0, cdf = p;
  int n = 0;
  while (u > cdf && n < 10000) {
    ++n;
    p *= mean / n;
    cdf += p;
  }
  return n;
}

// L lanes of OU recursions side by side, each x in a register: x_{k+1} = decay_k x_k + step_k,
// step_k = sd_k e_k taken beforehand for all lanes at once (a product that vectorises).
template <std::size_t L>
void step_ou(std::size_t n, const std::size_t* out, const double* decay, const double* step,
             double* ou) {
  double x[L] = {};
  for (std::size_t k = 0; k < n; ++k)
    for (std::size_t l = 0; l < L; ++l) {
      x[l] = x[l] * decay[l * n + k] + step[l * n + k];
      ou[out[l] + k + 1] = x[l];
    }
}

}  // namespace

OuSteps::OuSteps(const OuProcess& p, const std::vector<double>& dt) : moves(p.volatility > 0) {
  for (double h : dt) {
    decay.push_back(std::exp(-p.mean_reversion * h));
    sd.push_back(std::sqrt(ou_variance(p, h)));
  }
}

double ou_variance(const OuProcess& p, double t) {
  const double a = p.mean_reversion, s = p.volatility;
  // -expm1(-2at) / (2a) keeps its precision for small a t; a = 0 is a Brownian motion.
  return a > 0 ? s * s * -std::expm1(-2 * a * t) / (2 * a) : s * s * t;
}

PathGenerator::PathGenerator(const Scenario& s, const Timeline& t)
    : s_(s), n_(t.periods), base_(deterministic_market(s, t)) {
  const auto n = static_cast<std::size_t>(n_);
  std::vector<double> years;  // t_k = (d_k - start) / 365, k = 0..n
  for (int k = 0; k <= n_; ++k) years.push_back(double(t.starts[static_cast<std::size_t>(k)] - t.starts[0]) / 365.0);
  for (std::size_t k = 0; k < n; ++k) dt_.push_back(double(t.days[k]) / 365.0);
  const Stochastic& st = s.stochastic;

  for (const RateDriver& r : st.rates) rate_steps_.emplace_back(r.ou, dt_);
  for (const OuProcess& g : st.gpu) {
    gpu_steps_.emplace_back(g, dt_);
    gpu_random_ = gpu_random_ || g.volatility > 0;
  }
  const std::size_t gens = s.market.gpus.size();
  hit_.assign(gens, 0);
  if (st.releases.rate_per_year > 0) {
    for (int g : st.releases.hits) hit_[static_cast<std::size_t>(g)] = 1;
    for (double h : dt_) {
      release_mean_.push_back(st.releases.rate_per_year * h);
      release_none_.push_back(std::exp(-release_mean_.back()));
    }
    const double m = st.releases.cut_mean, v = st.releases.cut_sd * st.releases.cut_sd;
    if (v > 0) {
      // Beta(a, b) with mean m and variance v: a + b = m (1 - m) / v - 1.
      const double sum = m * (1 - m) / v - 1;
      cut_a_ = m * sum;
      cut_b_ = (1 - m) * sum;
    }
  }
  // The shocks' correlation: its lower Cholesky factor (the loader checked it is positive
  // definite); none given means independent generations.
  chol_.assign(gens * gens, 0.0);
  for (std::size_t g = 0; g < gens; ++g) chol_[g * gens + g] = 1.0;
  if (!st.gpu_correlation.empty()) {
    Eigen::MatrixXd c(gens, gens);
    for (std::size_t i = 0; i < gens; ++i)
      for (std::size_t j = 0; j < gens; ++j)
        c(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)) = st.gpu_correlation[i][j];
    const Eigen::MatrixXd l = Eigen::LLT<Eigen::MatrixXd>(c).matrixL();
    for (std::size_t i = 0; i < gens; ++i)
      for (std::size_t j = 0; j < gens; ++j)
        chol_[i * gens + j] = l(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j));
  }
  demand_steps_ = OuSteps(st.demand.ou, dt_);

  std::uint32_t number = 0;
  customer_of_.resize(s.entities.size());
  for (std::size_t i = 0; i < s.entities.size(); ++i) {
    const Entity& e = s.entities[i];
    for (std::size_t c = 0; c < e.contracts.size(); ++c, ++number) {
      const Contract& ct = e.contracts[c];
      if (ct.customer.entity >= 0)
        customer_of_[static_cast<std::size_t>(ct.customer.entity)].emplace_back(int(i), int(c));
      if (!ct.cancel || ct.cancel->probability <= 0 || !demand_steps_.moves) continue;
      CancelRuleAt rule{int(i), int(c), number, ct.cancel->demand_below, {}, {}};
      const int last = std::min(t.period_of(ct.end), n_ - 1);
      for (std::size_t k = 0; k < n; ++k) {
        // Notice can be given at a period end before the contract's last period.
        rule.chance.push_back(int(k) < last ? -std::expm1(std::log1p(-ct.cancel->probability) * dt_[k])
                                            : 0.0);
        const Date ends = *add_months(t.starts[k + 1], ct.cancel->notice_months);
        rule.stop_after.push_back(static_cast<int>(
            std::lower_bound(t.starts.begin(), t.starts.end(), ends) - t.starts.begin()));
      }
      cancels_.push_back(std::move(rule));
    }
    if (e.credit && e.credit->pd_annual > 0) {
      CreditAt c{int(i), std::sqrt(e.credit->correlation), std::sqrt(1 - e.credit->correlation), {}};
      const double h = -std::log1p(-e.credit->pd_annual);
      for (std::size_t k = 0; k < n; ++k) {
        const double f = -std::expm1(-h * years[k + 1]);  // P(tau <= t_{k+1})
        c.threshold.push_back(f >= 1 ? std::numeric_limits<double>::infinity() : normal_quantile(f));
      }
      credits_.push_back(std::move(c));
    }
  }
  std::uint32_t site_number = 0;
  for (std::size_t i = 0; i < s.entities.size(); ++i)
    for (std::size_t j = 0; j < s.entities[i].sites.size(); ++j, ++site_number) {
      const Site& site = s.entities[i].sites[j];
      // A site delivered before the run cannot be late in it.
      const auto due = add_months(site.delivery, site.delay_months);
      const bool late = site.delay && site.delay->probability > 0 && due && *due >= s.start;
      const int host = site.type == SiteType::Hosted ? site.host.entity : -1;
      const bool failing = host >= 0 && s.entities[static_cast<std::size_t>(host)].credit &&
                           s.entities[static_cast<std::size_t>(host)].credit->pd_annual > 0;
      if (!late && !failing) continue;
      const double mean = late ? site.delay->mean_months : 1.0;
      site_risks_.push_back({int(i), int(j), site_number, late ? site.delay->probability : 0.0,
                             mean > 1 ? std::log1p(-1.0 / mean) : 0.0, failing ? host : -1});
    }
  for (const CancelRuleAt& rule : cancels_) touched_.emplace_back(rule.entity, rule.contract);
  for (const CreditAt& c : credits_)
    for (const auto& ic : customer_of_[static_cast<std::size_t>(c.entity)]) touched_.push_back(ic);
  const auto add_shocks = [&](Stream st_, std::uint32_t draw) {
    shock_draws_.push_back({st_, draw});
    return static_cast<int>((shock_draws_.size() - 1) * n);
  };
  for (std::size_t r = 0; r < rate_steps_.size(); ++r)
    rate_shocks_.push_back(rate_steps_[r].moves ? add_shocks(Stream::Rate, std::uint32_t(r)) : -1);
  if (gpu_random_)
    for (std::size_t g = 0; g < gens; ++g) {
      const int at = add_shocks(Stream::Gpu, static_cast<std::uint32_t>(g));
      if (g == 0) gpu_shocks_ = at;
    }
  if (demand_steps_.moves) demand_shocks_ = add_shocks(Stream::Demand, 0);
  // The OU lanes, stepped together: rates, generations, demand (those that move). Each reads its
  // shocks from z_ (a generation's correlated ones follow the normals there) and writes its
  // deviation on d_0 .. d_n into ou_: the rates' and the demand's rows, and one row per
  // generation (0 for those that do not move), whose exponentials are taken all at once.
  const std::size_t normals = shock_draws_.size() * n, w = n + 1;
  std::size_t rows = 0;
  const auto add_lane = [&](const OuSteps& ou, std::size_t shocks_at, std::size_t out_at) {
    lane_in_.push_back(shocks_at);
    lane_out_.push_back(out_at);
    lane_decay_.insert(lane_decay_.end(), ou.decay.begin(), ou.decay.end());
    lane_sd_.insert(lane_sd_.end(), ou.sd.begin(), ou.sd.end());
  };
  for (std::size_t r = 0; r < rate_steps_.size(); ++r) {
    rate_out_.push_back(rate_steps_[r].moves ? static_cast<int>(rows * w) : -1);
    if (rate_steps_[r].moves) add_lane(rate_steps_[r], static_cast<std::size_t>(rate_shocks_[r]), rows++ * w);
  }
  y_at_ = rows * w;
  for (std::size_t g = 0; g < gens; ++g, ++rows)
    if (gpu_steps_[g].moves) add_lane(gpu_steps_[g], normals + g * n, rows * w);
  demand_out_ = rows * w;
  if (demand_steps_.moves) add_lane(demand_steps_, static_cast<std::size_t>(demand_shocks_), rows++ * w);
  ou_.assign(rows * w, 0.0);
  lane_step_.assign(lane_sd_.size(), 0.0);
  // One pass of Philox a path for the shocks' uniforms and the release counts' (after them).
  std::vector<std::pair<Stream, std::uint32_t>> uniform_draws;
  for (const ShockDraw& d : shock_draws_) uniform_draws.emplace_back(d.stream, d.draw);
  if (!release_mean_.empty()) uniform_draws.emplace_back(Stream::Releases, 0);
  uniforms_ = PeriodUniforms(uniform_draws, n_);
  u_.assign(uniforms_.size(), 0.0);
  z_.assign(normals + gens * n, 0.0);
  quantile_scratch_ = QuantileScratch(normals);
  level_.assign(gens * (n + 1), 1.0);
  jump_.assign(n + 1, 1.0);
}

void PathGenerator::fill(std::uint32_t seed, std::uint32_t path, MarketPath& m,
                         std::vector<int>& defaults) {
  const PathRandom rng(seed, path);
  for (const auto& [i, c] : touched_)
    m.contract_stop[static_cast<std::size_t>(i)][static_cast<std::size_t>(c)] = n_;
  shocks(seed, path);
  step_lanes();
  rates(m);
  gpus(rng, m);
  demand(rng, m);
  credit(rng, m, defaults);
  sites(rng, m, defaults);
}

// Every normal shock of the path at once: one loop of uniforms, one of quantiles, so that
// both vectorise.
void PathGenerator::shocks(std::uint32_t seed, std::uint32_t path) {
  uniforms_.fill(seed, path, u_.data());
  normal_quantiles(u_.data(), z_.data(), shock_draws_.size() * static_cast<std::size_t>(n_),
                   quantile_scratch_);
}

// Every OU deviation on d_0 .. d_n, x_{k+1} = decay_k x_k + sd_k e_k, all lanes in one loop:
// each lane's recursion is a chain of dependent operations, and stepping the lanes side by side
// overlaps them. A generation's shocks are first correlated, e = L z (the same sum, in the same
// order, for every period).
void PathGenerator::step_lanes() {
  const auto n = static_cast<std::size_t>(n_);
  const std::size_t gens = gpu_steps_.size();
  if (gpu_random_) {
    const double* z = &z_[static_cast<std::size_t>(gpu_shocks_)];
    double* correlated = &z_[shock_draws_.size() * n];
    for (std::size_t g = 0; g < gens; ++g) {
      if (!gpu_steps_[g].moves) continue;
      combine_n(&chol_[g * gens], g + 1, z, n, &correlated[g * n]);
    }
  }
  for (std::size_t l = 0; l < lane_in_.size(); ++l)
    mul_n(&lane_sd_[l * n], &z_[lane_in_[l]], &lane_step_[l * n], n);
  // Up to eight lanes at a time, their x in registers.
  for (std::size_t l0 = 0; l0 < lane_in_.size(); l0 += 8) {
    const std::size_t count = std::min<std::size_t>(8, lane_in_.size() - l0);
    const std::size_t* out = &lane_out_[l0];
    const double* decay = &lane_decay_[l0 * n];
    const double* step = &lane_step_[l0 * n];
    switch (count) {
      case 1: step_ou<1>(n, out, decay, step, ou_.data()); break;
      case 2: step_ou<2>(n, out, decay, step, ou_.data()); break;
      case 3: step_ou<3>(n, out, decay, step, ou_.data()); break;
      case 4: step_ou<4>(n, out, decay, step, ou_.data()); break;
      case 5: step_ou<5>(n, out, decay, step, ou_.data()); break;
      case 6: step_ou<6>(n, out, decay, step, ou_.data()); break;
      case 7: step_ou<7>(n, out, decay, step, ou_.data()); break;
      default: step_ou<8>(n, out, decay, step, ou_.data()); break;
    }
  }
}

// SOFR (any rate) = curve + x: x on the grid d_0..d_{n-1}; a follower takes its leader's x.
void PathGenerator::rates(MarketPath& m) {
  const auto n = static_cast<std::size_t>(n_);
  for (std::size_t r = 0; r < rate_steps_.size(); ++r) {
    if (rate_out_[r] < 0) continue;
    const double* x = &ou_[static_cast<std::size_t>(rate_out_[r])];
    for (std::size_t k = 0; k < n; ++k) m.rate[r * n + k] = base_.rate[r * n + k] + x[k];
    for (std::size_t f = 0; f < rate_steps_.size(); ++f)
      if (s_.stochastic.rates[f].follows == int(r))
        for (std::size_t k = 0; k < n; ++k)
          m.rate[f * n + k] = base_.rate[f * n + k] + (m.rate[r * n + k] - base_.rate[r * n + k]);
  }
}

// Rent = curve x exp(y) x J on the grid d_0..d_n: y an OU deviation whose shocks are correlated
// across generations, J the product of (1 - cut) over the releases so far. The rent of period k
// is taken on d_k; the period-end valuation's at the close of e_k, which is d_{k+1}.
void PathGenerator::gpus(const PathRandom& rng, MarketPath& m) {
  const bool releases = !release_mean_.empty();
  if (!gpu_random_ && !releases) return;
  const std::size_t gens = gpu_steps_.size();
  const auto n = static_cast<std::size_t>(n_);
  const std::size_t w = n + 1;  // points d_0 .. d_n per generation
  exp_n(&ou_[y_at_], level_.data(), level_.size());
  if (releases) {
    // J on d_0 .. d_n, the same for every generation a release hits: an arrival in period k
    // cuts the rents from d_{k+1} on. The release counts' uniforms follow the shocks'.
    const double* count_u = &u_[shock_draws_.size() * n];
    double j = 1.0;
    std::size_t first_cut = n + 1;  // J is exactly 1 before it, which changes no level
    for (std::size_t k = 0; k < n; ++k) {
      const int arrivals = poisson(release_mean_[k], release_none_[k], count_u[k]);
      if (arrivals > 0) {
        WordStream words(rng, static_cast<std::uint32_t>(k), Stream::Releases, 1);
        for (int a = 0; a < arrivals; ++a)
          j *= 1 - (cut_a_ > 0 ? boost::random::beta_distribution<double>(cut_a_, cut_b_)(words)
                               : s_.stochastic.releases.cut_mean);
        first_cut = std::min(first_cut, k + 1);
      }
      jump_[k + 1] = j;
    }
    for (std::size_t g = 0; g < gens; ++g)
      if (hit_[g] && first_cut <= n)
        mul_n(&level_[g * w + first_cut], &jump_[first_cut], &level_[g * w + first_cut],
              n + 1 - first_cut);
  }
  for (std::size_t g = 0; g < gens; ++g) {
    if (!gpu_steps_[g].moves && !hit_[g]) continue;
    const double* level = &level_[g * w];
    mul_n(&base_.rent[g * n], level, &m.rent[g * n], n);
    mul_n(&base_.rent_end[g * n], level + 1, &m.rent_end[g * n], n);
  }
}

// The demand factor on d_0..d_n; contracts' cancellation rules read it at period ends.
void PathGenerator::demand(const PathRandom& rng, MarketPath& m) {
  if (!demand_steps_.moves) return;
  const auto n = static_cast<std::size_t>(n_);
  const double* demand_path = &ou_[demand_out_];  // d_0 .. d_n
  std::copy(demand_path, demand_path + n_, m.demand.begin());
  for (const CancelRuleAt& rule : cancels_) {
    int& stop =
        m.contract_stop[static_cast<std::size_t>(rule.entity)][static_cast<std::size_t>(rule.contract)];
    for (std::size_t k = 0; k < n; ++k) {
      if (demand_path[k + 1] >= rule.demand_below || rule.chance[k] <= 0) continue;
      if (rng.uniforms(static_cast<std::uint32_t>(k), Stream::Cancel, rule.number)[0] < rule.chance[k]) {
        stop = rule.stop_after[k];
        break;
      }
    }
  }
}

// Reduced-form defaults: X = sqrt(rho) Z + sqrt(1 - rho) eps defaults in the first period k with
// Phi(X) <= F(t_{k+1}), i.e. X <= threshold[k]; its customers' contracts stop paying then.
void PathGenerator::credit(const PathRandom& rng, MarketPath& m, std::vector<int>& defaults) {
  defaults.assign(s_.entities.size(), -1);
  if (credits_.empty()) return;
  const double z = normal_quantile(rng.fine_uniforms(0, Stream::Copula, 0)[0]);
  for (const CreditAt& c : credits_) {
    const double eps =
        normal_quantile(rng.fine_uniforms(0, Stream::Copula, 1 + static_cast<std::uint32_t>(c.entity))[0]);
    const double x = c.loading * z + c.own * eps;
    const auto it = std::lower_bound(c.threshold.begin(), c.threshold.end(), x);
    if (it == c.threshold.end()) continue;
    const int k = static_cast<int>(it - c.threshold.begin());
    defaults[static_cast<std::size_t>(c.entity)] = k;
    for (const auto& [i, ct] : customer_of_[static_cast<std::size_t>(c.entity)]) {
      int& stop = m.contract_stop[static_cast<std::size_t>(i)][static_cast<std::size_t>(ct)];
      stop = std::min(stop, k);
    }
  }
}

// Site delays: late with its probability, then N >= 1 months late, geometric with the site's
// mean (N = ceil(ln U / ln q), q = 1 - 1 / mean: P(N >= n) = q^(n - 1)). A host's reduced-form
// default stops its sites' build-out from its default period on.
void PathGenerator::sites(const PathRandom& rng, MarketPath& m, const std::vector<int>& defaults) {
  for (const SiteRiskAt& r : site_risks_) {
    m.site_delay[static_cast<std::size_t>(r.entity)][static_cast<std::size_t>(r.site)] = 0;
    m.site_stop[static_cast<std::size_t>(r.entity)][static_cast<std::size_t>(r.site)] = n_;
    m.moved_sites[static_cast<std::size_t>(r.entity)].clear();  // keeps its memory
  }
  for (const SiteRiskAt& r : site_risks_) {
    int& delay = m.site_delay[static_cast<std::size_t>(r.entity)][static_cast<std::size_t>(r.site)];
    int& stop = m.site_stop[static_cast<std::size_t>(r.entity)][static_cast<std::size_t>(r.site)];
    if (r.probability > 0) {
      const auto u = rng.uniforms(0, Stream::SiteDelay, r.number);
      if (u[0] < r.probability)
        delay = r.log_q < 0 ? static_cast<int>(std::min(1e6, std::ceil(std::log(u[1]) / r.log_q)))
                            : 1;
    }
    if (r.host >= 0 && defaults[static_cast<std::size_t>(r.host)] >= 0)
      stop = defaults[static_cast<std::size_t>(r.host)];
    if (delay > 0 || stop < n_) m.moved_sites[static_cast<std::size_t>(r.entity)].push_back(r.site);
  }
}

}  // namespace tinderbox
