// What a run of a network says (issue 5, item 8): who defaulted, in which round of which period
// and why (the contagion trace); the losses by creditor class, through credit (the loss rows)
// and through value (stakes and fund interests marked down); and how far the first shock was
// amplified. Definitions: docs/model.md, Contagion trace and amplification.
#pragma once

#include <array>
#include <optional>
#include <ostream>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/run.h"

namespace tinderbox {

struct TraceStep {
  int period = 0;
  int round = 0;
  int entity = 0;
  std::size_t event = 0;  // index into RunResult::events (its Default event)
};

struct NetworkReport {
  std::vector<TraceStep> trace;  // by period, round, then entity index
  std::array<double, kCreditorClasses> credit_losses{}, value_losses{};  // $M, by class
  double total_credit_losses = 0;
  // What defaulted entities left unpaid to modelled creditors in the clearing other than on debt
  // (purchases, leases, guarantees, investments: the unpaid share of those obligations, which no
  // recovery claims); total losses = credit losses + these.
  double network_shortfalls = 0;
  double total_losses = 0;
  // The initial shock: the defaults of the first round of the first period with a default.
  int shock_period = -1, shock_round = 0;
  std::vector<int> shock_entities;
  double shock_losses = 0;             // their loss rows and network shortfalls
  std::optional<double> amplification;  // total losses / shock losses (when above 0)
  std::vector<std::size_t> fire_sales;  // indices into RunResult::events
};

NetworkReport network_report(const RunResult& r);
// A default's detail, with the modelled customers whose earlier defaults stopped its contracts.
std::string contagion_detail(const RunResult& r, const Event& d);
nlohmann::ordered_json network_json(const RunResult& r, const NetworkReport& n);
void write_network_summary(const RunResult& r, const NetworkReport& n, std::ostream& out);

}  // namespace tinderbox
