#include "report/describe.h"

#include <fmt/format.h>

namespace tinderbox {
namespace {

std::string covenant_detail(const Event& ev) {
  switch (ev.covenant) {
    case Covenant::MinLiquidity:
      return fmt::format("min_liquidity: cash {:.1f} below {:.1f}", ev.value, ev.limit);
    case Covenant::MaxLtv:
      return fmt::format("max_ltv: loan-to-value {:.3f} above {:.3f}", ev.value, ev.limit);
    case Covenant::MinInterestCoverage:
      return fmt::format("min_interest_coverage: {:.2f}x below {:.2f}x", ev.value, ev.limit);
    case Covenant::MinDscr:
      return fmt::format("min_dscr: {:.2f}x below {:.2f}x", ev.value, ev.limit);
    case Covenant::MinContractRealization:
      return fmt::format("min_contract_realization: {:.2f}x below {:.2f}x", ev.value, ev.limit);
    case Covenant::None: break;
  }
  return "";
}

const Entity& entity_of(const Scenario& s, int entity) {
  return s.entities[static_cast<std::size_t>(entity)];
}

template <class T>
const T& item(const std::vector<T>& v, int index) {
  return v[static_cast<std::size_t>(index)];
}

}  // namespace

std::string instrument_name(const Scenario& s, int entity, Source src, int index) {
  const Entity& e = entity_of(s, entity);
  switch (src) {
    case Source::None: return "";
    case Source::Contract: return item(e.contracts, index).id;
    case Source::Spot: return "spot:" + item(s.market.gpus, index).name;
    case Source::Lease: return item(e.leases, index).id;
    case Source::Capex: return item(e.capex, index).id;
    case Source::Equity: return item(e.equity, index).id;
    case Source::Debt: return item(e.debt, index).id;
    case Source::Site: return item(e.sites, index).id;
    case Source::Liability: return item(e.liabilities, index).id;
    case Source::Guarantee: return "guarantee";
    case Source::Deal: return item(e.invest_to_buy, index).id;
    case Source::Funding: return "capital_call";
    case Source::Distribution: return "distribution";
    case Source::Lot: {
      const auto i = static_cast<std::size_t>(index);
      return i < e.fleet.size() ? e.fleet[i].id : e.capex[i - e.fleet.size()].id;
    }
  }
  return "";
}

std::string counterparty_name(const Scenario& s, int entity, Source src, int index) {
  const Entity& e = entity_of(s, entity);
  switch (src) {
    case Source::Contract: return item(e.contracts, index).customer.name;
    case Source::Spot:
    case Source::Lot: return "market";
    case Source::Lease: return item(e.leases, index).lessor.name;
    case Source::Site: return item(e.sites, index).host.name;
    case Source::Guarantee:
    case Source::Distribution: return e.parent >= 0 ? entity_of(s, e.parent).id : "";
    case Source::Deal: return entity_of(s, item(e.invest_to_buy, index).investee).id;
    case Source::Liability:
      switch (item(e.liabilities, index).kind) {
        case LiabilityKind::Deposits: return "depositors";
        case LiabilityKind::PolicyReserves: return "policyholders";
        case LiabilityKind::Other: return "creditors";
      }
      return "";
    case Source::Funding: return "owners";
    default: return "";
  }
}

std::string flow_instrument(const Scenario& s, const Flow& f) {
  return instrument_name(s, f.other >= 0 ? f.other : f.entity, f.source, f.index);
}

std::string flow_counterparty(const Scenario& s, const Flow& f) {
  if (f.other >= 0) return entity_of(s, f.other).id;
  return counterparty_name(s, f.entity, f.source, f.index);
}

std::string event_detail(const Scenario& s, const Event& ev) {
  const std::string what = instrument_name(s, ev.entity, ev.source, ev.index);
  switch (ev.type) {
    case EventType::Draw: return fmt::format("drew {:.1f} from {}", ev.value, what);
    case EventType::Maturity: return fmt::format("{} matured; repaid {:.1f}", what, ev.value);
    case EventType::Default: {
      // The only revenue an entity pays out is a delivery penalty.
      const char* unpaid =
          ev.unpaid == FlowKind::Revenue ? "a delivery penalty" : flow_kind_name(ev.unpaid);
      if (ev.index == -1)  // in the clearing, pro rata
        return fmt::format("{}: paid {:.1f} of {:.1f} due ({:.1f} %) pro rata in the clearing{}",
                           cause_name(ev.cause), ev.limit, ev.value,
                           ev.value > 0 ? 100 * ev.limit / ev.value : 0.0,
                           ev.owed_in > 0 ? fmt::format("; the network paid it {:.1f} of the {:.1f} "
                                                        "it owed it", ev.received, ev.owed_in)
                                          : "");
      if (ev.index == -2)
        return fmt::format("insolvency: equity {:.1f} below zero at the period end; its creditors "
                           "share its cash and {:.1f} of loans and stakes at their marks",
                           ev.value, ev.limit);
      if (ev.cause == Cause::Clearing)  // short-paid by the network, it failed by its waterfall
        return fmt::format("clearing: could not pay {}{}{}: {:.1f} due, {:.1f} available; the "
                           "network paid it {:.1f} of the {:.1f} it owed it",
                           unpaid, what.empty() ? "" : " on ", what, ev.value, ev.limit,
                           ev.received, ev.owed_in);
      return fmt::format("{}: could not pay {}{}{}: {:.1f} due, {:.1f} available",
                         ev.cause == Cause::Guarantee ? "guarantee" : "liquidity", unpaid,
                         what.empty() ? "" : " on ", what, ev.value, ev.limit);
    }
    case EventType::CapacityShortfall:
      return fmt::format("{:.0f} GPUs idle for lack of power: {:.1f} MW active cannot run them all",
                         ev.value, ev.limit);
    case EventType::DeliveryMissed: {
      const Contract& c = item(entity_of(s, ev.entity).contracts, ev.index);
      const char* remedy = c.delivery->remedy == Remedy::Cancel    ? "the contract is cancelled"
                           : c.delivery->remedy == Remedy::Partial ? "the undelivered share is cancelled"
                                                                   : "a penalty runs until delivery";
      return fmt::format("{}: {:.1f} % of its sites' MW active at the deadline {}; {}", what,
                         100 * ev.value, format_date(c.delivery->deadline), remedy);
    }
    case EventType::SiteStopped:
      return fmt::format("{}: its host defaulted with {:.1f} of {:.1f} MW built; no more will come",
                         what, ev.value, ev.limit);
    case EventType::GuaranteeCall:
      return fmt::format("paid {:.1f} of the {:.1f} shortfall of spv {}", ev.limit, ev.value,
                         entity_of(s, ev.other).id);
    case EventType::FireSale: {
      const std::string& gpu = item(s.market.gpus, ev.other).name;
      // A period whose passes hit network.max_rounds before the units sold settled says so.
      const std::string index = fmt::format(
          "the {} market-value index is {:.4f} after {} pass{}{}", gpu, ev.limit, ev.round,
          ev.round == 1 ? "" : "es",
          ev.settled ? "" : " (not settled: network.max_rounds reached, the last pass is reported)");
      if (ev.source == Source::Lot)
        return fmt::format("forced sale to cure the borrowing base of {}: sold {:.1f} {} GPUs of "
                           "{} for {:.1f}; {}",
                           instrument_name(s, ev.entity, Source::Debt, ev.facility), ev.value, gpu,
                           what, ev.received, index);
      return fmt::format("sold {:.0f} {} GPUs; {}", ev.value, gpu, index);
    }
    case EventType::Overcontracted:
      return fmt::format("{} contracts take {:.0f} GPU-hours, above the {:.0f} owned; "
                         "the excess earns its contract price but uses no modelled power",
                         item(s.market.gpus, ev.index).name, ev.value, ev.limit);
    case EventType::Acceleration:
      return fmt::format("{} accelerated: {:.1f} of balance, interest and fees due at once", what,
                         ev.value);
    case EventType::EquityRaise:
      return fmt::format("{} raised {:.1f} as cash ran low{}", what, ev.value,
                         ev.limit > 0 ? fmt::format(", at ${:.2f} a share", ev.limit) : "");
    case EventType::Conversion:
      return fmt::format("{} converted into shares: {:.1f} of principal at a share price of "
                         "${:.2f}", what, ev.value, ev.limit);
    case EventType::ContractStopped:
      return fmt::format("{} pays nothing from here on: its customer cancelled or defaulted", what);
    case EventType::Recovery:
      return fmt::format("{} of {} recover {:.1f} of a {:.1f} claim ({:.1f} %)",
                         ev.source == Source::Liability
                             ? counterparty_name(s, ev.entity, ev.source, ev.index)
                             : std::string("lenders"),
                         what, ev.value, ev.limit, ev.limit > 0 ? 100 * ev.value / ev.limit : 0.0);
    case EventType::CovenantWaived:
    case EventType::EventOfDefault:
    case EventType::CovenantBreach: {
      const char* prefix = ev.type == EventType::CovenantWaived   ? "waived: "
                           : ev.type == EventType::EventOfDefault ? "event of default, uncured "
                                                                  : "";
      return prefix + covenant_detail(ev);
    }
  }
  return "";
}

}  // namespace tinderbox
