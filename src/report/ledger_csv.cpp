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

}  // namespace

void write_ledger_csv(const RunResult& r, std::ostream& out) {
  const Scenario& s = *r.scenario;
  out << "date,entity,instrument,counterparty,kind,amount\n";
  for (const Flow& f : r.flows) {
    const Entity& e = s.entities[static_cast<std::size_t>(f.entity)];
    const std::string date = format_date(r.plan.timeline.ends[static_cast<std::size_t>(f.period)]);
    const std::string prefix = date + "," + e.id + "," +
                               csv_field(instrument_name(s, f.entity, f.source, f.index)) + ",";
    const char* kind = flow_kind_name(f.kind);
    if (f.kind == FlowKind::Recovery || f.kind == FlowKind::Loss) {
      // Booked from each lender's side, the defaulted borrower as the counterparty.
      const Debt& d = e.debt[static_cast<std::size_t>(f.index)];
      for (const Lender& l : d.lenders)
        out << date << "," << csv_field(l.party.name) << "," << d.id << "," << e.id << "," << kind
            << "," << amount_text(f.amount * l.share) << "\n";
    } else if (f.source == Source::Debt) {
      for (const Lender& l : e.debt[static_cast<std::size_t>(f.index)].lenders)
        out << prefix << csv_field(l.party.name) << "," << kind << ","
            << amount_text(f.amount * l.share) << "\n";
    } else {
      out << prefix << csv_field(counterparty_name(s, f.entity, f.source, f.index)) << ","
          << kind << "," << amount_text(f.amount) << "\n";
    }
  }
}

}  // namespace tinderbox
