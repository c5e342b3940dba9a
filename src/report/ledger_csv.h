// The ledger: every cash flow of a run as CSV (SPEC §3).
#pragma once

#include <functional>
#include <ostream>
#include <string>

#include "engine/run.h"

namespace tinderbox {

// Header `date,entity,instrument,counterparty,kind,amount`; amounts signed from the entity's side
// and rounded to 1e-6. A debt flow is split into one row per lender by its share.
void write_ledger_csv(const RunResult& r, std::ostream& out);

// The ledger's rows in order, unrounded: what write_ledger_csv writes and the store keeps.
struct LedgerRow {
  const std::string& date;
  const std::string& entity;
  const std::string& instrument;
  const std::string& counterparty;
  const char* kind;
  double amount;
};
void for_each_ledger_row(const RunResult& r, const std::function<void(const LedgerRow&)>& visit);

// A CSV field, quoted (RFC 4180) when it holds a comma, a quote or a line break.
std::string csv_field(const std::string& s);

}  // namespace tinderbox
