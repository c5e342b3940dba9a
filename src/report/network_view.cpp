#include "report/network_view.h"

#include <algorithm>
#include <map>

#include "report/describe.h"
#include "report/network_report.h"

namespace tinderbox {
namespace {

// The nodes in a stable order: entities in file order, then external names as first met.
class NodeList {
 public:
  explicit NodeList(const Scenario& s) {
    for (const Entity& e : s.entities) add(e.id, entity_kind_name(e.kind), true);
  }
  void add(const std::string& id, const std::string& kind, bool modelled) {
    if (id.empty() || index_.count(id)) return;
    index_[id] = nodes_.size();
    nodes_.push_back(NetworkNode{id, kind, modelled, std::nullopt, ""});
  }
  NetworkNode& at(const std::string& id) { return nodes_[index_.at(id)]; }
  std::vector<NetworkNode> take() { return std::move(nodes_); }

 private:
  std::vector<NetworkNode> nodes_;
  std::map<std::string, std::size_t> index_;
};

}  // namespace

std::vector<std::vector<std::vector<double>>> debt_balances(const RunResult& r) {
  const Scenario& s = *r.scenario;
  const std::size_t n = static_cast<std::size_t>(r.plan.timeline.periods);
  std::vector<std::vector<std::vector<double>>> out(s.entities.size());
  std::vector<std::vector<double>> moves(s.entities.size());
  for (std::size_t e = 0; e < s.entities.size(); ++e) {
    out[e].assign(s.entities[e].debt.size(), std::vector<double>(n, 0.0));
    moves[e].assign(s.entities[e].debt.size() * n, 0.0);
  }
  // A lender entity's side of a debt flow (f.other >= 0) is on its borrower's debt: skipped.
  for (const Flow& f : r.flows)
    if (f.other < 0 && f.source == Source::Debt && (f.kind == FlowKind::Draw || f.kind == FlowKind::Principal ||
                                     f.kind == FlowKind::Prepayment))
      moves[static_cast<std::size_t>(f.entity)][static_cast<std::size_t>(f.index) * n +
                                                static_cast<std::size_t>(f.period)] += f.amount;
  std::vector<std::vector<int>> ended(s.entities.size());
  for (std::size_t e = 0; e < s.entities.size(); ++e)
    ended[e].assign(s.entities[e].debt.size(), static_cast<int>(n));
  for (const Event& ev : r.events)
    if (ev.type == EventType::Conversion && ev.source == Source::Debt) {
      int& at = ended[static_cast<std::size_t>(ev.entity)][static_cast<std::size_t>(ev.index)];
      at = std::min(at, ev.period);
    }
  for (std::size_t e = 0; e < s.entities.size(); ++e) {
    const int defaulted = r.entities[e].default_period.value_or(static_cast<int>(n));
    for (std::size_t d = 0; d < s.entities[e].debt.size(); ++d) {
      double balance = s.entities[e].debt[d].outstanding;
      for (std::size_t k = 0; k < n; ++k) {
        balance += moves[e][d * n + k];
        const bool gone = static_cast<int>(k) >= defaulted || static_cast<int>(k) >= ended[e][d];
        out[e][d][k] = gone ? 0.0 : std::max(0.0, balance);
      }
    }
  }
  return out;
}

namespace {

// What is still to be paid after `after` through `end`, at `per_day`.
double remaining(Date after, Date start, Date end, double per_day) {
  const Date from = std::max(after + 1, start);
  return end < from ? 0.0 : per_day * double(end - from + 1);
}

void add_edges(const RunResult& r, const std::vector<std::vector<std::vector<double>>>& balances,
               int k, NetworkView& v) {
  const Scenario& s = *r.scenario;
  const Timeline& t = r.plan.timeline;
  const Date at = k < 0 ? s.start - 1 : t.ends[static_cast<std::size_t>(k)];
  const std::string as_of = k < 0 ? format_date(s.start) : format_date(at);
  const double period_days = 365.25 / 12 * t.months_per_period;
  const auto edge = [&](const std::string& from, const std::string& to, const char* kind,
                        const std::string& id, double amount) {
    if (amount > 1e-9 && !from.empty()) v.edges.push_back({as_of, from, to, kind, id, amount});
  };
  for (std::size_t e = 0; e < s.entities.size(); ++e) {
    const Entity& ent = s.entities[e];
    if (r.entities[e].default_period && k >= *r.entities[e].default_period) continue;
    for (std::size_t d = 0; d < ent.debt.size(); ++d) {
      const double balance =
          k < 0 ? ent.debt[d].outstanding : balances[e][d][static_cast<std::size_t>(k)];
      for (const Lender& l : ent.debt[d].lenders)
        edge(l.party.name, ent.id, "loan", ent.debt[d].id, l.share * balance);
    }
    for (const Contract& c : ent.contracts) {
      const double per_day =
          c.gpu >= 0 ? c.gpus * c.price_per_gpu_hour * 24 / 1e6 : c.amount_per_period / period_days;
      edge(ent.id, c.customer.name, "contract", c.id, remaining(at, c.start, c.end, per_day));
    }
    for (const Lease& l : ent.leases)
      edge(l.lessor.name, ent.id, "lease", l.id,
           remaining(at, l.start, l.end, l.payment_per_period / period_days));
    // A site's host (or a leased site's landlord) is owed the site's payments as a lessor its
    // lease's, and a hosted site's reimbursements of its build-out; they stop if the tenant
    // fails: a lease edge, instrument the site. A site's payment follows its active MW (ramp,
    // delay) and may have no term, so the edge is what the run's schedule still pays after the
    // date, to the horizon (docs/store.md).
    const EntityPlan& p = r.plan.entities[e];
    for (std::size_t i = 0; i < ent.sites.size(); ++i) {
      double left = 0;
      for (std::size_t j = static_cast<std::size_t>(k + 1); j < p.sites[i].payment.size(); ++j)
        left += p.sites[i].payment[j] + p.sites[i].reimbursement[j];
      edge(ent.sites[i].host.name, ent.id, "lease", ent.sites[i].id, left);
    }
  }
}

}  // namespace

NetworkView exposure_network(const RunResult& r) {
  const Scenario& s = *r.scenario;
  const Timeline& t = r.plan.timeline;
  NetworkView v;
  NodeList nodes(s);
  for (const Entity& e : s.entities) {
    for (const Debt& d : e.debt)
      for (const Lender& l : d.lenders) nodes.add(l.party.name, "lender", false);
    for (const Contract& c : e.contracts) nodes.add(c.customer.name, "customer", false);
    for (const Lease& l : e.leases) nodes.add(l.lessor.name, "lessor", false);
    // A site's external host is its tenant's lessor.
    for (const Site& x : e.sites) nodes.add(x.host.name, "lessor", false);
  }
  for (const Event& ev : r.events) {
    if (ev.type != EventType::Default) continue;
    const std::string& id = s.entities[static_cast<std::size_t>(ev.entity)].id;
    const std::string date = format_date(t.ends[static_cast<std::size_t>(ev.period)]);
    NetworkNode& n = nodes.at(id);
    if (n.failed_round) continue;
    n.failed_date = date;
    // The engine counts a period's contagion rounds from 1 (docs/model.md, Contagion trace).
    const int round = std::max(0, ev.round - 1);
    n.failed_round = round;
    // The run's contagion trace's own words (lost customers, forced sales before it).
    v.contagion.push_back({ev.period, date, round, id, cause_name(ev.cause), contagion_detail(r, ev)});
  }
  v.nodes = nodes.take();
  const auto balances = debt_balances(r);
  add_edges(r, balances, -1, v);
  for (int k = 0; k < t.periods; ++k)
    if (t.year_ends[static_cast<std::size_t>(k)]) add_edges(r, balances, k, v);
  return v;
}

NetworkView network_view_from_json(const nlohmann::ordered_json& j) {
  NetworkView v;
  std::map<std::string, std::size_t> index;
  const auto add = [&](const std::string& id) {
    if (index.count(id)) return;
    index[id] = v.nodes.size();
    v.nodes.push_back(NetworkNode{id, "node", true, std::nullopt, ""});
  };
  for (const char* key : {"payments", "h"})
    if (j.contains(key))
      for (const auto& [id, value] : j[key].items()) add(id);
  if (j.contains("rounds"))
    for (std::size_t round = 0; round < j["rounds"].size(); ++round)
      for (const auto& name : j["rounds"][round]) {
        const std::string id = name.get<std::string>();
        add(id);
        NetworkNode& n = v.nodes[index[id]];
        if (n.failed_round) continue;
        n.failed_round = static_cast<int>(round);
        v.contagion.push_back({std::nullopt, "", static_cast<int>(round), id,
                               j.contains("h") ? "valuation" : "clearing", ""});
      }
  return v;
}

}  // namespace tinderbox
