#include "engine/flows.h"

namespace tinderbox {

const char* flow_kind_name(FlowKind k) {
  switch (k) {
    case FlowKind::Revenue: return "revenue";
    case FlowKind::Power: return "power";
    case FlowKind::Opex: return "opex";
    case FlowKind::Sga: return "sga";
    case FlowKind::Lease: return "lease";
    case FlowKind::Capex: return "capex";
    case FlowKind::Draw: return "draw";
    case FlowKind::Interest: return "interest";
    case FlowKind::Fee: return "fee";
    case FlowKind::Principal: return "principal";
    case FlowKind::Prepayment: return "prepayment";
    case FlowKind::Equity: return "equity";
    case FlowKind::Recovery: return "recovery";
    case FlowKind::Loss: return "loss";
    case FlowKind::Purchase: return "purchase";
    case FlowKind::Guarantee: return "guarantee";
    case FlowKind::Investment: return "investment";
    case FlowKind::DefaultCost: return "default_cost";
    case FlowKind::Funding: return "funding";
    case FlowKind::Liquidation: return "liquidation";
    case FlowKind::Distribution: return "distribution";
    case FlowKind::GpuSale: return "gpu_sale";
  }
  return "?";
}

const char* event_type_name(EventType t) {
  switch (t) {
    case EventType::Draw: return "draw";
    case EventType::CovenantBreach: return "covenant_breach";
    case EventType::Default: return "default";
    case EventType::Maturity: return "maturity";
    case EventType::Overcontracted: return "overcontracted";
    case EventType::CovenantWaived: return "covenant_waived";
    case EventType::EventOfDefault: return "event_of_default";
    case EventType::Acceleration: return "acceleration";
    case EventType::Recovery: return "recovery";
    case EventType::EquityRaise: return "equity_raise";
    case EventType::Conversion: return "conversion";
    case EventType::ContractStopped: return "contract_stopped";
    case EventType::CapacityShortfall: return "capacity_shortfall";
    case EventType::DeliveryMissed: return "delivery_missed";
    case EventType::SiteStopped: return "site_stopped";
    case EventType::GuaranteeCall: return "guarantee_call";
    case EventType::FireSale: return "fire_sale";
  }
  return "?";
}

const char* cause_name(Cause c) {
  switch (c) {
    case Cause::Liquidity: return "liquidity";
    case Cause::Clearing: return "clearing";
    case Cause::Covenant: return "covenant";
    case Cause::Guarantee: return "guarantee";
    case Cause::FireSale: return "fire_sale";
    case Cause::Insolvency: return "insolvency";
  }
  return "?";
}

const char* covenant_name(Covenant c) {
  switch (c) {
    case Covenant::None: return "";
    case Covenant::MinLiquidity: return "min_liquidity";
    case Covenant::MaxLtv: return "max_ltv";
    case Covenant::MinInterestCoverage: return "min_interest_coverage";
    case Covenant::MinDscr: return "min_dscr";
    case Covenant::MinContractRealization: return "min_contract_realization";
  }
  return "?";
}

}  // namespace tinderbox
