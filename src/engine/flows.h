// What the period loop reports: cash flows, events and each period's figures, as plain numbers.
// Names (instrument ids, counterparties) are looked up only when a report is written.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>

namespace tinderbox {

enum class FlowKind : std::uint8_t {
  Revenue, Power, Opex, Sga, Lease, Capex, Draw, Interest, Fee, Principal, Prepayment, Equity,
  Recovery, Loss,
  // Network (docs/model.md, Network): a customer's payment to a modelled provider; a parent's
  // payment of its spv's shortfall; an invest-to-buy investment; what a defaulted entity's
  // default costs destroy (Rogers-Veraart); a holder raising money from its own funders.
  Purchase, Guarantee, Investment, DefaultCost, Funding,
  Liquidation,  // the cash of a defaulted entity handed to its creditors or its estate
  Distribution,  // an spv's cash paid up to its parent
  GpuSale        // a forced sale of collateral to cure a borrowing base (docs/model.md, Forced sales)
};
const char* flow_kind_name(FlowKind k);

// What a flow or an event belongs to; `index` counts within the entity's list of that source
// (for Spot, the GPU generation).
// Network sources: a holder's liability; an spv's parent guarantee; an invest-to-buy deal; a
// holder's capital call (Funding, when it has no liability to draw). Site: a data-center site
// (capacity). Lot: a GPU lot (the opening fleet, then one per capex item), for forced sales.
enum class Source : std::uint8_t {
  None, Contract, Spot, Lease, Capex, Equity, Debt, Site, Liability, Guarantee, Deal, Funding,
  Distribution, Lot
};

// A flow is booked from `entity`'s side, except `recovery` and `loss`: those are what the
// lenders of `entity`'s debt recover and lose when it defaults, booked from the lenders' side
// (+ recovered, - lost). They move no cash of `entity`'s.
//
// A flow between two modelled entities is booked once from each side. The side whose
// instrument it is books it as any other flow; the other side's flow has `other` >= 0, the
// entity whose instrument it is, and `source` and `index` name that instrument in `other`'s lists
// (a lender's interest received on its borrower's debt d: entity = lender, other = borrower,
// source = Debt, index = d).
struct Flow {
  int period = 0;
  int entity = 0;
  FlowKind kind = FlowKind::Revenue;
  Source source = Source::None;
  int index = 0;
  double amount = 0;  // signed from the entity's side: + in, - out
  int other = -1;
};

enum class EventType : std::uint8_t {
  Draw, CovenantBreach, Default, Maturity, Overcontracted, CovenantWaived, EventOfDefault,
  Acceleration, Recovery, EquityRaise, Conversion, ContractStopped,
  // Capacity (docs/model.md, Capacity):
  CapacityShortfall, DeliveryMissed, SiteStopped,
  // Network: a parent pays its spv's shortfall; a defaulted entity's GPUs move their
  // generation's market-value index.
  GuaranteeCall, FireSale
};
const char* event_type_name(EventType t);

enum class Covenant : std::uint8_t {
  None, MinLiquidity, MaxLtv, MinInterestCoverage, MinDscr, MinContractRealization
};
const char* covenant_name(Covenant c);

// Why an entity defaulted (the contagion trace, docs/model.md): it could not pay with every
// network payment it was owed made in full (liquidity); network payments it was owed fell short
// (clearing); a covenant breach accelerated its debt (covenant); it could not pay its spv's
// shortfall (guarantee); collateral values moved by fire sales in the same period (fire_sale); a
// holder's equity went below zero (insolvency).
enum class Cause : std::uint8_t { Liquidity, Clearing, Covenant, Guarantee, FireSale, Insolvency };
const char* cause_name(Cause c);

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
  // Default: the round of the period in which it defaulted (contagion trace), its cause, and for
  // a clearing default what the network owed it and paid it.
  int round = 0;
  Cause cause = Cause::Liquidity;
  double owed_in = 0, received = 0;
  int other = -1;  // guarantee call: the spv; fire sale: the GPU generation
  // A clearing default: what of `value` it owed modelled entities other than on its debt (a
  // purchase, a lease, a guarantee, an investment): the part it leaves unpaid is lost with it,
  // where what it leaves unpaid on its debt stays a claim in its recovery.
  double network_owed = 0;
  // A forced sale (a fire_sale event with source Lot, index the lot): the debt whose borrowing
  // base it cures; `received` is what it raised.
  int facility = -1;
  // A fire sale: whether the period's passes reached the fixed point within network.max_rounds
  // (when not, the last pass is reported and the event says so: no silent approximation).
  bool settled = true;
};

// One entity's figures for one period ($M; balances at the period end, flows over the period).
struct PeriodFigures {
  double revenue = 0, power = 0, opex = 0, sga = 0, lease = 0, ebitda = 0;
  double capex = 0, draws = 0, equity = 0;
  double interest_expense = 0, interest_paid = 0, principal = 0, prepayments = 0;
  double service = 0;  // interest and fees paid plus scheduled principal (for the DSCR)
  double cash = 0, debt = 0, collateral_book = 0, collateral_market = 0;
  // The fleet sold at once: each lot at market (moved by the fire-sale index) less its
  // generation's liquidation haircut; 0 once the lenders have taken it. Only for a sink that
  // asks (entity_step.h): the deterministic run's, not Monte Carlo's.
  double collateral_fire_sale = 0;
  double shares = 0;  // millions of shares outstanding at the period end (when counted)
  // Capacity (entities with sites): MW active (average over the period) and under contract,
  // the share of the active IT capacity holding GPUs, the GPUs (average over the period) idle for
  // lack of power, and the revenue that missing capacity cost ($M).
  double active_mw = 0, contracted_mw = 0, powered_utilization = 0, idle_gpus = 0;
  double revenue_lost_capacity = 0;
  // Network (scenarios with links between modelled entities; else 0):
  double purchases = 0;    // due to modelled providers (in EBITDA)
  double received = 0;     // paid to it by other modelled entities in the period
  double loans_held = 0;   // its share of other entities' debt balances
  double stakes_value = 0; // its stakes, fund interests, warrants and deals, marked
  double liabilities = 0;  // a holder's liabilities
  double nav = 0;          // cash + fleet market value + loans held + stakes - debt - liabilities
  double mark = 0;         // the equity value its stakeholders mark (docs/model.md, Marks)
  // The share of that equity that its owners' capital calls took from the holders of its stakes
  // and fund interests (0 until a call; their value is share × (1 − diluted) × mark).
  double diluted = 0;
};

// `f = PeriodFigures{}` (every figure 0.0, all bits zero) in 16-byte pieces: for the whole 280
// bytes GCC emits a `rep stos` of 35 words, which callgrind counts as 35 instructions and which
// is slow to start; the pieces are 18 stores. A network period clears each entity's figures.
inline void clear_figures(PeriodFigures& f) {
  static_assert(std::is_trivially_copyable_v<PeriodFigures> &&
                sizeof(PeriodFigures) % sizeof(double) == 0);
  constexpr double zero[2] = {0.0, 0.0};
  auto* to = reinterpret_cast<std::byte*>(&f);
#pragma GCC unroll 18
  for (std::size_t i = 0; i < sizeof(PeriodFigures); i += sizeof zero)
    std::memcpy(to + i, zero, i + sizeof zero <= sizeof(PeriodFigures) ? sizeof zero : sizeof(double));
}

}  // namespace tinderbox
