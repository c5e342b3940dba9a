// The scenario's exposure network at a period end (`tinderbox network SCENARIO`, SPEC §5): who is
// exposed to whom and by how much, each entity's equity, and DebtRank of each entity's default
// (network/debtrank.h). Definitions: docs/model.md, The exposure network.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "scenario/scenario.h"

namespace tinderbox {

enum class ExposureKind { Loan, Contract, Lease, Stake, FundInterest, Guarantee, Deal };
const char* exposure_kind_name(ExposureKind k);

struct Exposure {
  int from = 0, to = 0;  // `from` loses `amount` if `to` fails
  ExposureKind kind = ExposureKind::Loan;
  std::string instrument;
  double amount = 0;  // $M
};

struct ExposureNetwork {
  int period = 0;                // the period end it describes
  std::vector<int> nodes;        // the modelled entities
  std::vector<Exposure> edges;   // amounts > 0, in entity and instrument order
  std::vector<double> equity;    // per entity: its mark (0 for one that is not modelled)
  std::vector<std::uint8_t> defaulted;  // per entity: by that period end
  std::vector<double> debtrank;  // per entity: DebtRank R of its default alone (2012 variant)
  std::vector<int> debtrank_rounds;  // per entity: rounds of that DebtRank
};

// The network at the end of period `period` of the deterministic run.
ExposureNetwork exposure_network(const Scenario& s, int period);

nlohmann::ordered_json exposure_json(const Scenario& s, const ExposureNetwork& x);
void write_exposures(const Scenario& s, const ExposureNetwork& x, std::ostream& out);

}  // namespace tinderbox
