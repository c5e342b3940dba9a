#include "network/clearing.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cassert>
#include <cmath>
#include <cstring>
#include <limits>

#if defined(__x86_64__)
#include <emmintrin.h>
#endif

namespace tinderbox::network {
namespace {

// A round's Gauss–Seidel solve stops when its error estimate is a tenth of the tolerance, or at
// once when a sweep moves no payment by more than a thousandth of the tolerance (the error is
// then at most that over 1 − ρ, and the contraction estimate would divide noise by noise).
constexpr double kTargetError = 0.1;
constexpr double kSkip = 1e-3;
// A round gives up (ClearingResult::converged = false) after about 2e7 node and obligation visits
// (some 0.1 s), or 2,000 sweeps if more: only a defaulted set that pays almost everything to
// itself contracts so slowly, and no input may make a call hang.
constexpr double kMaxVisits = 2e7;
constexpr int kMinSweepLimit = 2000;
// The block's columns are padded with obligations of 0 (from the spare position n, which pays 0)
// to a multiple of two, and to at least two: a sweep then reads each column two at a time, and
// most columns (those of one or two obligations) take the inner loop's one same-length trip,
// which the branch predictor learns, where lengths of 0 to 7 and more, mixed, kept mispredicting
// its exit. Adding 0 leaves every sum as it was, to the bit.
constexpr int kPair = 2;
// A round that follows one that found fewer than one node in 32 in default scans for new
// defaults four nodes at a time (see find_new_defaults).
constexpr std::size_t kSparseRound = 32;
// A round in which fewer than a quarter of the old columns gain obligations inserts them into
// the last round's columns rather than sort the block again (the same columns either way). On
// the bench's network the third round's 169 new defaults give 222 of the 2,898 old columns new
// obligations: inserting them costs 0.046 M cycles, sorting the block 0.065 M.
constexpr std::size_t kInsertBelow = 4;
// A round whose new defaults are fewer than one in 32 of D defers its flush (one in 8 on a
// network of long rows, where deferred changes are carried over rounds), and the nodes whose
// change is above a 64th of the largest reach the bound exactly, unless they are more than a
// quarter of D (see flush_round).
constexpr std::size_t kDeferBelow = 32;
constexpr std::size_t kDeferBelowLong = 8;
constexpr double kChangedMost = 64;
constexpr std::size_t kChangedMostOf = 4;
// A network with at least this many obligations a node, on average, sums its rows by lanes (see
// Clearer::sum_rows).
constexpr std::size_t kLongRows = 4;
// How many of a round's new defaults ahead load_round() prefetches the row of L.
constexpr std::size_t kPrefetchRows = 4;

}  // namespace

namespace {

// Grows a workspace array to at least `n` entries, never shrinks it: a Clearer that has seen a
// network allocates nothing for a smaller one, and touches only the entries it uses.
template <class T>
void reserve_at_least(std::vector<T>& v, std::size_t n) {
  if (v.size() < n) v.resize(n);
}

}  // namespace

const ClearingResult& Clearer::clear(const Liabilities& L, std::span<const double> external_assets,
                                     const ClearingOptions& o) {
  prepare(L, external_assets, o);
  const std::size_t visits = owed_.size() + L.amount.size() + 1;
  bool refined = false;
  for (;;) {
    const std::size_t first = defaults_;
    if (find_new_defaults() > 0) {
      load_round(L, first);
      if (!solve_round(visits, first)) result_.converged = false;
      flush_round(first);
      continue;
    }
    // A defaulted node's inflow is summed afresh at every sweep; a solvent node's is kept by one
    // increment a round: each adds a rounding error of 2^-53 of the inflow, far inside the
    // tolerance (the property tests recompute every inflow independently).
    const double worst = sweep(false, 0);
    result_.residual = worst * tolerance_;
    if (worst <= kTargetError || refined) break;
    refined = true;
    if (!solve_round(visits, defaults_)) result_.converged = false;
    flush_round(defaults_);
  }
  // D's payments, published once: the rounds read from result_.payments only what the nodes that
  // pay in full pay (p̄, from prepare()).
  for (std::size_t k = 0; k < defaults_; ++k)
    result_.payments[static_cast<std::size_t>(in_default_[k])] = d_.payment[k];
  return result_;
}

// p̄_i = external_i + Σ_j L_ij, added in that order (external first, then the row's amounts).
// The rows' lengths vary at random, so a loop by rows mispredicts its exit about once a row; on
// x86-64, two rows at a time take a fixed first stretch of kStretch amounts each, one row to an
// SSE2 lane, the slots past a row's end adding +0.0. x + 0.0 is x to the bit unless x is −0.0,
// which a partial sum can only be if external_i is −0.0 (a sum is −0.0 only of two −0.0): such a
// pair of rows is summed one amount at a time. A row longer than its stretch is listed and
// finished after, from its partial sum, in the same order.
void Clearer::sum_rows(const Liabilities& L) {
  const auto n = static_cast<std::size_t>(L.nodes);
  const double* amount = L.amount.data();
  const int* row_start = L.row_start.data();
  const double* external = L.external.empty() ? nullptr : L.external.data();
  double* owed = owed_.data();
  // s plus row r's amounts from its k-th on, one at a time in row order.
  const auto add_row = [&](std::size_t r, int k, double s) {
    for (; k < row_start[r + 1]; ++k) s += amount[static_cast<std::size_t>(k)];
    return s;
  };
  std::size_t i = 0;
#if defined(__x86_64__)
  constexpr int kStretch = 8;
  const auto m = static_cast<int>(L.amount.size());
  int* longer = block_.cursor.data();  // scratch: the rows that go past their stretch
  std::size_t listed = 0;
  const __m128d zero = _mm_setzero_pd();
  // Only while both rows' stretches lie inside the caller's array of amounts.
  for (; i + 2 <= n && row_start[i + 1] + kStretch <= m; i += 2) {
    const int b0 = row_start[i], b1 = row_start[i + 1], e1 = row_start[i + 2];
    const int l0 = b1 - b0, l1 = e1 - b1;
    const __m128d length = _mm_cvtepi32_pd(_mm_set_epi32(0, 0, l1, l0));
    __m128d sum = external ? _mm_loadu_pd(external + i) : zero;
    if ((_mm_movemask_pd(_mm_cmpeq_pd(sum, zero)) & _mm_movemask_pd(sum)) != 0) [[unlikely]] {
      for (std::size_t r = i; r < i + 2; ++r) owed[r] = add_row(r, row_start[r], external[r]);
      continue;
    }
    const double* a0 = amount + b0;
    const double* a1 = amount + b1;
    for (int j = 0; j < kStretch; ++j) {
      const __m128d v = _mm_loadh_pd(_mm_load_sd(a0 + j), a1 + j);
      sum = _mm_add_pd(sum, _mm_and_pd(_mm_cmplt_pd(_mm_set1_pd(static_cast<double>(j)), length), v));
    }
    _mm_storeu_pd(owed + i, sum);
    longer[listed] = static_cast<int>(i);
    listed += l0 > kStretch ? 1 : 0;
    longer[listed] = static_cast<int>(i + 1);
    listed += l1 > kStretch ? 1 : 0;
  }
  for (std::size_t t = 0; t < listed; ++t) {
    const auto r = static_cast<std::size_t>(longer[t]);
    owed[r] = add_row(r, row_start[r] + kStretch, owed[r]);
  }
#endif
  for (; i < n; ++i) owed[i] = add_row(i, row_start[i], external ? external[i] : 0.0);
}

void Clearer::prepare(const Liabilities& L, std::span<const double> e, const ClearingOptions& o) {
  const auto n = static_cast<std::size_t>(L.nodes);
  assert(L.row_start.size() == n + 1 && e.size() == n);
  assert(L.external.empty() || L.external.size() == n);
  assert(o.alpha >= 0 && o.alpha <= 1 && o.beta >= 0 && o.beta <= 1 && o.tolerance > 0);
  alpha_ = o.alpha;
  beta_ = o.beta;
  tolerance_ = o.tolerance;
  for (auto& r : result_.rounds) spare_rounds_.push_back(std::move(r));
  result_.rounds.clear();
  result_.sweeps = 0;
  result_.residual = 0;
  result_.converged = true;
  result_.defaulted.assign(n, 0);
  // + 4: the branch-free scans write one slot past the set, scan_by_four() up to three past it
  // (and the set is at most n).
  in_default_.resize(n + 4);
  defaults_ = 0;
  owed_.resize(n);
  assets_.resize(n);
  inflow_.assign(n, 0.0);
  limit_.resize(n);
  // The arrays of each group are grown together, so one size says whether a group must grow.
  if (block_.start.size() < n + 1) {
    for (auto* v : {&d_.payment, &d_.start, &d_.fixed, &d_.assets, &d_.inv_scale, &d_.inv_owed,
                    &d_.per_unit})
      reserve_at_least(*v, n + 1);  // + 1: the spare position n, the padding's debtor
    for (auto* v : {&block_.start, &block_.next_start, &block_.cursor, &block_.filled,
                    &d_.listed, &deferred_.changed})
      reserve_at_least(*v, n + 1);
  }
  // + 1: the branch-free splits write one slot past what they keep.
  const std::size_t m = L.amount.size() + 1;
  if (block_.found.size() < m) {
    reserve_at_least(block_.found, m);
    reserve_at_least(outside_.list, m);
    reserve_at_least(outside_.link, m);
  }
  // The padded columns: at most one 0 per column, or two for a column without obligations.
  const std::size_t padded = m + static_cast<std::size_t>(kPair) * n;
  if (block_.from.size() < padded) {
    reserve_at_least(block_.from, padded);
    reserve_at_least(block_.share, padded);
  }
  block_.count = outside_.count = 0;
  deferred_.pending = false;
  deferred_.walked = 0;
  if (deferred_.extra.size() < n) {
    reserve_at_least(deferred_.extra, n);  // zeros, and kept so between uses
    reserve_at_least(deferred_.saved, n);
    reserve_at_least(deferred_.node, n);
  }
  d_.payment[n] = 0;  // the spare position: the padding's debtor, paying 0
  // Round 0 of the algorithm: everybody pays in full, so each node receives what it is owed. A
  // network of long rows (the bench's: ten obligations a node) sums p̄ by sum_rows() and scatters
  // the inflows in one flat loop (in the obligations' order, as the pass by rows adds them); one
  // of short rows (the engine's: a few a node) keeps the one pass by rows, which costs less there.
  const double* amount = L.amount.data();
  const int* creditor = L.creditor.data();
  double* inflow = inflow_.data();
  const std::size_t obligations = L.amount.size();
  long_rows_ = obligations >= kLongRows * n;
  if (long_rows_) {
    std::size_t k = 0;
#if defined(__x86_64__)
    // Two obligations at a time: their creditors in one 8-byte load (the low half is the first,
    // x86-64 being little-endian) and their amounts in one 16-byte load, each added as one at a
    // time adds it, in the same order (the second after the first's store, should they share a
    // creditor): the loop is bound by its loads, 4 a pair instead of 6.
    for (; k + 2 <= obligations; k += 2) {
      assert(amount[k] >= 0 && amount[k + 1] >= 0);
      std::uint64_t pair;
      std::memcpy(&pair, creditor + k, sizeof(pair));
      const auto c0 = static_cast<std::size_t>(pair & 0xffffffffu);
      const auto c1 = static_cast<std::size_t>(pair >> 32);
      const __m128d a = _mm_loadu_pd(amount + k);
      _mm_store_sd(inflow + c0, _mm_add_sd(_mm_load_sd(inflow + c0), a));
      _mm_store_sd(inflow + c1, _mm_add_sd(_mm_load_sd(inflow + c1), _mm_unpackhi_pd(a, a)));
    }
#endif
    for (; k < obligations; ++k) {
      assert(amount[k] >= 0);
      inflow[static_cast<std::size_t>(creditor[k])] += amount[k];
    }
    sum_rows(L);
  } else {
    for (std::size_t i = 0; i < n; ++i) {
      double owed = L.external.empty() ? 0.0 : L.external[i];
      for (int k = L.row_start[i]; k < L.row_start[i + 1]; ++k) {
        const auto ku = static_cast<std::size_t>(k);
        assert(amount[ku] >= 0);
        owed += amount[ku];
        inflow[static_cast<std::size_t>(creditor[ku])] += amount[ku];
      }
      owed_[i] = owed;
    }
  }
  std::size_t i = 0;
#if defined(__x86_64__)
  // Two nodes at a time: the same maxima (maxpd(x, y) is x > y ? x : y, as std::max(y, x) is
  // y < x ? x : y), product and difference, to the bit. What only a defaulted node needs (its
  // tolerance scale's inverse and 1 / p̄) is computed as it defaults (load_round), not for all.
  {
    const __m128d zero = _mm_setzero_pd(), one = _mm_set1_pd(1.0);
    const __m128d tolerance = _mm_set1_pd(o.tolerance);
    for (; i + 2 <= n; i += 2) {
      const __m128d owed = _mm_loadu_pd(owed_.data() + i);
      _mm_storeu_pd(assets_.data() + i, _mm_max_pd(_mm_loadu_pd(e.data() + i), zero));
      const __m128d scale = _mm_mul_pd(tolerance, _mm_max_pd(owed, one));
      _mm_storeu_pd(limit_.data() + i, _mm_sub_pd(owed, scale));
    }
  }
#endif
  for (; i < n; ++i) {
    const double owed = owed_[i];
    assets_[i] = std::max(0.0, e[i]);
    limit_[i] = owed - scale(owed);
  }
  result_.payments.assign(owed_.begin(), owed_.end());
}

#if defined(__x86_64__)
namespace {

// For each outcome of four nodes' tests (bit t: the node t past the first fails), the ones that
// fail, in order, and how many.
struct Listing {
  std::int32_t node[4];
  std::size_t count;
};
constexpr std::array<Listing, 16> listings() {
  std::array<Listing, 16> t{};
  for (std::uint32_t m = 0; m < 16; ++m)
    for (std::uint32_t b = 0; b < 4; ++b)
      if (m >> b & 1) t[m].node[t[m].count++] = static_cast<std::int32_t>(b);
  return t;
}
constexpr std::array<Listing, 16> kListing = listings();

}  // namespace

// find_new_defaults()'s scan of a round that follows none or one that found many: four nodes are
// tested at once, two to an SSE2 compare (the same sums, differences and test as one at a time,
// to the bit; a node in D fails none, its limit being −∞), and those that fail are listed by one
// 16-byte store; its slots past them are overwritten by the next store, or lie past the set.
// Lists the new defaults among the first nodes, a multiple of four, from D's position `count` on,
// and returns how many nodes it tested.
std::size_t Clearer::scan_by_four(std::size_t& count) {
  const std::size_t n = owed_.size();
  const double* assets = assets_.data();
  const double* inflow = inflow_.data();
  const double* limit = limit_.data();
  int* out = in_default_.data();
  std::size_t listed = count, node = 0;
  for (; node + 4 <= n; node += 4) {
    const __m128d lo = _mm_cmplt_pd(
        _mm_add_pd(_mm_loadu_pd(assets + node), _mm_loadu_pd(inflow + node)),
        _mm_loadu_pd(limit + node));
    const __m128d hi = _mm_cmplt_pd(
        _mm_add_pd(_mm_loadu_pd(assets + node + 2), _mm_loadu_pd(inflow + node + 2)),
        _mm_loadu_pd(limit + node + 2));
    const auto fail = static_cast<std::uint32_t>(_mm_movemask_pd(lo) | _mm_movemask_pd(hi) << 2);
    const Listing& l = kListing[fail];
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + listed),
                     _mm_add_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(l.node)),
                                   _mm_set1_epi32(static_cast<int>(node))));
    listed += l.count;
  }
  count = listed;
  return node;
}
#endif

// The nodes that cannot pay in full at the current payments, as a new round; returns how many.
int Clearer::find_new_defaults() {
  const std::size_t first = defaults_;
  std::size_t count = first;
  int* out = in_default_.data();
  const std::size_t n = owed_.size();
  const double* assets = assets_.data();
  const double* inflow = inflow_.data();
  const double* limit = limit_.data();
  const auto fails = [&](std::size_t v) {
    return static_cast<std::size_t>(assets[v] + inflow[v] < limit[v]);
  };
  // Branch-free: which nodes default is unpredictable; on x86, four nodes at a time by SSE2 (the
  // first round's scan, and those after a round that found many). But a round after one that
  // found few finds few again (the cascade dies out), and then four nodes at a time are tested,
  // written branch-free only where one of them fails.
  std::size_t node = 0;
  if (deferred_.pending) {
    count = scan_deferred(count);
    node = n;
  } else if (!result_.rounds.empty() && result_.rounds.back().size() * kSparseRound < n) {
    for (; node + 4 <= n; node += 4) {
      const std::size_t f0 = fails(node), f1 = fails(node + 1);
      const std::size_t f2 = fails(node + 2), f3 = fails(node + 3);
      if ((f0 | f1 | f2 | f3) == 0) continue;
      out[count] = static_cast<int>(node);
      count += f0;
      out[count] = static_cast<int>(node + 1);
      count += f1;
      out[count] = static_cast<int>(node + 2);
      count += f2;
      out[count] = static_cast<int>(node + 3);
      count += f3;
    }
  } else {
#if defined(__x86_64__)
    node = scan_by_four(count);
#endif
  }
  for (; node < n; ++node) {
    out[count] = static_cast<int>(node);
    count += fails(node);
  }
  defaults_ = count;
  // Most of the engine's clearings find no default: what only D needs is set up at the first one.
  if (first == 0 && count > 0) {
    position_.assign(owed_.size(), -1);
    due_.assign(inflow_.begin(), inflow_.end());  // still the full-payment inflows
    outside_.head.assign(owed_.size(), -1);  // every chain empty
  }
  for (std::size_t k = first; k < count; ++k) {
    const auto i = static_cast<std::size_t>(out[k]);
    result_.defaulted[i] = 1;
    limit_[i] = -std::numeric_limits<double>::infinity();  // fails no later test
    position_[i] = static_cast<int>(k);
  }
  const int found = static_cast<int>(count - first);
  if (found > 0) {
    open_round(static_cast<std::size_t>(found));
    result_.rounds.back().assign(out + first, out + count);
  }
  return found;
}

// Takes the spare list that best fits `size` (the smallest that holds it, else the largest), so
// that once calls have seen their largest rounds no list needs to grow again.
void Clearer::open_round(std::size_t size) {
  std::size_t best = spare_rounds_.size();
  for (std::size_t k = 0; k < spare_rounds_.size(); ++k) {
    const std::size_t cap = spare_rounds_[k].capacity();
    if (best == spare_rounds_.size()) {
      best = k;
      continue;
    }
    const std::size_t best_cap = spare_rounds_[best].capacity();
    const bool fits = cap >= size, best_fits = best_cap >= size;
    if ((fits && (!best_fits || cap < best_cap)) || (!fits && !best_fits && cap > best_cap))
      best = k;
  }
  if (best == spare_rounds_.size()) {
    result_.rounds.emplace_back();
    return;
  }
  result_.rounds.push_back(std::move(spare_rounds_[best]));
  if (best + 1 != spare_rounds_.size()) spare_rounds_[best] = std::move(spare_rounds_.back());
  spare_rounds_.pop_back();
}

// Opens a round whose new defaults are D's positions from `first` on: copies them into the
// compact arrays (they paid in full so far), moves the obligations owed to them into the block,
// splits their own obligations between the block and the outside list, and sorts the block by
// creditor.
void Clearer::load_round(const Liabilities& L, std::size_t first) {
  for (std::size_t k = first; k < defaults_; ++k) {
    const auto i = static_cast<std::size_t>(in_default_[k]);
    d_.payment[k] = d_.start[k] = result_.payments[i];
    d_.assets[k] = assets_[i];
    const double owed = owed_[i];
    d_.inv_scale[k] = 1.0 / scale(owed);
    d_.inv_owed[k] = owed > 0 ? 1.0 / owed : 0.0;
  }
  const std::size_t before = block_.count;
  std::size_t found = before;
  Obligation* in_d = block_.found.data();
  Obligation* out = outside_.list.data();
  int* link = outside_.link.data();
  int* head = outside_.head.data();
  // The outside obligations owed to a new default, from its chain, newest first: read back to
  // front, each column gets them in the list's order, as a scan of the whole list would. One that
  // moves leaves in its place an obligation of 0 to the same creditor (no list to compact): a
  // flush then adds 0 to the inflow of a node in D, which find_new_defaults() skips. (Sent to
  // one spare node instead, these additions made one chain through memory across each flush.)
  int* walked = block_.cursor.data();  // scratch here: the sort below refills it
  for (std::size_t k = first; k < defaults_; ++k) {
    const auto j = static_cast<std::size_t>(in_default_[k]);
    std::size_t count = 0;
    for (int c = head[j]; c >= 0; c = link[static_cast<std::size_t>(c)]) walked[count++] = c;
    while (count > 0) {
      Obligation& moved = out[walked[--count]];
      in_d[found++] = {moved.from, static_cast<int>(k), moved.amount};
      moved.amount = 0;
    }
  }
  // A new default's obligations: whether the creditor has defaulted is unpredictable, so each is
  // written to both lists and only one of them advances; one kept outside heads its creditor's
  // chain (a defaulted creditor's chain, walked already, is not read again). Of the obligations
  // read so far, those not owed to D were kept, so the outside list's end is computed from the
  // block's, not kept by a second update in the loop.
  const std::size_t kept_from = outside_.count + found;
  std::size_t done = 0;
  int* listed = d_.listed.data();
  for (std::size_t k = first; k < defaults_; ++k) {
    const auto i = static_cast<std::size_t>(in_default_[k]);
    const auto begin = static_cast<std::size_t>(L.row_start[i]);
    const auto end = static_cast<std::size_t>(L.row_start[i + 1]);
    const std::size_t offset = kept_from + done - begin;  // kept = offset + e − found
    listed[k] = static_cast<int>(offset + begin - found);
    // The rows of L that a round reads lie anywhere in it (1.2 MB for the bench's network, more
    // than a core's L2): the row kPrefetchRows ahead is requested now, so that its lines are near
    // by the time its turn comes.
    if (k + kPrefetchRows < defaults_) {
      const auto ahead = static_cast<std::size_t>(
          L.row_start[static_cast<std::size_t>(in_default_[k + kPrefetchRows])]);
      __builtin_prefetch(L.creditor.data() + ahead);
      __builtin_prefetch(L.amount.data() + ahead);
      __builtin_prefetch(L.amount.data() + ahead + 8);
    }
    for (std::size_t e = begin; e < end; ++e) {
      const auto to = static_cast<std::size_t>(L.creditor[e]);
      const int at = position_[to];
      const double a = L.amount[e];
      const std::size_t kept = offset + e - found;
      in_d[found] = {static_cast<int>(k), at, a};
      out[kept] = {static_cast<int>(k), static_cast<int>(to), a};
      const int next = head[to];
      link[kept] = next;
      // A mask, not a select, which the compiler would make a branch: all ones when kept outside.
      const int outside = at >> 31;
      head[to] = next ^ ((next ^ static_cast<int>(kept)) & outside);
      found += static_cast<std::size_t>(outside + 1);
    }
    done += end - begin;
  }
  const std::size_t kept = kept_from + done - found;
  listed[defaults_] = static_cast<int>(kept);
  block_.count = found;
  outside_.count = kept;
  // What each receives from the debtors that pay in full (Σ_j L_ji less what D owes it): the
  // obligations new to the block are the only ones that change it.
  for (std::size_t k = first; k < defaults_; ++k)
    d_.fixed[k] = due_[static_cast<std::size_t>(in_default_[k])];
  for (std::size_t f = before; f < found; ++f)
    d_.fixed[static_cast<std::size_t>(in_d[f].to)] -= in_d[f].amount;
  if (first == 0 || !insert_columns(before, first)) sort_columns(first);
}

namespace {

// A column's length in the block: its obligations, padded (see kPair).
int padded_length(int count) { return std::max(kPair, (count + kPair - 1) / kPair * kPair); }

// Moves `length` slots of the block from `src` to `dest` >= `src` (the ranges may overlap): most
// are a column or two long, too short for the library call to pay.
void shift_right(int* from, double* share, std::size_t dest, std::size_t src, std::size_t length) {
  if (length > 32) {
    std::memmove(from + dest, from + src, length * sizeof(int));
    std::memmove(share + dest, share + src, length * sizeof(double));
    return;
  }
  for (std::size_t t = length; t > 0; --t) {
    from[dest + t - 1] = from[src + t - 1];
    share[dest + t - 1] = share[src + t - 1];
  }
}

}  // namespace

// The block's columns by a counting sort of all its obligations, in the order found. After the
// first round, insert_columns() has counted what each column gains (in `cursor`), and the last
// round's columns are `filled`: only the new obligations are counted again.
void Clearer::sort_columns(std::size_t first) {
  const Obligation* in_d = block_.found.data();
  const std::size_t found = block_.count;
  int* start = block_.start.data();
  int* cursor = block_.cursor.data();
  int* filled = block_.filled.data();
  if (first == 0) {
    std::fill(cursor, cursor + defaults_, 0);
    for (std::size_t f = 0; f < found; ++f) ++cursor[in_d[f].to];
  } else {
    for (std::size_t k = 0; k < first; ++k) cursor[k] += filled[k];
  }
  start[0] = 0;
  for (std::size_t k = 0; k < defaults_; ++k) {
    const int count = cursor[k];
    filled[k] = count;
    cursor[k] = start[k];
    start[k + 1] = start[k] + padded_length(count);
  }
  int* from = block_.from.data();
  double* share = block_.share.data();
  const auto padded = static_cast<std::size_t>(start[defaults_]);
  std::fill(from, from + padded, static_cast<int>(owed_.size()));
  std::fill(share, share + padded, 0.0);
  for (std::size_t f = 0; f < found; ++f) {
    const Obligation& o = in_d[f];
    const auto slot = static_cast<std::size_t>(cursor[o.to]++);
    from[slot] = o.from;
    share[slot] = o.amount * d_.inv_owed[static_cast<std::size_t>(o.from)];
  }
}

// The same columns as sort_columns() gives, from the last round's: each old column keeps its
// obligations and gains the new ones owed to it after them (a stable sort puts them there too),
// the columns move right to make room, a run of columns that gain nothing at once, and only the
// new obligations are placed. A round with few new defaults then costs what it adds, not the
// whole block; but each column that gains costs some mispredicted branches, so that a round in
// which a quarter of the old columns or more gain sorts the block again (returns false,
// leaving in block_.cursor what each column gains, which sort_columns() reads).
bool Clearer::insert_columns(std::size_t before, std::size_t first) {
  const Obligation* in_d = block_.found.data();
  const std::size_t found = block_.count;
  const int* start = block_.start.data();
  int* next = block_.next_start.data();
  int* gained = block_.cursor.data();
  int* filled = block_.filled.data();
  std::fill(gained, gained + defaults_, 0);
  for (std::size_t f = before; f < found; ++f) ++gained[in_d[f].to];
  std::size_t gaining = 0;
  for (std::size_t k = 0; k < first; ++k) gaining += gained[k] > 0 ? 1 : 0;
  if (gaining * kInsertBelow >= first) return false;
  std::fill(filled + first, filled + defaults_, 0);
  next[0] = 0;
  for (std::size_t k = 0; k < defaults_; ++k)
    next[k + 1] = next[k] + padded_length(filled[k] + gained[k]);
  int* from = block_.from.data();
  double* share = block_.share.data();
  const auto spare = static_cast<int>(owed_.size());
  // From the last old column back, so that no column is overwritten before it has moved.
  for (std::size_t k = first; k > 0;) {
    std::size_t run = k;
    while (run > 0 && gained[run - 1] == 0) --run;
    const auto to = static_cast<std::size_t>(next[run]), at = static_cast<std::size_t>(start[run]);
    if (to != at) shift_right(from, share, to, at, static_cast<std::size_t>(start[k]) - at);
    if (run == 0) break;
    // A column that gains: its obligations, then room for the new ones and at most one 0 (it is
    // not empty), written in its last slot, where a new obligation may overwrite it.
    k = run - 1;
    shift_right(from, share, static_cast<std::size_t>(next[k]), static_cast<std::size_t>(start[k]),
                static_cast<std::size_t>(filled[k]));
    const auto last = static_cast<std::size_t>(next[k + 1] - 1);
    from[last] = spare;
    share[last] = 0.0;
  }
  std::fill(from + next[first], from + next[defaults_], spare);
  std::fill(share + next[first], share + next[defaults_], 0.0);
  for (std::size_t k = 0; k < defaults_; ++k) gained[k] = next[k] + filled[k];
  for (std::size_t f = before; f < found; ++f) {
    const Obligation& o = in_d[f];
    const auto slot = static_cast<std::size_t>(gained[o.to]++);
    from[slot] = o.from;
    share[slot] = o.amount * d_.inv_owed[static_cast<std::size_t>(o.from)];
  }
  for (std::size_t k = 0; k < defaults_; ++k) filled[k] = gained[k] - next[k];
  std::swap(block_.start, block_.next_start);
  return true;
}

// One Gauss–Seidel sweep over D: p_j ← α e_j + β (fixed_j + Σ_{i∈D} Π_ij p_i), with the payments
// already updated in this sweep, from position `begin` to D's end, then from 0 to `begin`;
// returns the largest change relative to each node's tolerance scale. With `store` false it
// changes nothing: the residual of the current payments.
double Clearer::sweep(bool store, std::size_t begin) {
  double worst = 0;
  // In locals: a store to a payment could otherwise alias alpha_ and beta_, reloaded each node.
  const double alpha = alpha_, beta = beta_;
  double* payment = d_.payment.data();
  const double* fixed = d_.fixed.data();
  const double* assets = d_.assets.data();
  const double* inv_scale = d_.inv_scale.data();
  const int* start = block_.start.data();
  const int* from = block_.from.data();
  const double* share = block_.share.data();
  // Positions [lo, hi) in order. One load less a node (the sweep is bound by them): each
  // column's end is the next one's start, kept in a register.
  const auto run = [&](std::size_t lo, std::size_t hi) {
    auto end = static_cast<std::size_t>(start[lo]);
    for (std::size_t k = lo; k < hi; ++k) {
      double inflow = fixed[k];
      auto u = end;
      end = static_cast<std::size_t>(start[k + 1]);
      for (; u < end; u += kPair) {
        inflow += share[u] * payment[from[u]];
        inflow += share[u + 1] * payment[from[u + 1]];
      }
      const double target = alpha * assets[k] + beta * inflow;
      worst = std::max(worst, std::abs(target - payment[k]) * inv_scale[k]);
      if (store) payment[k] = target;
    }
  };
  run(begin, defaults_);
  run(0, begin);
  return worst;
}

// Solves p_D = α e_D + β Π_DDᵀ p_D + β Π_SDᵀ p̄_S for the defaulted set D by Gauss–Seidel sweeps.
// It starts above the solution (the previous round's payments), so every sweep lowers the
// payments monotonically towards it. The error is estimated from the contraction of successive
// sweeps: err ≈ δ_k q / (1 − q), q = δ_k / δ_{k−1}, with δ the largest change relative to each
// node's tolerance scale.
bool Clearer::solve_round(std::size_t visits, std::size_t first) {
  // On a network of long rows (not the engine's), a round's new defaults are swept first: they
  // fall furthest, and the older nodes then see their fall within the same sweep (the bench's
  // network: 27 sweeps instead of 28, Rogers–Veraart 0.9/0.9 51 instead of 56). Another order
  // of the same Gauss–Seidel iteration, to the same tolerance: other last bits.
  const std::size_t begin = long_rows_ && first < defaults_ ? first : 0;
  double previous = std::numeric_limits<double>::infinity();
  const int limit =
      static_cast<int>(std::max<double>(kMinSweepLimit, kMaxVisits / static_cast<double>(visits)));
  for (int k = 0; k < limit; ++k) {
    const double worst = sweep(true, begin);
    ++result_.sweeps;
    if (worst <= kSkip) return true;
    if (k > 0) {
      const double q = worst / previous;
      if (q < 1 && worst <= 1 && worst * q / (1 - q) <= kTargetError) return true;
    }
    previous = worst;
  }
  return false;
}

// Closes a round: each defaulted node's change over the round reaches the inflows of its
// creditors that pay in full (they decide the next round); clear() publishes D's payments at its
// end. A round with few new defaults (`first` on) is usually the last, and its flush (the whole
// outside list, some 30,000 entries on the bench's network) then only serves to show that nobody
// else defaults: it is deferred, and the next find_new_defaults() completes only the inflows of
// the nodes that a bound cannot clear (scan_deferred). Should anybody default after all, the rest
// is flushed before the next round closes (complete_deferred), to the same bits; on a network
// of long rows (not the engine's) the deferred changes are carried instead, and the next round
// defers the changes of both rounds together, from the payments of the last flush that reached
// every node (d_.start, then kept) to its own: the inflows then take one addition an obligation
// for both rounds where they took two, which decides a default differently only for a node
// within a few roundings of its limit, far inside the tolerance.
void Clearer::flush_round(std::size_t first) {
  const bool carry = deferred_.pending && long_rows_;
  if (carry) {
    restore_completed();
    first = deferred_.first;  // the nodes new since the last full flush
  } else if (deferred_.pending) {
    complete_deferred();
  }
  const std::size_t defer_below = long_rows_ ? kDeferBelowLong : kDeferBelow;
  const bool defer = (defaults_ - first) * defer_below < defaults_;
  // Where the changes are carried, each node's change is counted from its payment at the last
  // full flush: d_.start moves only with one.
  const bool full = !(defer && long_rows_);
  double* per_unit = d_.per_unit.data();
  // The largest change per unit of the nodes in D before `first`, for a deferred flush.
  double bound = 0;
  for (std::size_t k = 0; k < defaults_; ++k) {
    per_unit[k] = (d_.payment[k] - d_.start[k]) * d_.inv_owed[k];
    if (full) d_.start[k] = d_.payment[k];
    if (k < first) bound = std::max(bound, std::abs(per_unit[k]));
  }
  if (!defer) {
    flush_list(outside_.count);
    deferred_.pending = false;
    return;
  }
  // The nodes that changed most, and the new defaults (the list's last entries; none for a
  // refining flush, whose `first` is defaults_), reach `extra` exactly: the others then changed
  // by at most a 64th of the largest change, which is the bound. (With the largest change alone
  // as the bound, the bench's last round left 25 of 6,930 nodes to complete, and Rogers–Veraart
  // 0.9/0.9's last four 147 to 789, at some 70 cycles each; this way 2 (and 5 after the third
  // round, the fourth round's 3 defaults among them), and 13 to 28.)
  const double threshold = bound / kChangedMost;
  int* changed = deferred_.changed.data();
  std::size_t most = 0;
  for (std::size_t k = 0; k < first; ++k) {
    changed[most] = static_cast<int>(k);
    most += std::abs(per_unit[k]) > threshold ? 1 : 0;
  }
  if (most * kChangedMostOf > defaults_) {
    // Too many for `extra` to cost less than the flush itself.
    flush_list(outside_.count);
    if (!full)
      for (std::size_t k = 0; k < defaults_; ++k) d_.start[k] = d_.payment[k];
    deferred_.pending = false;
    return;
  }
  if (first < defaults_) changed[most++] = static_cast<int>(first);  // its segment: all of them
  const Obligation* list = outside_.list.data();
  const int* listed = d_.listed.data();
  double* extra = deferred_.extra.data();
  for (std::size_t t = 0; t < most; ++t) {
    const auto k = static_cast<std::size_t>(changed[t]);
    const std::size_t end = k < first ? static_cast<std::size_t>(listed[k + 1]) : outside_.count;
    for (auto f = static_cast<std::size_t>(listed[k]); f < end; ++f)
      extra[static_cast<std::size_t>(list[f].to)] +=
          list[f].amount * per_unit[static_cast<std::size_t>(list[f].from)];
  }
  deferred_.pending = true;
  deferred_.count = outside_.count;
  deferred_.first = first;
  deferred_.bound = threshold;
  deferred_.walked = 0;
}

// find_new_defaults() after a deferred flush. Each node's inflow after the flush would be at
// least its inflow before, plus its change from the new defaults and the nodes that changed most
// (`extra`), less bound × what it is owed in all (due_, at least what the other nodes of D owe
// it, none of which changed by more than `bound` of what it owes), less the flush's roundings:
// at most 2 ε of the inflow (below due_i) an addition, fewer than n of them, and the bound's own
// few. The bound takes off a margin of 1e-9 + 4 n ε times e_i + due_i for them, so that a node
// it clears would not have failed the usual test after the flush either. A node that it does not
// clear gets its inflow completed: its entries of the outside list, from its creditor chain,
// added in the list's order, as the flush would add them, to the same bits; then the usual test.
// Lists the new defaults from D's position `count` on, in node order, and returns the new end.
std::size_t Clearer::scan_deferred(std::size_t count) {
  const std::size_t n = owed_.size();
  const double margin =
      1e-9 + 4 * static_cast<double>(n) * std::numeric_limits<double>::epsilon();
  const double* assets = assets_.data();
  const double* due = due_.data();
  const double* limit = limit_.data();
  double* inflow = inflow_.data();
  double* extra = deferred_.extra.data();
  // (1 − margin) e_i + inflow_i + extra_i − (bound + margin) due_i < limit_i: a candidate.
  const double keep = 1 - margin, lose = deferred_.bound + margin;
  const Obligation* list = outside_.list.data();
  const int* link = outside_.link.data();
  const int* head = outside_.head.data();
  const double* per_unit = d_.per_unit.data();
  int* walked = block_.cursor.data();  // scratch: load_round() refills it
  int* out = in_default_.data();
  std::size_t w = deferred_.walked;
  const auto complete = [&](std::size_t v) {
    if (!(keep * assets[v] + inflow[v] + extra[v] - lose * due[v] < limit[v])) return;
    deferred_.node[w] = static_cast<int>(v);
    deferred_.saved[w] = inflow[v];
    ++w;
    std::size_t length = 0;
    for (int c = head[v]; c >= 0; c = link[static_cast<std::size_t>(c)]) walked[length++] = c;
    double x = inflow[v];
    while (length > 0) {
      const Obligation& o = list[walked[--length]];
      x += o.amount * per_unit[static_cast<std::size_t>(o.from)];
    }
    inflow[v] = x;
    out[count] = static_cast<int>(v);
    count += assets[v] + x < limit[v] ? 1 : 0;
  };
  std::size_t v = 0;
#if defined(__x86_64__)
  // Four nodes at a time, two to an SSE2 lane pair (the same operations as complete()'s test,
  // to the bit), one at a time only where one of them may fail.
  {
    const __m128d keep2 = _mm_set1_pd(keep), lose2 = _mm_set1_pd(lose);
    const auto fails = [&](std::size_t u) {
      const __m128d kept = _mm_add_pd(_mm_mul_pd(keep2, _mm_loadu_pd(assets + u)),
                                      _mm_loadu_pd(inflow + u));
      const __m128d lower = _mm_sub_pd(_mm_add_pd(kept, _mm_loadu_pd(extra + u)),
                                       _mm_mul_pd(lose2, _mm_loadu_pd(due + u)));
      return _mm_movemask_pd(_mm_cmplt_pd(lower, _mm_loadu_pd(limit + u)));
    };
    // `extra` back to 0 on the way (two stores for four nodes cost less than finding the
    // entries that made it).
    const __m128d zero = _mm_setzero_pd();
    for (; v + 4 <= n; v += 4) {
      if ((fails(v) | fails(v + 2)) != 0) [[unlikely]]
        for (std::size_t u = v; u < v + 4; ++u) complete(u);
      _mm_storeu_pd(extra + v, zero);
      _mm_storeu_pd(extra + v + 2, zero);
    }
  }
#endif
  for (; v < n; ++v) {
    complete(v);
    extra[v] = 0;
  }
  deferred_.walked = w;
  return count;
}

// The nodes whose inflow scan_deferred() completed, back to their inflows at the last flush.
void Clearer::restore_completed() {
  for (std::size_t t = 0; t < deferred_.walked; ++t)
    inflow_[static_cast<std::size_t>(deferred_.node[t])] = deferred_.saved[t];
  deferred_.walked = 0;
}

// Flushes the deferred round for every node: the completed ones are set back to their inflows
// before, so that each gets the flush's additions once, in the list's order.
void Clearer::complete_deferred() {
  restore_completed();
  flush_list(deferred_.count);
  deferred_.pending = false;
}

// The first `count` entries of the outside list: each adds its debtor's change per unit times
// its amount to its creditor's inflow.
void Clearer::flush_list(std::size_t count) {
  const Obligation* list = outside_.list.data();
  const double* per_unit = d_.per_unit.data();
  double* inflow = inflow_.data();
  // Bound by its loads and its instructions: the debtor and the creditor in one load (on a
  // little-endian machine, where `from` is the low half), four records a trip (one loop test
  // for four, and the compiler's copy of the record pointer once, not each record).
#pragma GCC unroll 4
  for (std::size_t f = 0; f < count; ++f) {
    std::size_t debtor = 0, creditor = 0;
    if constexpr (std::endian::native == std::endian::little) {
      std::uint64_t pair;
      std::memcpy(&pair, &list[f], sizeof(pair));
      debtor = pair & 0xffffffffu;
      creditor = pair >> 32;
    } else {
      debtor = static_cast<std::size_t>(list[f].from);
      creditor = static_cast<std::size_t>(list[f].to);
    }
    inflow[creditor] += list[f].amount * per_unit[debtor];
  }
}

}  // namespace tinderbox::network
