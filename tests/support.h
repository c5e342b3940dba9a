// Helpers shared by the tests: scenarios from YAML text, and flows picked out of a run.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "engine/run.h"
#include "scenario/loader.h"

namespace tinderbox::testing {

// Loads a scenario from YAML text; fails the test (and returns an empty one) on any error.
inline Scenario scenario_from(const std::string& yaml) {
  LoadResult r = load_scenario_text(yaml, "test.yaml", ".");
  for (const Diagnostic& d : r.errors) ADD_FAILURE() << d.str();
  return r.scenario ? *r.scenario : Scenario{};
}

// Sum of the flows of one kind (and, if given, one source index) in period k.
inline double flow_sum(const RunResult& r, int k, FlowKind kind, Source src = Source::None,
                       int index = -1) {
  double s = 0;
  for (const Flow& f : r.flows)
    if (f.period == k && f.kind == kind && (src == Source::None || f.source == src) &&
        (index < 0 || f.index == index))
      s += f.amount;
  return s;
}

}  // namespace tinderbox::testing
