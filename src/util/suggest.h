// "Did you mean" suggestions for misspelt keys, names and flags.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace tinderbox {

// Levenshtein distance, case-sensitive.
int edit_distance(std::string_view a, std::string_view b);

// The candidate closest to `word` within distance 2 (or equal ignoring case), else "".
std::string closest(std::string_view word, const std::vector<std::string>& candidates);

// " (did you mean 'x'?)" or "" when nothing is close.
std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates);

}  // namespace tinderbox
