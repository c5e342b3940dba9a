// The one period loop. The deterministic run, Monte Carlo and contagion all advance the world by
// calling step() once per period; only the market path and the sink differ (entity_step.h says
// what a sink is).
//
// Without links between modelled entities each entity runs its whole period on its own. With
// links (docs/model.md, Network) the period runs in phases over every entity: all prepare and
// list what they owe; what they owe each other is cleared as one Eisenberg-Noe system
// (Rogers-Veraart with the scenario's alpha and beta), with the parents of short spvs paying
// their shortfalls; each receives what the clearing says it is paid and pays its own list, in
// full by its waterfall or pro rata if it defaults; then come prepayments, covenants and
// defaults (spvs before their parents), the books close, and the holders are valued, which may
// make some of them insolvent. Where fire sales can move other entities' collateral, the period
// is computed again from its start with the market-value index the previous pass's sales imply,
// until the GPUs sold stop changing (a fixed point, within `network.max_rounds` passes).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <vector>

#include "engine/entity_step.h"

namespace tinderbox {

namespace detail {

// Keeps a pass's output while fire sales may make the loop compute the period again. The figures
// of the last pass reach the outer sink from the state (report_figures_of), so they are computed
// as it asks.
template <class Outer>
struct BufferSink {
  static constexpr bool kFireSaleValue = Outer::kFireSaleValue;
  static constexpr bool kBalances = wants_balances<Outer>();
  static constexpr bool kTotals = wants_totals<Outer>();
  std::vector<Flow>& flows;
  std::vector<Event>& events;
  void flow(const Flow& f) { flows.push_back(f); }
  void event(const Event& e) { events.push_back(e); }
  void figures(int, int, const PeriodFigures&) {}
};

// The creditors of obligation `o` of entity `i` that are modelled and alive, with their parts of
// it; `visit(creditor, part)` for each, and returns what is owed outside the network.
template <class Visit>
double network_parts(const Plan& plan, const State& st, int i, const Obligation& o, Visit visit) {
  if (o.creditor >= 0) {
    visit(o.creditor, o.amount);
    return 0.0;
  }
  double outside = o.amount;
  if (o.source == Source::Debt)
    for (const LenderShare& l : plan.entities[static_cast<std::size_t>(i)]
                                    .lenders[static_cast<std::size_t>(o.index)])
      if (st.entities[static_cast<std::size_t>(l.entity)].default_period < 0) {
        visit(l.entity, o.amount * l.share);
        outside -= o.amount * l.share;
      }
  return std::max(0.0, outside);
}

// The period's obligations between modelled entities as compressed rows; returns whether any
// entity owes another anything. An entity that owes the network nothing has an empty row and no
// assets: its own shortfall, if any, is settled by its waterfall and touches no one else.
inline bool build_liabilities(const Plan& plan, State& st) {
  const std::size_t n = st.entities.size();
  network::Liabilities& L = st.liabilities;
  L.nodes = static_cast<int>(n);
  L.row_start.clear();
  L.creditor.clear();
  L.amount.clear();
  L.external.assign(n, 0.0);
  st.assets.assign(n, 0.0);
  st.node.assign(n, 0);
  for (std::size_t i = 0; i < n; ++i) {
    L.row_start.push_back(static_cast<int>(L.creditor.size()));
    const EntityState& s = st.entities[i];
    if (!s.active || s.net_due.empty()) continue;  // owes the network nothing: an empty row
    double outside = 0;
    for (const Obligation& o : s.due) {
      if (o.amount <= 0) continue;
      outside += network_parts(plan, st, static_cast<int>(i), o, [&](int j, double part) {
        L.creditor.push_back(j);
        L.amount.push_back(part);
      });
    }
    if (static_cast<int>(L.creditor.size()) == L.row_start.back()) continue;
    st.node[i] = 1;
    L.external[i] = outside;
    st.assets[i] = s.own;
  }
  L.row_start.push_back(static_cast<int>(L.creditor.size()));
  return !L.creditor.empty();
}

// What entity `i` is paid by the network: at `fraction` of every obligation to it (in full, or
// the payers' fractions after a clearing), with or without its parent's guarantee.
inline double network_inflow(const Plan& plan, const State& st, int i, bool cleared,
                             bool with_guarantee = false) {
  double in = 0;
  for (std::size_t j = 0; j < st.entities.size(); ++j) {
    const EntityState& payer = st.entities[j];
    if (!payer.active) continue;
    const double f = cleared ? st.fraction[j] : 1.0;
    for (int x : payer.net_due) {
      const Obligation& o = payer.due[static_cast<std::size_t>(x)];
      if ((with_guarantee || o.kind != FlowKind::Guarantee) && o.amount > 0)
        network_parts(plan, st, static_cast<int>(j), o, [&](int c, double part) {
          if (c == i) in += part * f;
        });
    }
  }
  return in;
}

// network_inflow() of every active entity at once, in full (`owed`) and at the payers' cleared
// fractions (`received`), guarantees included: the same sums, each in the same order.
inline void network_inflows(const Plan& plan, State& st) {
  const std::size_t n = st.entities.size();
  for (std::size_t j = 0; j < n; ++j) {
    const EntityState& payer = st.entities[j];
    if (!payer.active) continue;
    const double f = st.fraction[j];
    for (int x : payer.net_due) {
      const Obligation& o = payer.due[static_cast<std::size_t>(x)];
      if (o.amount > 0)
        network_parts(plan, st, static_cast<int>(j), o, [&](int c, double part) {
          st.owed_in[static_cast<std::size_t>(c)] += part;
          st.received_in[static_cast<std::size_t>(c)] += part * f;
        });
    }
  }
  for (std::size_t i = 0; i < n; ++i)
    if (!st.entities[i].active) st.owed_in[i] = st.received_in[i] = 0;
}

inline double owed_total(const EntityState& s) { return s.owed; }

// Each guaranteed spv's shortfall after the network pays it (in full, or as last cleared): what
// its parent is asked for, within the guarantee's cap. Returns whether any call changed.
inline bool update_guarantees(const Plan& plan, State& st, bool cleared) {
  const Scenario& sc = *plan.scenario;
  if (plan.network.guaranteed.empty()) return false;
  const std::size_t n = st.entities.size();
  // network_inflow() of every entity (guarantees left out) in one pass over the payers, not one
  // pass per spv: each sum takes its terms in the same order. The calls below change only
  // guarantees, which it leaves out, so it holds for every spv of the loop.
  std::vector<double>& inflow = st.guarantee;
  inflow.assign(n, 0.0);
  for (std::size_t j = 0; j < n; ++j) {
    const EntityState& payer = st.entities[j];
    if (!payer.active) continue;
    const double f = cleared ? st.fraction[j] : 1.0;
    for (int x : payer.net_due) {
      const Obligation& o = payer.due[static_cast<std::size_t>(x)];
      if (o.kind != FlowKind::Guarantee && o.amount > 0)
        network_parts(plan, st, static_cast<int>(j), o, [&](int c, double part) {
          inflow[static_cast<std::size_t>(c)] += part * f;
        });
    }
  }
  bool changed = false;
  for (int spv : plan.network.guaranteed) {
    const auto i = static_cast<std::size_t>(spv);
    const Entity& e = sc.entities[i];
    EntityState& s = st.entities[i];
    if (e.parent < 0 || e.guarantee.type == GuaranteeType::None || !s.active) continue;
    EntityState& parent = st.entities[static_cast<std::size_t>(e.parent)];
    if (!parent.active) continue;
    const double need = std::max(0.0, owed_total(s) - s.own - inflow[i]);
    const double cap = e.guarantee.type == GuaranteeType::Full ? need
                                                               : e.guarantee.cap - s.guarantee_paid;
    const double call = std::min(need, std::max(0.0, cap));
    // A guarantee has a creditor, so it is among the parent's network obligations.
    Obligation* it = nullptr;
    for (int x : parent.net_due) {
      Obligation& o = parent.due[static_cast<std::size_t>(x)];
      if (o.kind == FlowKind::Guarantee && o.creditor == static_cast<int>(i)) {
        it = &o;
        break;
      }
    }
    const double before = it ? it->amount : 0.0;
    if (std::abs(call - before) <= 1e-9 * std::max(1.0, call)) continue;
    changed = true;
    parent.owed += call - before;
    parent.owes_network = true;
    if (!it) {
      parent.net_due.push_back(static_cast<int>(parent.due.size()));
      parent.due.push_back(Obligation{FlowKind::Guarantee, Source::Guarantee, 0, call, 0,
                                      static_cast<int>(i)});
    } else {
      it->amount = call;
    }
  }
  return changed;
}

// Clears the period's obligations between modelled entities, with the guarantees of short spvs,
// and sets each entity's fraction paid, clearing round and cause. Returns the number of rounds
// (0 when nobody owed the network anything).
// Most periods of most paths owe the network nothing: then nothing is cleared at all.
inline bool needs_clearing(const Plan& plan, const State& st) {
  for (int i : plan.network.modelled) {
    const EntityState& s = st.entities[static_cast<std::size_t>(i)];
    if (s.active && s.owes_network) return true;
  }
  for (int i : plan.network.guaranteed) {
    const EntityState& s = st.entities[static_cast<std::size_t>(i)];
    if (s.active && s.owed > s.own) return true;
  }
  return false;
}

// Clears them (every active entity listed): sets each entity's fraction paid, clearing round
// and cause. Returns the number of rounds.
inline int clear_network(const Plan& plan, State& st) {
  const std::size_t n = st.entities.size();
  st.cleared = true;
  // As assign(n, value) of each, in one loop.
  st.fraction.resize(n);
  st.node_round.resize(n);
  st.node_cause.resize(n);
  st.owed_in.resize(n);
  st.received_in.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    st.fraction[i] = 1.0;
    st.node_round[i] = 0;
    st.node_cause[i] = Cause::Liquidity;
    st.owed_in[i] = st.received_in[i] = 0.0;
  }
  update_guarantees(plan, st, /*cleared=*/false);
  if (!build_liabilities(plan, st)) {
    st.cleared = false;
    return 0;
  }
  const network::ClearingOptions options{plan.scenario->network.alpha, plan.scenario->network.beta};
  const network::ClearingResult* r = nullptr;
  for (int pass = 0; pass < 50; ++pass) {
    r = &st.clearer.clear(st.liabilities, st.assets, options);
    for (std::size_t i = 0; i < n; ++i) {
      const double due = owed_total(st.entities[i]);
      st.fraction[i] = st.node[i] && r->defaulted[i] && due > 0 ? r->payments[i] / due : 1.0;
    }
    if (!update_guarantees(plan, st, /*cleared=*/true)) break;
    build_liabilities(plan, st);
  }
  for (std::size_t round = 0; round < r->rounds.size(); ++round)
    for (int i : r->rounds[round]) st.node_round[static_cast<std::size_t>(i)] = int(round) + 1;
  network_inflows(plan, st);
  // An entity that owes the network nothing has no round in the clearing (its node_round is 0);
  // if it is short, it defaults by its waterfall, in the round after the latest payer that
  // short-paid it. One pass over the short payers' obligations keeps, in its node_round, the
  // latest round of those that short-paid it (a max: the order does not matter).
  for (std::size_t j = 0; j < n; ++j) {
    if (!st.node[j] || !(st.fraction[j] < 1)) continue;
    for (int x : st.entities[j].net_due)
      network_parts(plan, st, static_cast<int>(j), st.entities[j].due[static_cast<std::size_t>(x)],
                    [&](int c, double) {
                      const auto u = static_cast<std::size_t>(c);
                      if (!st.node[u] && st.entities[u].active)
                        st.node_round[u] = std::max(st.node_round[u], st.node_round[j]);
                    });
  }
  for (std::size_t i = 0; i < n; ++i) {
    if (!st.entities[i].active) continue;
    if (!st.node[i]) {
      if (st.node_round[i] > 0) {
        st.node_round[i] += 1;
        st.node_cause[i] = Cause::Clearing;
      }
    } else if (st.node_round[i] > 1) {
      st.node_cause[i] = Cause::Clearing;
    } else if (st.node_round[i] == 1) {
      // Round 1: it could not pay even with the network paying it in full. Its guarantee of an
      // spv is the cause when it could have paid everything else.
      double called = 0;
      for (const Obligation& o : st.entities[i].due)
        if (o.kind == FlowKind::Guarantee) called += o.amount;
      if (called > 0 &&
          st.entities[i].own + st.owed_in[i] >= owed_total(st.entities[i]) - called)
        st.node_cause[i] = Cause::Guarantee;
    }
  }
  return static_cast<int>(r->rounds.size());
}

// The receiving side of every cleared obligation: each creditor books its part, at its payer's
// fraction, and its cash moves before it pays its own.
template <class Sink>
void book_receipts(const Plan& plan, int k, State& st, Sink& sink) {
  if (!st.cleared) return;
  const Scenario& sc = *plan.scenario;
  for (std::size_t i = 0; i < st.entities.size(); ++i) {
    const EntityState& payer = st.entities[i];
    if (!st.node[i]) continue;
    const double f = st.fraction[i];
    const int from = static_cast<int>(i);
    for (int x : payer.net_due) {
      const Obligation& o = payer.due[static_cast<std::size_t>(x)];
      if (o.amount <= 0) continue;
      network_parts(plan, st, from, o, [&](int j, double part) {
        const double got = part * f;
        if (got == 0) return;
        EntityState& to = st.entities[static_cast<std::size_t>(j)];
        to.cash += got;
        to.f.received += got;
        switch (o.kind) {
          case FlowKind::Purchase: {
            sink.flow(Flow{k, j, FlowKind::Revenue, Source::Contract, o.index, got});
            to.f.revenue += got;
            to.f.ebitda += got;
            // For the contract-realization covenant: a modelled customer's payment is received.
            to.contract_received[static_cast<std::size_t>(k)] += got;
            const Entity& provider = sc.entities[static_cast<std::size_t>(j)];
            for (std::size_t q = 0; q < provider.invest_to_buy.size(); ++q)
              if (provider.invest_to_buy[q].contract == o.index &&
                  provider.invest_to_buy[q].investee == from)
                to.bought[q] += got;
            break;
          }
          case FlowKind::Guarantee:
            sink.flow(Flow{k, j, FlowKind::Guarantee, Source::Guarantee, 0, got});
            to.guarantee_paid += got;
            sink.event(Event{k, from, EventType::GuaranteeCall, Source::Guarantee, 0,
                             Covenant::None, FlowKind::Guarantee, o.amount, got, 1,
                             Cause::Guarantee, 0, 0, j});
            break;
          case FlowKind::Investment:
            sink.flow(Flow{k, j, FlowKind::Equity, Source::Deal, o.index, got, from});
            to.f.equity += got;
            break;
          case FlowKind::Interest:
          case FlowKind::Fee:
            to.f.revenue += got;
            to.f.ebitda += got;
            [[fallthrough]];
          default:  // a lease to its lessor, principal to a lender
            sink.flow(Flow{k, j, o.kind, o.source, o.index, got, from});
            // A lease or a site's payment is its lessor's or host's revenue; a reimbursement of
            // a host's build-out only its cash.
            if (o.kind == FlowKind::Lease) {
              to.f.revenue += got;
              to.f.ebitda += got;
            }
        }
      });
    }
  }
}

// An entity's equity as its stakeholders mark it: its own equity value (moved by its share
// price) when the scenario gives one and it is not a holder, else its net asset value, and 0
// once it has defaulted.
inline double own_mark(const Plan& plan, const MarketPath& m, int k, std::size_t i, double nav,
                       const EntityState& s) {
  const Scenario& sc = *plan.scenario;
  const Entity& e = sc.entities[i];
  if (s.default_period >= 0) return 0.0;
  if (!e.equity_value || plan.entities[i].holder) return std::max(0.0, nav);
  if (e.share_price < 0) return *e.equity_value;
  const double start = sc.market.equity[static_cast<std::size_t>(e.share_price)].price.at(sc.start);
  return *e.equity_value * m.share_price_at(e.share_price, k) / start;
}

// Warrants by their vested tranches at the issuer's share price, and invest-to-buy stakes at
// cost while the investee stands.
inline double rights_value(const Plan& plan, const MarketPath& m, int k, std::size_t i,
                           State& st) {
  const Scenario& sc = *plan.scenario;
  const Entity& e = sc.entities[i];
  EntityState& s = st.entities[i];
  double v = 0;
  std::size_t t = 0;
  for (std::size_t w = 0; w < e.warrants.size(); ++w) {
    const Warrant& x = e.warrants[w];
    const Entity& issuer = sc.entities[static_cast<std::size_t>(x.issuer)];
    const double price = m.share_price_at(issuer.share_price, k);
    double vested = 0;
    for (const WarrantTranche& tr : x.tranches) {
      if (!s.vested[t] && s.purchased[w] >= tr.purchases && price >= tr.price_hurdle)
        s.vested[t] = 1;
      if (s.vested[t]) vested += tr.shares;
      ++t;
    }
    if (st.entities[static_cast<std::size_t>(x.issuer)].default_period < 0)
      v += vested * std::max(0.0, price - x.strike);
  }
  for (std::size_t q = 0; q < e.invest_to_buy.size(); ++q)
    if (st.entities[static_cast<std::size_t>(e.invest_to_buy[q].investee)].default_period < 0)
      v += s.invested[q];
  return v;
}

// Loans held, stakes, net asset values and marks at the period end; stakes are marked to their
// investees' marks, so the marks are iterated to their fixed point (cross-holdings converge, no
// investee being held above 100 %).
inline void value_holdings(const Plan& plan, const MarketPath& m, int k, State& st) {
  const Scenario& sc = *plan.scenario;
  const std::size_t n = st.entities.size();
  st.marks.assign(n, 0.0);
  st.held.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    EntityState& s = st.entities[i];
    st.held[i] = s.held;
    double loans = 0;
    for (const LoanHeld& l : plan.entities[i].loans)
      loans += l.share * st.entities[static_cast<std::size_t>(l.borrower)].debt[l.debt].balance;
    s.f.loans_held = s.default_period >= 0 ? 0.0 : loans;
    s.f.stakes_value = s.default_period >= 0 ? 0.0 : rights_value(plan, m, k, i, st);
  }
  for (int pass = 0; pass < 100; ++pass) {
    double change = 0;
    for (std::size_t i = 0; i < n; ++i) {
      EntityState& s = st.entities[i];
      double stakes = s.default_period >= 0 ? 0.0 : rights_value(plan, m, k, i, st);
      if (s.default_period < 0)
        for (const Stake& x : sc.entities[i].stakes) {
          const auto j = static_cast<std::size_t>(x.entity);
          stakes += x.share * st.held[j] * st.marks[j];
        }
      s.f.stakes_value = stakes;
      s.f.nav = s.f.cash + s.f.collateral_market + s.f.loans_held + stakes - s.f.debt -
                s.f.liabilities;
      const double mark = own_mark(plan, m, k, i, s.f.nav, s);
      // Capital its owners put in this period buys new interests at the value before it, NAV − c:
      // the holders keep (NAV − c) / NAV of it, none when that value is below zero (the capital
      // first fills the hole).
      double held = s.held;
      if (s.owners_period == k && s.owners_paid > 0)
        held = s.held_before * std::max(0.0, s.f.nav - s.owners_paid) /
               std::max(s.f.nav, s.owners_paid);
      change = std::max(change, std::abs(held * mark - st.held[i] * st.marks[i]));
      st.marks[i] = mark;
      st.held[i] = held;
      s.f.mark = mark;
    }
    if (change <= 1e-9) break;
  }
  for (std::size_t i = 0; i < n; ++i) {
    EntityState& s = st.entities[i];
    s.held = st.held[i];
    s.f.diluted = 1 - s.held;
  }
}

// Applies what an insolvency moved to entities that had already closed.
inline void apply_late_transfers(State& st) {
  for (EntityState& s : st.entities) {
    if (s.pending == 0) continue;
    s.cash += s.pending;
    s.f.cash = s.cash;
    s.f.received += s.pending;
    s.pending = 0;
  }
}

// One computation of period k over every entity, in phases.
template <class Sink>
void network_pass(const Plan& plan, const MarketPath& m, int k, State& st, Sink& sink) {
  using Step = EntityStep<Sink, true>;
  const int n = static_cast<int>(st.entities.size());
  const std::vector<int>& modelled = plan.network.modelled;
  // The room is sized once (it only grows): the test is a product and a comparison.
  if (const std::size_t bytes = static_cast<std::size_t>(n) * sizeof(Step);
      st.step_room.size() * sizeof(std::max_align_t) < bytes) [[unlikely]]
    st.step_room.resize(bytes / sizeof(std::max_align_t) + 1);
  const auto step = [&](int i) -> Step& { return Step::kept(st, i); };
  st.round = 1;
  st.calls = false;
  for (int i : modelled) Step::start(plan, m, k, i, st, sink).prepare();
  st.cleared = false;
  int rounds = 0;
  if (needs_clearing(plan, st)) {
    for (int i : modelled) step(i).list_for_clearing();
    rounds = clear_network(plan, st);
  }
  book_receipts(plan, k, st, sink);
  // Where the clearing says an entity can pay, it can to within the clearing's tolerance: its
  // payments are allowed that much of a shortfall (rounding, not money).
  for (int i : modelled) {
    const auto u = static_cast<std::size_t>(i);
    if (!st.cleared) {
      step(i).pay_scheduled(1.0, 0.0);
      continue;
    }
    const EntityState& s = st.entities[u];
    const bool involved = st.node[u] || st.received_in[u] > 0;
    step(i).pay_scheduled(st.fraction[u],
                          s.active && involved ? 1e-9 * std::max(1.0, owed_total(s)) : 0.0);
  }
  st.round = std::max(1, rounds) + 1;
  st.calls = true;
  for (int i : plan.network.order) step(i).after_payments();
  st.calls = false;
  for (int i : modelled) step(i).finish();
  // A party known only by its credit keeps the figures State::reset gave it.
  if (!plan.network.valued) return;
  // Holders whose equity has gone below zero default, which can take others' below zero.
  for (int pass = 0; pass <= n; ++pass) {
    value_holdings(plan, m, k, st);
    ++st.round;
    bool any = false;
    for (int i = 0; i < n; ++i) {
      EntityState& s = st.entities[static_cast<std::size_t>(i)];
      if (!plan.entities[static_cast<std::size_t>(i)].holder || s.default_period >= 0 ||
          s.f.nav >= -1e-9 * std::max(1.0, s.f.liabilities + s.f.debt))
        continue;
      EntityStep<Sink, true>(plan, m, k, i, st, sink)
          .insolvent(s.f.nav, std::max(0.0, s.f.loans_held + s.f.stakes_value));
      any = true;
    }
    if (!any) break;
    apply_late_transfers(st);
  }
}

template <class Sink>
void report_figures_of(const Plan& plan, int k, State& st, Sink& sink) {
  if constexpr (modelled_figures_only<Sink>())
    for (int i : plan.network.modelled)
      sink.figures(k, i, st.entities[static_cast<std::size_t>(i)].f);
  else
    for (std::size_t i = 0; i < st.entities.size(); ++i)
      sink.figures(k, static_cast<int>(i), st.entities[i].f);
}

// Whether a pass sold what the pass before did. Seized lots are sold whole, so their units repeat
// exactly; forced sales sell parts of lots, whose units only converge to their fixed point: equal
// to within a relative 1e-12 (at least 1e-9 GPUs).
inline bool sales_settled(const std::vector<double>& sold, const std::vector<double>& before) {
  for (std::size_t g = 0; g < sold.size(); ++g)
    if (std::abs(sold[g] - before[g]) > std::max(1e-9, 1e-12 * sold[g])) return false;
  return true;
}

// Period k computed again from its start until the GPUs that defaults and forced sales sell stop
// changing; the passes' output is buffered and only the last is reported. A default that first
// appears in a later pass was caused by the fire sales (its cause says so, and its round counts
// on from the rounds of the passes before).
template <class Sink>
void fire_sale_passes(const Plan& plan, const MarketPath& m, int k, State& st, Sink& sink) {
  const std::size_t n = st.entities.size(), gens = st.index.size();
  st.saved = st.entities;
  st.saved_index = st.index;
  st.first_pass.assign(n, -1);
  st.first_round.assign(n, 0);
  std::vector<double>& sold_before = st.sold_before;
  sold_before.assign(gens, 0.0);
  int offset = 0, passes = 0;
  bool settled = false;
  std::vector<Flow>& flows = st.buffer_flows;
  std::vector<Event>& events = st.buffer_events;
  for (int pass = 0; pass < plan.scenario->network.max_rounds; ++pass) {
    if (pass > 0) st.entities = st.saved;
    for (std::size_t g = 0; g < gens; ++g)
      st.index[g] = st.saved_index[g] * std::exp(-plan.network.pressure[g] * sold_before[g]);
    std::fill(st.sold.begin(), st.sold.end(), 0.0);
    flows.clear();
    events.clear();
    BufferSink<Sink> buffer{flows, events};
    network_pass(plan, m, k, st, buffer);
    ++passes;
    int most = 0;
    for (const Event& e : events) {
      if (e.type != EventType::Default) continue;
      const auto i = static_cast<std::size_t>(e.entity);
      if (st.first_pass[i] < 0) {
        st.first_pass[i] = pass;
        st.first_round[i] = offset + e.round;
      }
      most = std::max(most, offset + e.round);
    }
    offset = std::max(offset, most);
    if (sales_settled(st.sold, sold_before)) {
      settled = true;
      break;
    }
    sold_before = st.sold;
  }
  for (std::size_t g = 0; g < gens; ++g)
    st.index[g] = st.saved_index[g] * std::exp(-plan.network.pressure[g] * st.sold[g]);
  for (Event& e : events) {
    if (e.type == EventType::FireSale) {
      e.round = passes;
      e.settled = settled;
    }
    if (e.type != EventType::Default) continue;
    const auto i = static_cast<std::size_t>(e.entity);
    e.round = st.first_round[i];
    if (st.first_pass[i] > 0) e.cause = Cause::FireSale;
  }
  for (const Flow& f : flows) sink.flow(f);
  for (const Event& e : events) sink.event(e);
  report_figures_of(plan, k, st, sink);
}

}  // namespace detail

// Advances every entity through period k.
template <class Sink>
void step(const Plan& plan, const MarketPath& m, int k, State& state, Sink& sink) {
  // The market-value index recovers toward 1 with its half-life; the period's sales start at 0.
  if (plan.network.index_moves)
    for (std::size_t g = 0; g < state.index.size(); ++g) {
      state.index[g] = 1 - (1 - state.index[g]) * plan.network.recovery[g];
      state.sold[g] = 0;
    }
  if (!plan.network.linked) {
    for (std::size_t i = 0; i < state.entities.size(); ++i) {
      if (!plan.entities[i].operates) {
        // Nothing to model (a customer known only by its credit): its cash and shares never move.
        if constexpr (!detail::modelled_figures_only<Sink>()) {
          const EntityState& s = state.entities[i];
          PeriodFigures f;
          f.cash = s.cash;
          f.shares = s.shares;
          sink.figures(k, static_cast<int>(i), f);
        }
        continue;
      }
      EntityStep<Sink>(plan, m, k, static_cast<int>(i), state, sink).run();
    }
    return;
  }
  if (plan.network.fire_sales) {
    detail::fire_sale_passes(plan, m, k, state, sink);
    return;
  }
  detail::network_pass(plan, m, k, state, sink);
  detail::report_figures_of(plan, k, state, sink);
}

}  // namespace tinderbox
