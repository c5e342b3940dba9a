#include "report/exposures.h"

#include <algorithm>
#include <ostream>

#include <fmt/format.h>

#include "engine/entity_step.h"  // State
#include "engine/run.h"
#include "network/debtrank.h"

namespace tinderbox {
namespace {

// Payments scheduled in the twelve months after period k (within the horizon).
double next_year(const PerPeriod<ContractPeriod>& list, std::size_t contract, int k, int periods,
                 int per_year) {
  double v = 0;
  for (int j = k + 1; j <= std::min(periods - 1, k + per_year); ++j)
    for (const ContractPeriod& c : list.at(static_cast<std::size_t>(j)))
      if (c.contract == contract) v += c.revenue;
  return v;
}

double next_year_lease(const EntityPlan& p, std::size_t lease, int k, int periods, int per_year) {
  double v = 0;
  for (int j = k + 1; j <= std::min(periods - 1, k + per_year); ++j)
    for (const LeasePayment& l : p.leases.at(static_cast<std::size_t>(j)))
      if (l.lease == lease) v += l.amount;
  return v;
}

// A site's payments and reimbursements (a hosted site's share of its host's build-out) in the
// twelve months after period k (within the horizon), as its tenant pays them in the
// deterministic run: ramp, term and escalator included.
double next_year_site(const SitePlan& site, int k, int periods, int per_year) {
  double v = 0;
  for (int j = k + 1; j <= std::min(periods - 1, k + per_year); ++j)
    v += site.payment[static_cast<std::size_t>(j)] + site.reimbursement[static_cast<std::size_t>(j)];
  return v;
}

void add(ExposureNetwork& x, int from, int to, ExposureKind kind, std::string instrument,
         double amount) {
  if (amount > 0 && from != to) x.edges.push_back({from, to, kind, std::move(instrument), amount});
}

// Every link between two modelled entities that are standing at the period end.
void collect(const Scenario& s, const Plan& plan, const State& st, int k, ExposureNetwork& x) {
  const int per_year = plan.timeline.periods_per_year, n = plan.timeline.periods;
  const auto standing = [&](int i) {
    return i >= 0 && plan.entities[static_cast<std::size_t>(i)].operates &&
           st.entities[static_cast<std::size_t>(i)].default_period < 0;
  };
  for (std::size_t b = 0; b < s.entities.size(); ++b) {
    const Entity& e = s.entities[b];
    const EntityPlan& p = plan.entities[b];
    const int i = static_cast<int>(b);
    if (!standing(i)) continue;
    for (std::size_t d = 0; d < e.debt.size(); ++d)
      for (const LenderShare& l : p.lenders[d])
        if (standing(l.entity))
          add(x, l.entity, i, ExposureKind::Loan, e.debt[d].id,
              l.share * st.entities[b].debt[d].balance);
    for (std::size_t c = 0; c < e.contracts.size(); ++c)
      if (standing(p.customer[c]))
        add(x, i, p.customer[c], ExposureKind::Contract, e.contracts[c].id,
            next_year(p.contracts, c, k, n, per_year));
    for (std::size_t l = 0; l < e.leases.size(); ++l)
      if (standing(p.lessor[l]))
        add(x, p.lessor[l], i, ExposureKind::Lease, e.leases[l].id,
            next_year_lease(p, l, k, n, per_year));
    // A site's modelled host (a hosted site's host, a leased site's landlord) is owed the site's
    // payments as a lessor its lease's, and is paid them through the clearing the same way
    // (docs/model.md, What sites cost): the same exposure, kind `lease`, instrument the site.
    for (std::size_t j = 0; j < e.sites.size(); ++j)
      if (standing(p.site_host[j]))
        add(x, p.site_host[j], i, ExposureKind::Lease, e.sites[j].id,
            next_year_site(p.sites[j], k, n, per_year));
    for (const Stake& y : e.stakes)
      if (standing(y.entity))
        add(x, i, y.entity, y.fund_interest ? ExposureKind::FundInterest : ExposureKind::Stake,
            "", y.share * st.entities[static_cast<std::size_t>(y.entity)].held *
                    x.equity[static_cast<std::size_t>(y.entity)]);
    // An spv is exposed to its guarantor for what the guarantee could still pay on its debt.
    if (e.parent >= 0 && e.guarantee.type != GuaranteeType::None && standing(e.parent)) {
      double debt = 0;
      for (const DebtState& y : st.entities[b].debt) debt += y.balance;
      const double left = e.guarantee.type == GuaranteeType::Full
                              ? debt
                              : std::min(debt, e.guarantee.cap - st.entities[b].guarantee_paid);
      add(x, i, e.parent, ExposureKind::Guarantee, "guarantee", left);
    }
    for (std::size_t q = 0; q < e.invest_to_buy.size(); ++q)
      if (standing(e.invest_to_buy[q].investee))
        add(x, i, e.invest_to_buy[q].investee, ExposureKind::Deal, e.invest_to_buy[q].id,
            st.entities[b].invested[q]);
  }
}

}  // namespace

const char* exposure_kind_name(ExposureKind k) {
  switch (k) {
    case ExposureKind::Loan: return "loan";
    case ExposureKind::Contract: return "contract";
    case ExposureKind::Lease: return "lease";
    case ExposureKind::Stake: return "stake";
    case ExposureKind::FundInterest: return "fund_interest";
    case ExposureKind::Guarantee: return "guarantee";
    case ExposureKind::Deal: return "deal";
  }
  return "?";
}

ExposureNetwork exposure_network(const Scenario& s, int period) {
  const Plan plan(s);
  const MarketPath m = deterministic_market(s, plan.timeline);
  State st;
  st.reset(plan);
  Recording rec;
  rec.start(plan);
  record_periods(plan, m, 0, period + 1, st, rec);
  ExposureNetwork x;
  x.period = period;
  const std::size_t n = s.entities.size();
  for (std::size_t i = 0; i < n; ++i) {
    if (plan.entities[i].operates) x.nodes.push_back(static_cast<int>(i));
    x.defaulted.push_back(st.entities[i].default_period >= 0);
    // Without holders or stakes the loop does not mark: an entity's equity is then its own
    // equity value, or its net assets at market.
    const PeriodFigures& f = rec.entities[i].periods[static_cast<std::size_t>(period)];
    double mark = f.mark;
    if (!plan.network.valued && x.defaulted.back() == 0) {
      mark = s.entities[i].equity_value
                 ? *s.entities[i].equity_value
                 : std::max(0.0, f.cash + f.collateral_market - f.debt - f.liabilities);
    }
    x.equity.push_back(plan.entities[i].operates && !x.defaulted.back() ? mark : 0.0);
  }
  collect(s, plan, st, period, x);
  // One entry per instrument: debtrank sums a row's entries for the same counterparty, so that
  // Λ_ij is the pair's total exposure over the lender's equity (docs/network.md).
  network::Exposures ex;
  ex.nodes = static_cast<int>(n);
  for (std::size_t i = 0; i < n; ++i) {
    ex.row_start.push_back(static_cast<int>(ex.counterparty.size()));
    for (const Exposure& e : x.edges)
      if (e.from == static_cast<int>(i)) {
        ex.counterparty.push_back(e.to);
        ex.amount.push_back(e.amount);
      }
  }
  ex.row_start.push_back(static_cast<int>(ex.counterparty.size()));
  // An entity of mark 0 that has not defaulted is standing with no buffer, not in default: it is
  // neither distressed in others' DebtRank from the start nor spared a shock of its own.
  const network::DebtRankOptions o{.no_equity = network::NoEquity::kNoBuffer};
  for (std::size_t i = 0; i < n; ++i) {
    const bool standing = plan.entities[i].operates && !x.defaulted[i];
    std::vector<double> shock(n, 0.0);
    shock[i] = standing ? 1.0 : 0.0;
    const network::DebtRankResult r = network::debtrank(ex, x.equity, shock, {}, o);
    x.debtrank.push_back(r.R);
    x.debtrank_rounds.push_back(static_cast<int>(r.rounds.size()));
  }
  return x;
}

nlohmann::ordered_json exposure_json(const Scenario& s, const ExposureNetwork& x) {
  using json = nlohmann::ordered_json;
  const Timeline t(s);
  json entities = json::object();
  for (int i : x.nodes) {
    const auto u = static_cast<std::size_t>(i);
    entities[s.entities[u].id] = {{"kind", entity_kind_name(s.entities[u].kind)},
                                  {"equity", x.equity[u]},
                                  {"defaulted", x.defaulted[u] != 0},
                                  {"debtrank", x.debtrank[u]},
                                  {"debtrank_rounds", x.debtrank_rounds[u]}};
  }
  json edges = json::array();
  for (const Exposure& e : x.edges)
    edges.push_back({{"from", s.entities[static_cast<std::size_t>(e.from)].id},
                     {"to", s.entities[static_cast<std::size_t>(e.to)].id},
                     {"kind", exposure_kind_name(e.kind)},
                     {"instrument", e.instrument},
                     {"amount", e.amount}});
  return {{"scenario", s.name},
          {"date", format_date(t.ends[static_cast<std::size_t>(x.period)])},
          {"entities", entities},
          {"exposures", edges}};
}

void write_exposures(const Scenario& s, const ExposureNetwork& x, std::ostream& out) {
  const Timeline t(s);
  out << fmt::format("{}: the exposure network at {} ($M)\n", s.name.empty() ? "scenario" : s.name,
                     format_date(t.ends[static_cast<std::size_t>(x.period)]));
  out << "\nexposures (who loses what if the other fails):\n";
  if (x.edges.empty()) out << "  none: no modelled entity is linked to another\n";
  for (const Exposure& e : x.edges)
    out << fmt::format("  {:<20} -> {:<20} {:<13} {:<22} {:>12.1f}\n",
                       s.entities[static_cast<std::size_t>(e.from)].id,
                       s.entities[static_cast<std::size_t>(e.to)].id, exposure_kind_name(e.kind),
                       e.instrument, e.amount);
  out << fmt::format("\n{:<22}{:<13}{:>14}{:>12}{:>8}\n", "entity", "kind", "equity", "DebtRank",
                     "rounds");
  std::vector<int> order = x.nodes;
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) {
    return x.debtrank[static_cast<std::size_t>(a)] > x.debtrank[static_cast<std::size_t>(b)];
  });
  for (int i : order) {
    const auto u = static_cast<std::size_t>(i);
    out << fmt::format("{:<22}{:<13}{:>14.1f}{:>12.4f}{:>8}{}\n", s.entities[u].id,
                       entity_kind_name(s.entities[u].kind), x.equity[u], x.debtrank[u],
                       x.debtrank_rounds[u], x.defaulted[u] ? "  (defaulted)" : "");
  }
  out << "\nDebtRank: the share of the network's equity (equity-weighted) its default alone would "
         "destroy through the exposures above (Battiston et al. 2012; docs/network.md)\n";
}

}  // namespace tinderbox
