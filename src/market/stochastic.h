// The stochastic drivers of SPEC §4: one call fills one Monte Carlo path of the world outside
// the entities' books. Each driver uses its exact discretisation on the period grid, so the
// distribution of a period's value does not depend on the period length (docs/model.md,
// Monte Carlo). With every volatility, jump rate and default probability zero the path is the
// deterministic market, bit for bit.
#pragma once

#include <cstdint>
#include <vector>

#include "engine/timeline.h"
#include "market/market_path.h"
#include "market/random.h"
#include "scenario/scenario.h"

namespace tinderbox {

// An Ornstein-Uhlenbeck deviation's exact step over each period: x_{k+1} = decay_k x_k + sd_k z.
struct OuSteps {
  std::vector<double> decay, sd;
  bool moves = false;  // volatility > 0
  OuSteps() = default;
  OuSteps(const OuProcess& p, const std::vector<double>& dt);
};

// Var x(t) of an OU deviation started at 0: s^2 (1 - e^{-2at}) / (2a), s^2 t when a = 0.
double ou_variance(const OuProcess& p, double t);

class PathGenerator {
 public:
  PathGenerator(const Scenario& s, const Timeline& t);

  // A path holding the deterministic market; fill() overwrites only what is random.
  const MarketPath& deterministic() const { return base_; }

  // Path `path` of seed `seed`: the random parts of `m` (a copy of deterministic()), and in
  // `defaults` each entity's period of reduced-form default, -1 for none.
  void fill(std::uint32_t seed, std::uint32_t path, MarketPath& m, std::vector<int>& defaults);

 private:
  struct CancelRuleAt {
    int entity, contract;
    std::uint32_t number;           // the contract's number across entities (its random stream)
    double demand_below;
    std::vector<double> chance;     // [k]: probability of notice at e_k
    std::vector<int> stop_after;    // [k]: first period without payments after notice at e_k
  };
  struct CreditAt {
    int entity;
    double loading, own;            // sqrt(rho), sqrt(1 - rho)
    std::vector<double> threshold;  // [k]: Phi^-1(F(t_{k+1})), increasing in k
  };

  void shocks(std::uint32_t seed, std::uint32_t path);
  void step_lanes();
  void rates(MarketPath& m);
  void gpus(const PathRandom& rng, MarketPath& m);
  void demand(const PathRandom& rng, MarketPath& m);
  void credit(const PathRandom& rng, MarketPath& m, std::vector<int>& defaults);
  void sites(const PathRandom& rng, MarketPath& m, const std::vector<int>& defaults);

  const Scenario& s_;
  int n_ = 0;
  MarketPath base_;
  std::vector<double> dt_;  // [k]: days_k / 365
  std::vector<OuSteps> rate_steps_;  // per rate
  std::vector<OuSteps> gpu_steps_;   // per GPU generation
  std::vector<double> chol_;         // lower Cholesky factor of gpu_correlation, row-major
  bool gpu_random_ = false;
  std::vector<double> release_mean_;  // [k]: expected arrivals in period k
  std::vector<double> release_none_;  // [k]: the chance of none, e^-mean
  double cut_a_ = 0, cut_b_ = 0;      // Beta parameters of a release's cut
  std::vector<std::uint8_t> hit_;     // per GPU generation: cut by releases
  OuSteps demand_steps_;
  // Capacity: a site that may be late (`delay:`), or whose host has reduced-form credit.
  struct SiteRiskAt {
    int entity, site;
    std::uint32_t number;  // the site's number across entities (its random stream)
    double probability;    // of being late (0: only its host is a risk)
    double log_q;          // ln(1 - 1 / mean_months) < 0, or 0 when a late site is 1 month late
    int host;              // the host's entity index when it has credit, else -1
  };
  std::vector<SiteRiskAt> site_risks_;
  std::vector<CancelRuleAt> cancels_;
  std::vector<CreditAt> credits_;
  // Per entity: (entity, contract) of the contracts whose customer it is.
  std::vector<std::vector<std::pair<int, int>>> customer_of_;
  // (entity, contract) of every contract a path may stop: reset to `periods` first.
  std::vector<std::pair<int, int>> touched_;
  // The drivers' normal shocks, n per (stream, draw), all drawn at once by shocks(): the rates
  // that move, every GPU generation when any moves (the correlation mixes them), the demand.
  struct ShockDraw {
    Stream stream;
    std::uint32_t draw;
  };
  std::vector<ShockDraw> shock_draws_;
  std::vector<int> rate_shocks_;  // per rate: offset of its shocks in z_, or -1
  int gpu_shocks_ = -1, demand_shocks_ = -1;  // offset of generation 0's / the demand's shocks
  // The OU deviations that move, one lane each, stepped together (step_lanes): lane l reads
  // its shocks at z_[lane_in[l] + k] and writes x on d_k at ou_[lane_out[l] + k].
  std::vector<std::size_t> lane_in_, lane_out_;
  std::vector<double> lane_decay_, lane_sd_;  // [l * periods + k]
  std::vector<double> lane_step_;            // [l * periods + k]: sd x shock, per path
  std::vector<int> rate_out_;              // per rate: where its row starts in ou_, or -1
  std::size_t y_at_ = 0, demand_out_ = 0;  // where generation 0's y row, the demand's row start
  PeriodUniforms uniforms_;  // the shocks' draws, then the release counts' (Stream::Releases, 0)
  // Scratch, per path (sized once).
  std::vector<double> u_;
  std::vector<double> z_;   // the normal shocks, then each generation's correlated ones
  std::vector<double> ou_;  // rows of periods + 1: the lanes' deviations
  QuantileScratch quantile_scratch_;
  std::vector<double> level_;  // [g * (periods + 1) + k]: rent / curve on d_k
  std::vector<double> jump_;   // [k]: the release jumps' J on d_k
};

}  // namespace tinderbox
