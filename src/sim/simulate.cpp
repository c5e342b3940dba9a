#include "sim/simulate.h"

#include <array>
#include <atomic>
#include <mutex>

#include <tbb/blocked_range.h>
#include <tbb/enumerable_thread_specific.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include "engine/period_loop.h"
#include "market/stochastic.h"
#include "market/vector_math.h"

namespace tinderbox {
namespace {

// Cash goes to the sketches a few dozen paths at a time, period by period: each sketch's buckets
// then stay in the cache while it takes its values (the order of adds does not matter).
constexpr std::size_t kCashBatch = 64;

// Keeps what a path leaves behind: its cash for the sketches, each lender's loss from the loss
// rows, and what the creditors of holders' liabilities lose (counted in the `other` class).
struct PathSink {
  static constexpr bool kFireSaleValue = false;  // not reported by Monte Carlo
  static constexpr bool kBalances = false;  // nor the period-end balances: only cash
  static constexpr bool kTotals = false;    // nor the period's totals
  // Only the modelled entities have books (SimLayout::has_books): the others' figures are not
  // handed to it at all.
  static constexpr bool kModelledFigures = true;
  const SimLayout& layout;
  // Per entity: where its row of cash starts in this path's slot, row * periods (a product taken
  // once per worker, not per entity and period), -1 without books.
  const std::vector<std::ptrdiff_t>& book_at;
  double* cash;                      // this path's slot: [row * periods + k]
  std::vector<double>& loss;         // per lender, this path
  double& liability_loss;            // this path
  int periods;
  std::int64_t& unsettled_periods;  // the tally's count
  int unsettled_at = -1;            // this path's last period counted (its sales are one event each)

  void flow(const Flow& f) {
    if (f.kind != FlowKind::Loss) return;
    if (f.source != Source::Debt) {
      liability_loss -= f.amount;
      return;
    }
    for (const auto& [lender, share] :
         layout.debt_lenders[static_cast<std::size_t>(f.entity)][static_cast<std::size_t>(f.index)])
      loss[static_cast<std::size_t>(lender)] -= f.amount * share;
  }
  void event(const Event& e) {
    if (e.type != EventType::FireSale || e.settled || e.period == unsettled_at) return;
    unsettled_at = e.period;
    ++unsettled_periods;
  }
  void figures(int k, int entity, const PeriodFigures& f) {
    const std::ptrdiff_t at = book_at[static_cast<std::size_t>(entity)];
    if (at >= 0) cash[at + k] = f.cash;
  }
};

// One thread's machinery, built once and reused for every block it takes.
struct Worker {
  PathGenerator generator;
  MarketPath market;
  State state;
  Tally tally;
  std::vector<int> credit_defaults;
  std::vector<double> loss, block_sum, block_sum2;
  std::array<double, kCreditorClasses> class_loss{};
  double liability_loss = 0;
  // kCashBatch paths' cash at each period end of the entities with books, path after path:
  // [(p * rows + row) * periods + k]. Small enough to stay in the first-level cache.
  std::vector<int> book_row;
  std::vector<std::ptrdiff_t> book_at;  // book_row[i] * periods, or -1
  std::size_t rows = 0;
  std::vector<double> cash;

  Worker(const Plan& plan, const SimLayout& layout)
      : generator(*plan.scenario, plan.timeline), market(generator.deterministic()),
        tally(static_cast<int>(plan.entities.size()), plan.timeline.periods,
              static_cast<int>(layout.lenders.size()), static_cast<int>(layout.drivers.size())),
        loss(layout.lenders.size(), 0.0) {
    for (std::uint8_t books : layout.has_books)
      book_row.push_back(books ? static_cast<int>(rows++) : -1);
    for (int row : book_row)
      book_at.push_back(row < 0 ? -1 : std::ptrdiff_t(row) * plan.timeline.periods);
    cash.assign(kCashBatch * rows * static_cast<std::size_t>(plan.timeline.periods), 0.0);
  }

  // Adds the first `paths` slots of `cash` to the sketches of the entities with books.
  void flush_cash(std::size_t paths) {
    const auto n = static_cast<std::size_t>(tally.periods);
    for (std::size_t i = 0; i < book_row.size(); ++i) {
      if (book_row[i] < 0) continue;
      const double* row = &cash[static_cast<std::size_t>(book_row[i]) * n];
      for (std::size_t k = 0; k < n; ++k) {
        tally.cash[i * n + k].add_n(&row[k], rows * n, paths);
      }
    }
  }
};

// A driver's values per period in `m`.
const double* driver_series(const MarketPath& m, const SimLayout::Driver& d) {
  const auto n = static_cast<std::size_t>(m.periods), i = static_cast<std::size_t>(d.index);
  switch (d.kind) {
    case SimLayout::Driver::Rate: return &m.rate[i * n];
    case SimLayout::Driver::Gpu: return &m.rent[i * n];
    case SimLayout::Driver::Demand: return m.demand.data();
  }
  return nullptr;
}

void run_block(const Plan& plan, const SimLayout& layout, const SimOptions& o, std::int64_t block,
               Worker& w) {
  const int n = plan.timeline.periods;
  const auto entities = plan.entities.size();
  const std::int64_t first = block * o.block, last = std::min(o.paths, first + o.block);
  w.block_sum.assign(layout.drivers.size() * static_cast<std::size_t>(n), 0.0);
  w.block_sum2.assign(w.block_sum.size(), 0.0);
  const MarketPath& base = w.generator.deterministic();
  for (std::int64_t path = first; path < last; ++path) {
    w.generator.fill(o.seed, static_cast<std::uint32_t>(path), w.market, w.credit_defaults);
    w.state.reset(plan);
    std::fill(w.loss.begin(), w.loss.end(), 0.0);
    w.liability_loss = 0;
    const auto slot = static_cast<std::size_t>(path - first) % kCashBatch;
    PathSink sink{layout, w.book_at, &w.cash[slot * w.rows * static_cast<std::size_t>(n)], w.loss,
                  w.liability_loss, n, w.tally.unsettled_periods};
    for (int k = 0; k < n; ++k) step(plan, w.market, k, w.state, sink);
    if (slot + 1 == kCashBatch || path + 1 == last) w.flush_cash(slot + 1);

    int defaulted = 0;
    for (std::size_t i = 0; i < entities; ++i) {
      int k = w.state.entities[i].default_period;
      if (k < 0) k = w.credit_defaults[i];
      if (k < 0) continue;
      ++defaulted;
      ++w.tally.defaults[i * static_cast<std::size_t>(n) + static_cast<std::size_t>(k)];
    }
    ++w.tally.default_count[static_cast<std::size_t>(defaulted)];
    double system = 0;
    w.class_loss.fill(0.0);
    for (std::size_t l = 0; l < w.loss.size(); ++l)
      if (w.loss[l] > 0) {
        w.tally.lender_loss[l].push_back(w.loss[l]);
        system += w.loss[l];
        w.class_loss[static_cast<std::size_t>(layout.lender_class[l])] += w.loss[l];
      }
    if (w.liability_loss > 0) {
      system += w.liability_loss;
      w.class_loss[static_cast<std::size_t>(CreditorClass::Other)] += w.liability_loss;
    }
    if (system > 0) w.tally.system_loss.push_back(system);
    for (std::size_t c = 0; c < w.class_loss.size(); ++c)
      if (w.class_loss[c] > 0) w.tally.class_loss[c].push_back(w.class_loss[c]);
    for (std::size_t d = 0; d < layout.drivers.size(); ++d) {
      if (!layout.drivers[d].random) continue;
      const double* value = driver_series(w.market, layout.drivers[d]);
      const double* curve = driver_series(base, layout.drivers[d]);
      add_moments_n(value, curve, &w.block_sum[d * static_cast<std::size_t>(n)],
                    &w.block_sum2[d * static_cast<std::size_t>(n)], static_cast<std::size_t>(n));
    }
  }
  w.tally.paths += last - first;
  for (std::size_t i = 0; i < w.block_sum.size(); ++i) {
    w.tally.driver_sum[i].add_block(w.block_sum[i]);
    w.tally.driver_sum2[i].add_block(w.block_sum2[i]);
  }
}

}  // namespace

SimLayout::SimLayout(const Plan& plan) {
  const Scenario& s = *plan.scenario;
  for (const Entity& e : s.entities) {
    auto& debts = debt_lenders.emplace_back();
    for (const Debt& d : e.debt) {
      auto& shares = debts.emplace_back();
      for (const Lender& l : d.lenders) {
        auto it = std::find(lenders.begin(), lenders.end(), l.party.name);
        if (it == lenders.end()) {
          it = lenders.insert(lenders.end(), l.party.name);
          lender_class.push_back(static_cast<int>(creditor_class(s, l.party)));
        }
        shares.emplace_back(static_cast<int>(it - lenders.begin()), l.share);
      }
    }
  }
  for (const EntityPlan& p : plan.entities) has_books.push_back(p.operates);
  const Stochastic& st = s.stochastic;
  for (std::size_t r = 0; r < s.market.rates.size(); ++r) {
    const int leader = st.rates[r].follows;
    const bool random = st.rates[r].ou.volatility > 0 ||
                        (leader >= 0 && st.rates[static_cast<std::size_t>(leader)].ou.volatility > 0);
    drivers.push_back({s.market.rates[r].name, Driver::Rate, static_cast<int>(r), random});
  }
  for (std::size_t g = 0; g < s.market.gpus.size(); ++g) {
    const bool hit = st.releases.rate_per_year > 0 &&
                     std::find(st.releases.hits.begin(), st.releases.hits.end(), int(g)) !=
                         st.releases.hits.end();
    drivers.push_back({"gpu." + s.market.gpus[g].name, Driver::Gpu, static_cast<int>(g),
                       st.gpu[g].volatility > 0 || hit});
  }
  if (st.demand.ou.volatility > 0) drivers.push_back({"demand", Driver::Demand, 0, true});
}

Tally simulate_share(const Plan& plan, const SimLayout& layout, const SimOptions& o, Share share) {
  const std::int64_t blocks = (o.paths + o.block - 1) / o.block;
  const std::int64_t first = blocks * share.rank / share.size;
  const std::int64_t last = blocks * (share.rank + 1) / share.size;
  const std::int64_t mine = std::min(o.paths, last * o.block) - std::min(o.paths, first * o.block);

  tbb::enumerable_thread_specific<Worker> workers([&] { return Worker(plan, layout); });
  std::atomic<std::int64_t> done{0};
  std::mutex progress_lock;
  tbb::task_arena arena(o.threads > 0 ? o.threads : tbb::task_arena::automatic);
  arena.execute([&] {
    tbb::parallel_for(tbb::blocked_range<std::int64_t>(first, last, 1),
                      [&](const tbb::blocked_range<std::int64_t>& range) {
                        Worker& w = workers.local();
                        for (std::int64_t b = range.begin(); b < range.end(); ++b) {
                          const std::int64_t before = w.tally.paths;
                          run_block(plan, layout, o, b, w);
                          const std::int64_t now = done += w.tally.paths - before;
                          if (o.progress) {
                            std::lock_guard<std::mutex> hold(progress_lock);
                            o.progress(now, mine);
                          }
                        }
                      });
  });
  Tally total(static_cast<int>(plan.entities.size()), plan.timeline.periods,
              static_cast<int>(layout.lenders.size()), static_cast<int>(layout.drivers.size()));
  for (const Worker& w : workers) total.merge(w.tally);
  return total;
}

}  // namespace tinderbox
