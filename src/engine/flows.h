// What the period loop reports: cash flows, events and each period's figures, as plain numbers.
// Names (instrument ids, counterparties) are looked up only when a report is written.
#pragma once

#include <cstdint>

namespace tinderbox {

enum class FlowKind : std::uint8_t {
  Revenue, Power, Opex, Sga, Lease, Capex, Draw, Interest, Fee, Principal, Prepayment, Equity,
  Recovery, Loss
};
const char* flow_kind_name(FlowKind k);

// What a flow or an event belongs to; `index` counts within the entity's list of that source
// (for Spot, the GPU generation).
enum class Source : std::uint8_t { None, Contract, Spot, Lease, Capex, Equity, Debt, Site };

// A flow is booked from `entity`'s side, except `recovery` and `loss`: those are what the
// lenders of `entity`'s debt recover and lose when it defaults, booked from the lenders' side
// (+ recovered, - lost). They move no cash of `entity`'s.
struct Flow {
  int period = 0;
  int entity = 0;
  FlowKind kind = FlowKind::Revenue;
  Source source = Source::None;
  int index = 0;
  double amount = 0;  // signed from the entity's side: + in, - out
};

enum class EventType : std::uint8_t {
  Draw, CovenantBreach, Default, Maturity, Overcontracted, CovenantWaived, EventOfDefault,
  Acceleration, Recovery, EquityRaise, Conversion, ContractStopped,
  // Capacity (docs/model.md, Capacity):
  CapacityShortfall, DeliveryMissed, SiteStopped
};
const char* event_type_name(EventType t);

enum class Covenant : std::uint8_t {
  None, MinLiquidity, MaxLtv, MinInterestCoverage, MinDscr, MinContractRealization
};
const char* covenant_name(Covenant c);

struct Event {
  int period = 0;
  int entity = 0;
  EventType type = EventType::Draw;
  Source source = Source::None;
  int index = 0;
  Covenant covenant = Covenant::None;
  FlowKind unpaid = FlowKind::Revenue;  // Default: the kind of payment that could not be made
  double value = 0;  // draw/maturity: amount; breach: the measured value; default: amount due
  double limit = 0;  // breach: the covenant's limit; default: cash available for it
  // capacity_shortfall: value = idle GPUs, limit = active MW; delivery_missed: value = the share
  // of the sites' MW active at the deadline; site_stopped: value = the MW built
};

// One entity's figures for one period ($M; balances at the period end, flows over the period).
struct PeriodFigures {
  double revenue = 0, power = 0, opex = 0, sga = 0, lease = 0, ebitda = 0;
  double capex = 0, draws = 0, equity = 0;
  double interest_expense = 0, interest_paid = 0, principal = 0, prepayments = 0;
  double service = 0;  // interest and fees paid plus scheduled principal (for the DSCR)
  double cash = 0, debt = 0, collateral_book = 0, collateral_market = 0;
  double shares = 0;  // millions of shares outstanding at the period end (when counted)
  // Capacity (entities with sites): MW active (average over the period) and under contract,
  // the share of the active IT capacity holding GPUs, the GPUs (average over the period) idle for
  // lack of power, and the revenue that missing capacity cost ($M).
  double active_mw = 0, contracted_mw = 0, powered_utilization = 0, idle_gpus = 0;
  double revenue_lost_capacity = 0;
};

}  // namespace tinderbox
