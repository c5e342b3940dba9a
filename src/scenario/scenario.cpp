#include "scenario/scenario.h"

#include <algorithm>

#include "scenario/builtin.h"

namespace tinderbox {

double Curve::at(Date d) const {
  if (d <= dates.front()) return values.front();
  if (d >= dates.back()) return values.back();
  const auto it = std::upper_bound(dates.begin(), dates.end(), d);
  const std::size_t i = static_cast<std::size_t>(it - dates.begin());  // dates[i-1] <= d < dates[i]
  const double w = double(d - dates[i - 1]) / double(dates[i] - dates[i - 1]);
  return values[i - 1] + w * (values[i] - values[i - 1]);
}

const char* entity_kind_name(EntityKind k) {
  switch (k) {
    case EntityKind::Neocloud: return "neocloud";
    case EntityKind::Hyperscaler: return "hyperscaler";
    case EntityKind::Lab: return "lab";
    case EntityKind::Chipmaker: return "chipmaker";
    case EntityKind::Spv: return "spv";
    case EntityKind::Fund: return "fund";
    case EntityKind::Bank: return "bank";
    case EntityKind::Insurer: return "insurer";
    case EntityKind::Pension: return "pension";
    case EntityKind::External: return "external";
  }
  return "?";
}

bool is_modelled(const Entity& e) {
  if (e.credit) return false;
  return !e.fleet.empty() || !e.capex.empty() || !e.contracts.empty() || !e.leases.empty() ||
         !e.debt.empty() || !e.equity.empty() || e.operations.sga > 0 || !e.sites.empty() ||
         is_holder(e.kind) || e.kind == EntityKind::Spv || !e.stakes.empty() ||
         !e.warrants.empty() || !e.invest_to_buy.empty() || !e.liabilities.empty() ||
         e.is_parent || e.is_investee;
}

const char* covenant_kind_name(CovenantKind k) {
  switch (k) {
    case CovenantKind::MinLiquidity: return "min_liquidity";
    case CovenantKind::MaxLtv: return "max_ltv";
    case CovenantKind::MinInterestCoverage: return "min_interest_coverage";
    case CovenantKind::MinDscr: return "min_dscr";
    case CovenantKind::MinContractRealization: return "min_contract_realization";
  }
  return "";
}

const char* creditor_class_name(CreditorClass c) {
  switch (c) {
    case CreditorClass::PrivateCredit: return "private_credit";
    case CreditorClass::Bank: return "bank";
    case CreditorClass::Insurer: return "insurer";
    case CreditorClass::Pension: return "pension";
    case CreditorClass::Other: return "other";
  }
  return "?";
}

CreditorClass creditor_class(const Scenario& s, const Party& p) {
  if (p.entity < 0) {
    for (const auto& [name, c] : s.creditor_classes)
      if (name == p.name) return c;
    return CreditorClass::Other;
  }
  switch (s.entities[static_cast<std::size_t>(p.entity)].kind) {
    case EntityKind::Fund: return CreditorClass::PrivateCredit;
    case EntityKind::Bank: return CreditorClass::Bank;
    case EntityKind::Insurer: return CreditorClass::Insurer;
    case EntityKind::Pension: return CreditorClass::Pension;
    default: return CreditorClass::Other;
  }
}

const BuiltinFile* find_builtin(std::string_view name) {
  for (const BuiltinFile& f : builtin_files())
    if (f.name == name) return &f;
  return nullptr;
}

bool is_import_only(const BuiltinFile& f) {
  const std::string_view t = f.text;
  return !(t.starts_with("tinderbox:") || t.find("\ntinderbox:") != std::string_view::npos);
}

}  // namespace tinderbox
