// The network of a run, for the results store and the report: who is exposed to whom, by how
// much, and which node failed in which round (docs/store.md, network tables).
//
// Today it is read off the scenario and the deterministic run: the nodes are the scenario's
// entities and the external parties it names (lenders, customers, lessors, sites' hosts); the
// edges are exposures; a node that defaulted failed in round 0 of its default period. The network engine
// fills the same shape with its clearing rounds (network_view_from_json).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/run.h"

namespace tinderbox {

struct NetworkNode {
  std::string id;
  std::string kind;      // an entity's kind, or lender | customer | lessor (also a site's host)
  bool modelled = false;  // an entity of the scenario (else an external name)
  std::optional<int> failed_round;
  std::string failed_date;  // "" unless it failed
};

// `source` is exposed to `target` (SPEC §5: X[source][target]): a lender to its borrower, a
// seller of compute to its customer, a lessor (or a site's host) to its lessee.
struct NetworkEdge {
  std::string as_of;  // the date of the exposure
  std::string source, target;
  std::string kind;        // loan | contract | lease (| payment, stake, ... from the network engine)
  std::string instrument;  // the debt, contract or lease id ("" when there is none)
  double amount = 0;       // $M
};

// One node's failure in the contagion: the round (0 = the first to fail in that period) and why.
struct ContagionStep {
  std::optional<int> period;  // the run's period, when the failure is dated
  std::string date;
  int round = 0;
  std::string entity;
  std::string reason;  // liquidity (today's only cause in a run) | clearing | valuation | ...
  std::string detail;
};

struct NetworkView {
  std::vector<NetworkNode> nodes;
  std::vector<NetworkEdge> edges;
  std::vector<ContagionStep> contagion;
};

// The run's exposures at the start and at the end of every twelve-month block: each lender's
// share of each debt's balance, each contract's remaining value, each named lessor's remaining
// lease payments (without escalation), each site host's remaining payments for the site (the
// run's schedule to the horizon). Failures from the run's default events.
NetworkView exposure_network(const RunResult& r);

// [entity][debt][k]: each debt's balance at period k's end, replayed from the run's flows (opening
// balance plus draws less principal and prepayments; 0 after a conversion or the default).
std::vector<std::vector<std::vector<double>>> debt_balances(const RunResult& r);

// A `network clear` or `network debtrank` result (SPEC §5 JSON) as a view: a node per name,
// failures by round (`rounds[i]` fail in round i). Edges, if the caller has them, are its to add.
NetworkView network_view_from_json(const nlohmann::ordered_json& j);

}  // namespace tinderbox
