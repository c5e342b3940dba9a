// Property tests of the clearing on random networks (many seeds, sizes 2–120, light to heavy
// stress), each against an independent oracle:
//   - Eisenberg & Noe (2001), Lemma 4: the greatest clearing vector is the solution of the linear
//     program max Σ_i p_i s.t. 0 ≤ p ≤ p̄, p_i − Σ_j Π_ji p_j ≤ e_i, solved here by GLPK in exact
//     rational arithmetic (glp_exact after glp_simplex);
//   - the fixed-point equations themselves, at every node;
//   - the rounds, re-derived from their definition: solving the linear system of each round's
//     default set with a dense LU (Eigen), the next round is exactly the set of the nodes that
//     cannot pay in full at that solution, so default sets only grow;
//   - Rogers–Veraart: the greatest clearing vector is the limit of the Picard iteration
//     p ← Φ(p) from p̄ (Φ is monotone, so the iterates decrease to the greatest fixed point).
#include <glpk.h>
#include <gtest/gtest.h>

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <random>

#include "network/clearing.h"
#include "network/test_networks.h"

namespace tinderbox::network {
namespace {

struct Dense {
  int n = 0;
  Eigen::MatrixXd pi;  // Π_ij
  Eigen::VectorXd owed, e;
};

Dense dense_of(const Liabilities& L, const std::vector<double>& assets) {
  Dense d;
  d.n = L.nodes;
  d.pi = Eigen::MatrixXd::Zero(d.n, d.n);
  d.owed = Eigen::VectorXd::Zero(d.n);
  d.e = Eigen::VectorXd::Zero(d.n);
  for (int i = 0; i < d.n; ++i) {
    const auto iu = static_cast<std::size_t>(i);
    d.owed(i) = L.external.empty() ? 0.0 : L.external[iu];
    for (int k = L.row_start[iu]; k < L.row_start[iu + 1]; ++k)
      d.owed(i) += L.amount[static_cast<std::size_t>(k)];
    for (int k = L.row_start[iu]; k < L.row_start[iu + 1]; ++k)
      d.pi(i, L.creditor[static_cast<std::size_t>(k)]) =
          L.amount[static_cast<std::size_t>(k)] / d.owed(i);
    d.e(i) = std::max(0.0, assets[iu]);
  }
  return d;
}

// The EN linear program, solved exactly by GLPK.
Eigen::VectorXd lp_clearing(const Dense& d) {
  glp_prob* lp = glp_create_prob();
  glp_set_obj_dir(lp, GLP_MAX);
  glp_add_rows(lp, d.n);
  glp_add_cols(lp, d.n);
  std::vector<int> ia = {0}, ja = {0};
  std::vector<double> ar = {0};
  for (int i = 0; i < d.n; ++i) {
    glp_set_row_bnds(lp, i + 1, GLP_UP, 0.0, d.e(i));  // p_i − Σ_j Π_ji p_j ≤ e_i
    if (d.owed(i) > 0)
      glp_set_col_bnds(lp, i + 1, GLP_DB, 0.0, d.owed(i));
    else
      glp_set_col_bnds(lp, i + 1, GLP_FX, 0.0, 0.0);
    glp_set_obj_coef(lp, i + 1, 1.0);
    for (int j = 0; j < d.n; ++j) {
      const double a = (i == j ? 1.0 : 0.0) - d.pi(j, i);
      if (a == 0) continue;
      ia.push_back(i + 1);
      ja.push_back(j + 1);
      ar.push_back(a);
    }
  }
  glp_load_matrix(lp, static_cast<int>(ia.size()) - 1, ia.data(), ja.data(), ar.data());
  glp_smcp parm;
  glp_init_smcp(&parm);
  parm.msg_lev = GLP_MSG_OFF;
  EXPECT_EQ(glp_simplex(lp, &parm), 0);
  EXPECT_EQ(glp_exact(lp, &parm), 0);
  EXPECT_EQ(glp_get_status(lp), GLP_OPT);
  Eigen::VectorXd p(d.n);
  for (int i = 0; i < d.n; ++i) p(i) = glp_get_col_prim(lp, i + 1);
  glp_delete_prob(lp);
  return p;
}

// Payments of the fictitious-default algorithm's linear system for a given default set.
Eigen::VectorXd solve_round(const Dense& d, const std::vector<int>& in_default, double alpha,
                            double beta) {
  // p_D = α e_D + β (Π_DDᵀ p_D + Π_SDᵀ p̄_S), p_S = p̄_S.
  const int m = static_cast<int>(in_default.size());
  Eigen::MatrixXd A = Eigen::MatrixXd::Identity(m, m);
  Eigen::VectorXd b(m);
  std::vector<char> is_d(static_cast<std::size_t>(d.n), 0);
  for (int i : in_default) is_d[static_cast<std::size_t>(i)] = 1;
  for (int r = 0; r < m; ++r) {
    const int i = in_default[static_cast<std::size_t>(r)];
    b(r) = alpha * d.e(i);
    for (int j = 0; j < d.n; ++j)
      if (!is_d[static_cast<std::size_t>(j)]) b(r) += beta * d.pi(j, i) * d.owed(j);
    for (int c = 0; c < m; ++c) A(r, c) -= beta * d.pi(in_default[static_cast<std::size_t>(c)], i);
  }
  const Eigen::VectorXd pd = A.partialPivLu().solve(b);
  Eigen::VectorXd p = d.owed;
  for (int r = 0; r < m; ++r) p(in_default[static_cast<std::size_t>(r)]) = pd(r);
  return p;
}

double scale(const Dense& d, int i) { return std::max(1.0, d.owed(i)); }

// Checks the rounds against their definition and returns nothing; failures are reported.
void check_rounds(const Dense& d, const ClearingResult& r, double alpha, double beta, double tol) {
  std::vector<int> in_default;
  Eigen::VectorXd p = d.owed;  // round 0: everybody pays in full
  std::vector<char> seen(static_cast<std::size_t>(d.n), 0);
  for (std::size_t k = 0; k <= r.rounds.size(); ++k) {
    const Eigen::VectorXd inflow = d.pi.transpose() * p;
    std::vector<int> expected;
    for (int i = 0; i < d.n; ++i)
      if (!seen[static_cast<std::size_t>(i)] && d.e(i) + inflow(i) < d.owed(i) - tol * scale(d, i))
        expected.push_back(i);
    if (k == r.rounds.size()) {
      EXPECT_TRUE(expected.empty()) << "a default after the last round";
      break;
    }
    std::vector<int> got = r.rounds[k];
    std::sort(got.begin(), got.end());
    EXPECT_EQ(got, expected) << "round " << k + 1;
    EXPECT_FALSE(got.empty()) << "an empty round";
    for (int i : got) {
      EXPECT_FALSE(seen[static_cast<std::size_t>(i)]) << "node " << i << " defaults twice";
      seen[static_cast<std::size_t>(i)] = 1;
      in_default.push_back(i);
    }
    const Eigen::VectorXd next = solve_round(d, in_default, alpha, beta);
    for (int i = 0; i < d.n; ++i)
      EXPECT_LE(next(i), p(i) + 1e-12 * scale(d, i)) << "payments rose in round " << k + 1;
    p = next;
  }
}

void check_fixed_point(const Dense& d, const ClearingResult& r, double alpha, double beta,
                       double tol) {
  const Eigen::VectorXd p = Eigen::Map<const Eigen::VectorXd>(r.payments.data(), d.n);
  const Eigen::VectorXd inflow = d.pi.transpose() * p;
  for (int i = 0; i < d.n; ++i) {
    const bool solvent = d.e(i) + inflow(i) >= d.owed(i) - tol * scale(d, i);
    const double phi = solvent ? d.owed(i) : alpha * d.e(i) + beta * inflow(i);
    EXPECT_NEAR(p(i), phi, tol * scale(d, i)) << "node " << i;
    EXPECT_EQ(r.defaulted[static_cast<std::size_t>(i)], solvent ? 0 : 1) << "node " << i;
  }
}

struct Case {
  int n;
  double stress;
};

class NetClearingProperty : public testing::TestWithParam<Case> {};

TEST_P(NetClearingProperty, EisenbergNoeSolvesTheLinearProgram) {
  const auto [n, stress] = GetParam();
  Clearer clearer;  // one Clearer for every seed: reuse must not change anything
  for (std::uint64_t seed = 0; seed < 40; ++seed) {
    std::mt19937_64 rng(seed * 1000 + static_cast<std::uint64_t>(n));
    const test::RandomNetwork net = test::random_network(rng, n, stress);
    const ClearingResult& r = clearer.clear(net.L, net.assets);
    const Dense d = dense_of(net.L, net.assets);
    const Eigen::VectorXd lp = lp_clearing(d);
    for (int i = 0; i < n; ++i)
      ASSERT_NEAR(r.payments[static_cast<std::size_t>(i)], lp(i), 1e-9 * scale(d, i))
          << "seed " << seed << " node " << i;
    check_fixed_point(d, r, 1, 1, 1e-9);
    check_rounds(d, r, 1, 1, 1e-9);
    EXPECT_TRUE(r.converged);
  }
}

// Picard iteration of the RV map from p̄, to a fixed point (the greatest clearing vector).
Eigen::VectorXd picard_rv(const Dense& d, double alpha, double beta) {
  Eigen::VectorXd p = d.owed;
  for (int it = 0; it < 1000000; ++it) {
    const Eigen::VectorXd inflow = d.pi.transpose() * p;
    Eigen::VectorXd next(d.n);
    for (int i = 0; i < d.n; ++i)
      next(i) = d.e(i) + inflow(i) >= d.owed(i) - 1e-9 * scale(d, i)
                    ? d.owed(i)
                    : alpha * d.e(i) + beta * inflow(i);
    const double change = (next - p).cwiseAbs().maxCoeff();
    p = next;
    if (change < 1e-14) break;
  }
  return p;
}

TEST_P(NetClearingProperty, RogersVeraartIsTheGreatestFixedPoint) {
  const auto [n, stress] = GetParam();
  Clearer clearer;
  std::uniform_real_distribution<double> u(0.3, 1.0);
  for (std::uint64_t seed = 0; seed < 25; ++seed) {
    std::mt19937_64 rng(seed * 7919 + static_cast<std::uint64_t>(n));
    const test::RandomNetwork net = test::random_network(rng, n, stress);
    const double alpha = u(rng), beta = u(rng);
    const ClearingResult& r = clearer.clear(net.L, net.assets, {.alpha = alpha, .beta = beta});
    const Dense d = dense_of(net.L, net.assets);
    const Eigen::VectorXd expected = picard_rv(d, alpha, beta);
    for (int i = 0; i < n; ++i)
      ASSERT_NEAR(r.payments[static_cast<std::size_t>(i)], expected(i), 1e-9 * scale(d, i))
          << "seed " << seed << " node " << i;
    check_fixed_point(d, r, alpha, beta, 1e-9);
    check_rounds(d, r, alpha, beta, 1e-9);
  }
}

INSTANTIATE_TEST_SUITE_P(NetRandom, NetClearingProperty,
                         testing::Values(Case{2, 0.5}, Case{3, 0.3}, Case{5, 0.5}, Case{10, 0.1},
                                         Case{10, 0.6}, Case{30, 0.3}, Case{30, 0.8},
                                         Case{120, 0.2}, Case{120, 0.5}),
                         [](const testing::TestParamInfo<Case>& p) {
                           std::string name = "n";  // appended: GCC 12 warns on "n" + string
                           name += std::to_string(p.param.n);
                           name += "_stress";
                           name += std::to_string(static_cast<int>(p.param.stress * 100));
                           return name;
                         });

}  // namespace
}  // namespace tinderbox::network
