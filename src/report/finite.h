// The last check before any output: every number tinderbox writes is finite.
//
// Each number a scenario can hold has a ceiling (scenario.md, "Limits"), so that no valid input
// should drive a figure to infinity or NaN. Should one slip through anyway, nlohmann's JSON would
// print it as null and the text summary as "inf" or "nan": a silent wrong answer. The commands
// look for one before they write anything and fail as the engine (exit 1), naming where it is.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "engine/run.h"

namespace tinderbox {

// The JSON pointer (RFC 6901, e.g. "/entities/coreweave/series/cash/17") of the first number in
// `j` that is infinite or NaN, in document order; nothing when all are finite.
std::optional<std::string> first_non_finite(const nlohmann::ordered_json& j);

// The first row of the ledger (as --ledger writes it) whose amount is not finite, described:
// "ledger row 12 (2025-03-31, coreweave, ddtl_1, interest)", rows counted from 1 after the header.
std::optional<std::string> first_non_finite_row(const RunResult& r);

// The error a command prints (then exits 1, writing nothing) when `output`, or a row of `run`'s
// ledger if given, holds a number that is not finite: where it is, and that it is a bug, not an
// input error. Nothing when all are finite.
std::optional<std::string> non_finite_error(const nlohmann::ordered_json& output,
                                            const RunResult* run = nullptr);

}  // namespace tinderbox
