#include "engine/recovery.h"

#include <algorithm>

namespace tinderbox {
namespace {

// Pays `amount` to the debts in `who` of rank `rank`, pro rata by remaining claim; returns what
// is left of the amount.
double pay_rank(double amount, const std::vector<std::size_t>& who, Seniority rank,
                const RecoveryInput& in, std::vector<double>& remaining,
                std::vector<double>& recovered) {
  double total = 0;
  for (std::size_t d : who)
    if (in.seniority[d] == rank) total += remaining[d];
  if (total <= 0 || amount <= 0) return amount;
  // Enough for the whole rank: each debt takes exactly what it is owed, so its remaining claim is
  // exactly 0 (a pro rata share, paid x remaining / total, can miss it by a rounding error, which
  // would be booked as a loss of about 1e-13).
  const bool full = amount >= total;
  const double paid = full ? total : amount;
  for (std::size_t d : who) {
    if (in.seniority[d] != rank) continue;
    const double share = full ? remaining[d] : paid * remaining[d] / total;
    remaining[d] = full ? 0.0 : remaining[d] - share;
    recovered[d] += share;
  }
  return amount - paid;
}

double pay_by_rank(double amount, const std::vector<std::size_t>& who, const RecoveryInput& in,
                   std::vector<double>& remaining, std::vector<double>& recovered) {
  amount = pay_rank(amount, who, Seniority::Senior, in, remaining, recovered);
  return pay_rank(amount, who, Seniority::Subordinated, in, remaining, recovered);
}

}  // namespace

std::vector<double> recoveries(const RecoveryInput& in) {
  const std::size_t debts = in.claim.size();
  std::vector<double> remaining = in.claim, recovered(debts, 0.0);
  double pool = in.cash;
  for (std::size_t lot = 0; lot < in.lot_value.size(); ++lot) {
    std::vector<std::size_t> secured;
    for (std::size_t d = 0; d < debts; ++d)
      if (std::find(in.collateral[d].begin(), in.collateral[d].end(), static_cast<int>(lot)) !=
          in.collateral[d].end())
        secured.push_back(d);
    pool += pay_by_rank(in.lot_value[lot], secured, in, remaining, recovered);
  }
  std::vector<std::size_t> everyone(debts);
  for (std::size_t d = 0; d < debts; ++d) everyone[d] = d;
  pay_by_rank(pool, everyone, in, remaining, recovered);
  // A debt paid in full recovers exactly its claim: the pieces it took from several lots and the
  // pool need not add up to it to the last bit, and claim - recovered is its loss.
  for (std::size_t d = 0; d < debts; ++d)
    if (remaining[d] == 0) recovered[d] = in.claim[d];
  return recovered;
}

}  // namespace tinderbox
