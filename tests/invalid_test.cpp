// The invalid-scenario corpus: every tests/invalid/NAME.yaml must fail with exactly the lines of
// NAME.expected, where FILE stands for the path the case was loaded by and DIR for its folder
// (imported helpers live in tests/invalid/imports/ and are not cases themselves).
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "scenario/loader.h"
#include "support.h"

namespace tinderbox {
namespace {

namespace fs = std::filesystem;

const fs::path kCorpus = fs::path(TINDERBOX_SOURCE_DIR) / "tests" / "invalid";

std::vector<std::string> case_names() {
  std::vector<std::string> names;
  for (const fs::directory_entry& e : fs::directory_iterator(kCorpus))
    if (e.is_regular_file() && e.path().extension() == ".yaml")
      names.push_back(e.path().stem().string());
  std::sort(names.begin(), names.end());
  return names;
}

std::string read_all(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) lines.push_back(line);
  return lines;
}

// One pass, so that a path that itself contains "DIR" or "FILE" is left alone.
std::string expand(const std::string& line, const std::string& file, const std::string& dir) {
  std::string out;
  for (std::size_t i = 0; i < line.size();) {
    if (line.compare(i, 4, "FILE") == 0) {
      out += file;
      i += 4;
    } else if (line.compare(i, 3, "DIR") == 0) {
      out += dir;
      i += 3;
    } else {
      out += line[i++];
    }
  }
  return out;
}

std::vector<std::string> expected_for(const std::string& name, const std::string& file) {
  std::vector<std::string> lines;
  for (const std::string& line : lines_of(read_all(kCorpus / (name + ".expected"))))
    lines.push_back(expand(line, file, fs::path(file).parent_path().string()));
  return lines;
}

std::vector<std::string> strings(const std::vector<Diagnostic>& errors) {
  std::vector<std::string> out;
  out.reserve(errors.size());
  for (const Diagnostic& d : errors) out.push_back(d.str());
  return out;
}

class InvalidScenario : public testing::TestWithParam<std::string> {};

TEST_P(InvalidScenario, ReportsExactlyTheExpectedErrors) {
  const std::string path = (kCorpus / (GetParam() + ".yaml")).string();
  const std::vector<std::string> expected = expected_for(GetParam(), path);
  ASSERT_FALSE(expected.empty()) << GetParam() << ".expected lists no error";

  const LoadResult from_file = load_scenario(path);
  EXPECT_FALSE(from_file.scenario.has_value());
  EXPECT_EQ(strings(from_file.errors), expected);

  // Loading the same text from memory must say the same.
  const LoadResult from_text = load_scenario_text(read_all(path), path, kCorpus.string());
  EXPECT_EQ(strings(from_text.errors), expected);
}

INSTANTIATE_TEST_SUITE_P(Invalid, InvalidScenario, testing::ValuesIn(case_names()),
                         [](const testing::TestParamInfo<std::string>& p) { return p.param; });

TEST(InvalidCorpus, HasAtLeastFortyCases) { EXPECT_GE(case_names().size(), 40u); }

TEST(InvalidCorpus, EveryCaseHasItsExpectedFile) {
  for (const std::string& name : case_names())
    EXPECT_TRUE(fs::exists(kCorpus / (name + ".expected"))) << name;
}

// `tinderbox validate FILE`: the diagnostics on stderr, nothing on stdout, exit 2 (SPEC.md §2).
tinderbox::test_support::CliResult run_validate(const std::string& file) {
  return tinderbox::test_support::run_cli("validate '" + file + "'");
}

TEST(InvalidCli, ValidateReportsEachCaseOnStderrAndExitsTwo) {
  for (const std::string& name : case_names()) {
    const std::string path = (kCorpus / (name + ".yaml")).string();
    const auto r = run_validate(path);
    EXPECT_EQ(r.code, 2) << name;
    EXPECT_EQ(r.out, "") << name;
    EXPECT_EQ(lines_of(r.err), expected_for(name, path)) << name;
  }
}

TEST(InvalidCli, ValidateAcceptsAValidScenario) {
  const auto r = run_validate(
      (fs::path(TINDERBOX_SOURCE_DIR) / "tests" / "valid" / "spec_example.yaml").string());
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.err, "");
}

}  // namespace
}  // namespace tinderbox
