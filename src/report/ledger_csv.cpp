#include "report/ledger_csv.h"

#include <cmath>

#include <fmt/format.h>

#include "report/describe.h"

namespace tinderbox {

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) {
    if (c == '"') q += '"';
    q += c;
  }
  return q + "\"";
}

namespace {

std::string amount_text(double x) {
  const double rounded = std::round(x * 1e6) / 1e6;
  return fmt::format("{:.6f}", rounded == 0 ? 0.0 : rounded);  // never "-0.000000"
}

// A lender's name in the ledger: an entity that defaulted before `period` has passed its claims
// to its estate, outside the network.
std::string lender_name(const RunResult& r, const Lender& l, int period) {
  if (l.party.entity >= 0) {
    const auto& d = r.entities[static_cast<std::size_t>(l.party.entity)].default_period;
    if (d && *d < period) return "estate:" + l.party.name;
  }
  return l.party.name;
}

}  // namespace

void for_each_ledger_row(const RunResult& r, const std::function<void(const LedgerRow&)>& visit) {
  const Scenario& s = *r.scenario;
  const auto put = [&](const std::string& date, const std::string& entity,
                       const std::string& instrument, const std::string& counterparty,
                       const char* kind, double amount) {
    visit(LedgerRow{date, entity, instrument, counterparty, kind, amount});
  };
  for (const Flow& f : r.flows) {
    const Entity& e = s.entities[static_cast<std::size_t>(f.entity)];
    const std::string date = format_date(r.plan.timeline.ends[static_cast<std::size_t>(f.period)]);
    const char* kind = flow_kind_name(f.kind);
    if (f.other >= 0) {  // the other side of a flow on another entity's instrument
      put(date, e.id, flow_instrument(s, f), flow_counterparty(s, f), kind, f.amount);
      continue;
    }
    const std::string instrument = instrument_name(s, f.entity, f.source, f.index);
    if ((f.kind == FlowKind::Recovery || f.kind == FlowKind::Loss) && f.source == Source::Debt) {
      // Booked from each lender's side, the defaulted borrower as the counterparty.
      const Debt& d = e.debt[static_cast<std::size_t>(f.index)];
      for (const Lender& l : d.lenders)
        put(date, lender_name(r, l, f.period), d.id, e.id, kind, f.amount * l.share);
    } else if (f.kind == FlowKind::Recovery || f.kind == FlowKind::Loss) {
      // A holder's liability: from the side of its creditors (depositors, policyholders, ...).
      put(date, counterparty_name(s, f.entity, f.source, f.index), instrument, e.id, kind,
          f.amount);
    } else if (f.source == Source::Debt) {
      for (const Lender& l : e.debt[static_cast<std::size_t>(f.index)].lenders)
        put(date, e.id, instrument, lender_name(r, l, f.period), kind, f.amount * l.share);
    } else {
      put(date, e.id, instrument, counterparty_name(s, f.entity, f.source, f.index), kind,
          f.amount);
    }
  }
}

void write_ledger_csv(const RunResult& r, std::ostream& out) {
  out << "date,entity,instrument,counterparty,kind,amount\n";
  for_each_ledger_row(r, [&](const LedgerRow& x) {
    out << x.date << "," << csv_field(x.entity) << "," << csv_field(x.instrument) << ","
        << csv_field(x.counterparty) << "," << x.kind << "," << amount_text(x.amount) << "\n";
  });
}

}  // namespace tinderbox
