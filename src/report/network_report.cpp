#include "report/network_report.h"

#include <algorithm>

#include <fmt/format.h>

#include "report/describe.h"

namespace tinderbox {
namespace {

using json = nlohmann::ordered_json;

std::size_t at(CreditorClass c) { return static_cast<std::size_t>(c); }

// Each lender's share of every loss row, by its class; a holder's liabilities are `other`.
void credit_losses(const RunResult& r, NetworkReport& n) {
  const Scenario& s = *r.scenario;
  for (const Flow& f : r.flows) {
    if (f.kind != FlowKind::Loss) continue;
    const double lost = -f.amount;
    n.total_credit_losses += lost;
    if (f.source != Source::Debt) {
      n.credit_losses[at(CreditorClass::Other)] += lost;
      continue;
    }
    for (const Lender& l : s.entities[static_cast<std::size_t>(f.entity)]
                               .debt[static_cast<std::size_t>(f.index)].lenders)
      n.credit_losses[at(creditor_class(s, l.party))] += lost * l.share;
  }
}

// A stake or fund interest loses share x (what its holders hold of the mark at the first period
// end - at the last: (1 - diluted) x mark, a defaulted investee's mark being 0), and an
// invest-to-buy deal what was invested in an investee that defaulted; each is booked to its
// holder's class.
void value_losses(const RunResult& r, NetworkReport& n) {
  const Scenario& s = *r.scenario;
  for (const Flow& f : r.flows) {
    if (f.kind != FlowKind::Investment || f.other >= 0) continue;
    const Entity& investor = s.entities[static_cast<std::size_t>(f.entity)];
    const int investee = investor.invest_to_buy[static_cast<std::size_t>(f.index)].investee;
    if (r.entities[static_cast<std::size_t>(investee)].default_period)
      n.value_losses[at(creditor_class(s, Party{investor.id, f.entity}))] -= f.amount;
  }
  for (std::size_t h = 0; h < s.entities.size(); ++h)
    for (const Stake& x : s.entities[h].stakes) {
      const auto& marks = r.entities[static_cast<std::size_t>(x.entity)].periods;
      if (marks.empty()) continue;
      const auto held = [](const PeriodFigures& f) { return (1 - f.diluted) * f.mark; };
      const double lost = x.share * std::max(0.0, held(marks.front()) - held(marks.back()));
      n.value_losses[at(creditor_class(s, Party{s.entities[h].id, static_cast<int>(h)}))] += lost;
    }
}

// For a default that follows others: the contracts it lost to customers that defaulted before.
std::string lost_customers(const RunResult& r, const Event& d) {
  const Scenario& s = *r.scenario;
  std::string out;
  for (const Event& e : r.events) {
    if (e.type != EventType::ContractStopped || e.entity != d.entity || e.period > d.period) continue;
    const Party& c = s.entities[static_cast<std::size_t>(e.entity)]
                         .contracts[static_cast<std::size_t>(e.index)].customer;
    if (c.entity < 0 || !r.entities[static_cast<std::size_t>(c.entity)].default_period) continue;
    out += fmt::format("{}{} ({} from {})", out.empty() ? "after the default of " : ", ", c.name,
                       instrument_name(s, e.entity, e.source, e.index),
                       format_date(r.plan.timeline.ends[static_cast<std::size_t>(e.period)]));
  }
  return out;
}

// For a default the period's fire sales caused: the forced sales (docs/model.md, Forced sales)
// of that period by others, whose units moved the index it was valued at.
std::string forced_sales_before(const RunResult& r, const Event& d) {
  if (d.cause != Cause::FireSale) return "";
  const Scenario& s = *r.scenario;
  std::string out;
  for (const Event& e : r.events) {
    if (e.type != EventType::FireSale || e.source != Source::Lot || e.period != d.period ||
        e.entity == d.entity)
      continue;
    out += fmt::format("{}{} ({:.1f} {})", out.empty() ? "after the forced sales of " : ", ",
                       s.entities[static_cast<std::size_t>(e.entity)].id, e.value,
                       s.market.gpus[static_cast<std::size_t>(e.other)].name);
  }
  return out;
}

}  // namespace

std::string contagion_detail(const RunResult& r, const Event& d) {
  std::string after = lost_customers(r, d);
  const std::string sales = forced_sales_before(r, d);
  if (!sales.empty()) after += (after.empty() ? "" : "; ") + sales;
  return event_detail(*r.scenario, d) + (after.empty() ? "" : "; " + after);
}

NetworkReport network_report(const RunResult& r) {
  NetworkReport n;
  for (std::size_t i = 0; i < r.events.size(); ++i) {
    const Event& e = r.events[i];
    if (e.type == EventType::Default) n.trace.push_back({e.period, e.round, e.entity, i});
    if (e.type == EventType::FireSale) n.fire_sales.push_back(i);
  }
  std::stable_sort(n.trace.begin(), n.trace.end(), [](const TraceStep& a, const TraceStep& b) {
    return std::tie(a.period, a.round, a.entity) < std::tie(b.period, b.round, b.entity);
  });
  credit_losses(r, n);
  value_losses(r, n);
  const auto shortfall = [](const Event& e) {
    return e.index == -1 && e.value > 0 ? e.network_owed * (1 - e.limit / e.value) : 0.0;
  };
  for (const TraceStep& c : n.trace) n.network_shortfalls += shortfall(r.events[c.event]);
  n.total_losses = n.total_credit_losses + n.network_shortfalls;
  if (n.trace.empty()) return n;
  n.shock_period = n.trace.front().period;
  n.shock_round = n.trace.front().round;
  for (const TraceStep& c : n.trace)
    if (c.period == n.shock_period && c.round == n.shock_round) {
      n.shock_entities.push_back(c.entity);
      n.shock_losses += shortfall(r.events[c.event]);
    }
  for (const Flow& f : r.flows)
    if (f.kind == FlowKind::Loss && f.period == n.shock_period &&
        std::find(n.shock_entities.begin(), n.shock_entities.end(), f.entity) !=
            n.shock_entities.end())
      n.shock_losses -= f.amount;
  if (n.shock_losses > 0) n.amplification = n.total_losses / n.shock_losses;
  return n;
}

json network_json(const RunResult& r, const NetworkReport& n) {
  const Scenario& s = *r.scenario;
  const auto date = [&](int k) {
    return format_date(r.plan.timeline.ends[static_cast<std::size_t>(k)]);
  };
  json trace = json::array();
  for (const TraceStep& c : n.trace) {
    const Event& e = r.events[c.event];
    trace.push_back({{"date", date(c.period)}, {"period", c.period}, {"round", c.round},
                     {"entity", s.entities[static_cast<std::size_t>(c.entity)].id},
                     {"cause", cause_name(e.cause)}, {"detail", contagion_detail(r, e)}});
  }
  json classes = json::object();
  for (int c = 0; c < kCreditorClasses; ++c)
    classes[creditor_class_name(static_cast<CreditorClass>(c))] = {
        {"credit", n.credit_losses[static_cast<std::size_t>(c)]},
        {"value", n.value_losses[static_cast<std::size_t>(c)]}};
  json shock = nullptr;
  if (n.shock_period >= 0) {
    json who = json::array();
    for (int i : n.shock_entities) who.push_back(s.entities[static_cast<std::size_t>(i)].id);
    shock = {{"date", date(n.shock_period)}, {"round", n.shock_round}, {"entities", who},
             {"losses", n.shock_losses}};
  }
  json sales = json::array();
  for (std::size_t i : n.fire_sales) {
    const Event& e = r.events[i];
    sales.push_back({{"date", date(e.period)}, {"entity", s.entities[static_cast<std::size_t>(e.entity)].id},
                     {"gpu", s.market.gpus[static_cast<std::size_t>(e.other)].name},
                     {"units", e.value}, {"index", e.limit}, {"passes", e.round},
                     {"settled", e.settled}});
    if (e.source == Source::Lot) {  // a forced sale: its lot and the facility it cures
      sales.back()["forced"] = true;
      sales.back()["lot"] = instrument_name(s, e.entity, e.source, e.index);
      sales.back()["facility"] = instrument_name(s, e.entity, Source::Debt, e.facility);
      sales.back()["proceeds"] = e.received;
    }
  }
  return {{"contagion", trace},
          {"losses_by_class", classes},
          {"credit_losses", n.total_credit_losses},
          {"network_shortfalls", n.network_shortfalls},
          {"total_losses", n.total_losses},
          {"initial_shock", shock},
          {"amplification", n.amplification ? json(*n.amplification) : json(nullptr)},
          {"fire_sales", sales}};
}

void write_network_summary(const RunResult& r, const NetworkReport& n, std::ostream& out) {
  const Scenario& s = *r.scenario;
  const auto date = [&](int k) {
    return format_date(r.plan.timeline.ends[static_cast<std::size_t>(k)]);
  };
  out << "\nnetwork\n";
  if (n.trace.empty()) {
    out << "contagion: no entity defaults\n";
  } else {
    out << "contagion, in order (date, round, entity, cause):\n";
    for (const TraceStep& c : n.trace) {
      const Event& e = r.events[c.event];
      out << fmt::format("  {}  round {:<2}  {:<20} {:<11} {}\n", date(c.period), c.round,
                         s.entities[static_cast<std::size_t>(c.entity)].id, cause_name(e.cause),
                         contagion_detail(r, e));
    }
  }
  for (std::size_t i : n.fire_sales)
    out << fmt::format("  {}  fire sale by {}: {}\n", date(r.events[i].period),
                       s.entities[static_cast<std::size_t>(r.events[i].entity)].id,
                       event_detail(s, r.events[i]));
  out << "losses by creditor class ($M; credit: loss rows; value: stakes, fund interests and deals marked "
         "down):\n";
  for (int c = 0; c < kCreditorClasses; ++c)
    out << fmt::format("  {:<16} credit {:>10.1f}   value {:>10.1f}\n",
                       creditor_class_name(static_cast<CreditorClass>(c)),
                       n.credit_losses[static_cast<std::size_t>(c)],
                       n.value_losses[static_cast<std::size_t>(c)]);
  if (n.shock_period < 0) return;
  std::string who;
  for (int i : n.shock_entities)
    who += (who.empty() ? "" : ", ") + s.entities[static_cast<std::size_t>(i)].id;
  out << fmt::format("total losses {:.1f}: credit {:.1f} and {:.1f} left unpaid in the clearing\n",
                     n.total_losses, n.total_credit_losses, n.network_shortfalls);
  if (n.amplification)
    out << fmt::format("amplification: total losses {:.1f} / initial shock {:.1f} (round {} of "
                       "{}: {}) = {:.2f}x\n",
                       n.total_losses, n.shock_losses, n.shock_round, date(n.shock_period), who,
                       *n.amplification);
  else
    out << fmt::format("amplification: n/a (the initial shock, round {} of {}: {}, lost nothing)\n",
                       n.shock_round, date(n.shock_period), who);
}

}  // namespace tinderbox
