// Networks for the network tests: one from a list of obligations, and random ones.
#pragma once

#include <algorithm>
#include <random>
#include <tuple>
#include <vector>

#include "network/clearing.h"

namespace tinderbox::network::test {

// Compressed rows from (debtor, creditor, amount) triples in any order.
inline Liabilities network(int nodes, std::vector<std::tuple<int, int, double>> edges,
                           std::vector<double> external = {}) {
  std::sort(edges.begin(), edges.end());
  Liabilities L;
  L.nodes = nodes;
  L.row_start.assign(static_cast<std::size_t>(nodes) + 1, 0);
  for (const auto& [from, to, amount] : edges) {
    ++L.row_start[static_cast<std::size_t>(from) + 1];
    L.creditor.push_back(to);
    L.amount.push_back(amount);
  }
  for (std::size_t i = 1; i < L.row_start.size(); ++i) L.row_start[i] += L.row_start[i - 1];
  L.external = std::move(external);
  return L;
}

struct RandomNetwork {
  Liabilities L;
  std::vector<double> assets;
};

// n nodes, each owing up to 6 distinct others lognormal amounts and, with probability 1/2,
// outsiders; outside assets are a random share of what the node owes, scaled so that roughly
// `stress` of the nodes cannot pay in full even if everybody else does.
inline RandomNetwork random_network(std::mt19937_64& rng, int n, double stress) {
  std::uniform_int_distribution<int> degree(0, std::min(6, n - 1));
  std::uniform_int_distribution<int> other(0, std::max(0, n - 1));
  std::lognormal_distribution<double> amount(0.0, 1.0);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  std::vector<std::tuple<int, int, double>> edges;
  std::vector<double> external(static_cast<std::size_t>(n), 0.0);
  std::vector<double> owed(static_cast<std::size_t>(n), 0.0), due(static_cast<std::size_t>(n), 0.0);
  for (int i = 0; i < n; ++i) {
    std::vector<int> seen;
    const int d = n > 1 ? degree(rng) : 0;
    for (int k = 0; k < d; ++k) {
      const int j = other(rng);
      if (j == i || std::find(seen.begin(), seen.end(), j) != seen.end()) continue;
      seen.push_back(j);
      const double a = amount(rng);
      edges.emplace_back(i, j, a);
      owed[static_cast<std::size_t>(i)] += a;
      due[static_cast<std::size_t>(j)] += a;
    }
    if (u(rng) < 0.5) {
      external[static_cast<std::size_t>(i)] = amount(rng);
      owed[static_cast<std::size_t>(i)] += external[static_cast<std::size_t>(i)];
    }
  }
  RandomNetwork out;
  out.assets.resize(static_cast<std::size_t>(n));
  for (std::size_t i = 0; i < out.assets.size(); ++i) {
    // Net position at full payment: e + due − owed; below 0 for about `stress` of the nodes.
    const double gap = owed[i] - due[i];
    const double cushion = (u(rng) - stress) * (owed[i] + 1.0);
    out.assets[i] = std::max(0.0, gap + cushion);
  }
  out.L = network(n, std::move(edges), std::move(external));
  return out;
}

}  // namespace tinderbox::network::test
