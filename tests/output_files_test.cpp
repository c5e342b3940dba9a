// Output files and standard output (docs/cli.md, "Output files"): nothing the user named is
// destroyed, replaced behind a symlink, planted under a guessable temporary name, or left half
// done, and a result that could not be written is a failure. Each test runs the binary in a
// fresh folder of its own (tests run as root in CI, so nothing here relies on permissions).
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>

#include "store/sqlite.h"
#include "support.h"

namespace {

namespace fs = std::filesystem;
using tinderbox::test_support::fresh_temp_dir;
using tinderbox::test_support::read_file;

struct Result {
  int code = -1;
  std::string out, err;
};

// Runs `tinderbox ARGS` in `dir`, stdout to `stdout_to` (default: a file read back as out).
Result run_in(const fs::path& dir, const std::string& args, const std::string& stdout_to = "") {
  const fs::path logs = fresh_temp_dir();
  const std::string out = stdout_to.empty() ? (logs / "out").string() : stdout_to;
  const std::string cmd = "cd '" + dir.string() + "' && " + TINDERBOX_BINARY + " " + args + " >" +
                          out + " 2>" + (logs / "err").string() + " </dev/null";
  const int status = std::system(cmd.c_str());
  Result r;
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  if (stdout_to.empty()) r.out = read_file(logs / "out");
  r.err = read_file(logs / "err");
  fs::remove_all(logs);
  return r;
}

void write(const fs::path& p, const std::string& text) { std::ofstream(p, std::ios::binary) << text; }

std::set<std::string> names_in(const fs::path& dir) {
  std::set<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.insert(e.path().filename().string());
  return names;
}

const std::string kScenario =
    read_file(fs::path(TINDERBOX_SOURCE_DIR) / "scenarios/examples/small-neocloud.yaml");

// The ledger and the summary of the scenario, from a plain run in a folder of their own: what
// every other way of writing them must give.
struct Reference {
  std::string ledger, summary;
};
const Reference& reference() {
  static const Reference ref = [] {
    const fs::path dir = fresh_temp_dir();
    write(dir / "s.yaml", kScenario);
    const Result r = run_in(dir, "run s.yaml --ledger plain.csv");
    EXPECT_EQ(r.code, 0) << r.err;
    Reference out{read_file(dir / "plain.csv"), r.out};
    EXPECT_EQ(out.ledger.rfind("date,entity,instrument,counterparty,kind,amount\n", 0), 0u);
    EXPECT_EQ(names_in(dir), (std::set<std::string>{"s.yaml", "plain.csv"}));
    return out;
  }();
  return ref;
}

// `tinderbox run s.yaml --ledger s.yaml`: "tinderbox run " is 14 columns, so s.yaml is at 15,
// --ledger at 22 and its value at 31.
TEST(OutputFiles, LedgerOntoTheScenarioIsRefusedAndTheScenarioKept) {
  const fs::path dir = fresh_temp_dir();
  write(dir / "s.yaml", kScenario);
  const Result r = run_in(dir, "run s.yaml --ledger s.yaml");
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(r.err, "<command line>:1:31: error: '--ledger' would overwrite the scenario file 's.yaml'\n");
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(read_file(dir / "s.yaml"), kScenario);
  // The same file by another spelling, and through a symlink.
  fs::create_symlink("s.yaml", dir / "alias.csv");
  EXPECT_EQ(run_in(dir, "run s.yaml --ledger ./alias.csv").code, 2);
  EXPECT_EQ(run_in(dir, "run ./s.yaml --ledger " + (dir / "s.yaml").string()).code, 2);
  EXPECT_EQ(read_file(dir / "s.yaml"), kScenario);
  EXPECT_EQ(names_in(dir), (std::set<std::string>{"s.yaml", "alias.csv"}));
}

TEST(OutputFiles, LedgerOntoAnImportIsRefused) {
  const fs::path dir = fresh_temp_dir();
  write(dir / "s.yaml", kScenario + "import: [./frag.yaml]\n");
  write(dir / "frag.yaml", "market: {}\n");
  const Result r = run_in(dir, "run s.yaml --ledger frag.yaml");
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(r.err,
            "<command line>:1:31: error: '--ledger' would overwrite the imported file 'frag.yaml'\n");
  EXPECT_EQ(read_file(dir / "frag.yaml"), "market: {}\n");
}

TEST(OutputFiles, DbOntoTheScenarioIsRefused) {
  const fs::path dir = fresh_temp_dir();
  write(dir / "s.yaml", kScenario);
  for (const char* cmd : {"run s.yaml --db s.yaml", "simulate s.yaml --paths 2 --db s.yaml",
                          "network s.yaml --db s.yaml"}) {
    const Result r = run_in(dir, cmd);
    EXPECT_EQ(r.code, 2) << cmd;
    EXPECT_NE(r.err.find("error: '--db' would overwrite the scenario file 's.yaml'"),
              std::string::npos)
        << cmd << ": " << r.err;
    EXPECT_EQ(read_file(dir / "s.yaml"), kScenario) << cmd;
  }
  EXPECT_EQ(names_in(dir), (std::set<std::string>{"s.yaml"}));
}

// `run s.yaml --db same.db --ledger same.db` stored the run, then the ledger replaced the
// database. Now it is refused before anything is written, and a database already there keeps
// its runs.
TEST(OutputFiles, DbAndLedgerOnTheSameFileAreRefused) {
  const fs::path dir = fresh_temp_dir();
  write(dir / "s.yaml", kScenario);
  Result r = run_in(dir, "run s.yaml --db same.db --ledger same.db");
  EXPECT_EQ(r.code, 2);
  // --db's value is at 15 + 7 + 5 = 27; --ledger's at 27 + 8 + 9 = 44 (it is the second one).
  EXPECT_EQ(r.err, "<command line>:1:44: error: '--ledger' and '--db' name the same file 'same.db'\n");
  EXPECT_EQ(names_in(dir), (std::set<std::string>{"s.yaml"}));  // nothing created

  ASSERT_EQ(run_in(dir, "run s.yaml --db same.db").code, 0);
  const std::string db = read_file(dir / "same.db");
  r = run_in(dir, "run s.yaml --ledger same.db --db ./same.db");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("error: '--db' and '--ledger' name the same file './same.db'"),
            std::string::npos)
      << r.err;
  r = run_in(dir, "runs --db same.db");
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("\n   1  "), std::string::npos) << r.out;  // run 1 is still there
  EXPECT_EQ(r.out.find("\n   2  "), std::string::npos) << r.out;  // and no second one
}

// `report --db r.db -o r.db` replaced the database with the HTML report.
TEST(OutputFiles, ReportOntoItsDatabaseIsRefused) {
  const fs::path dir = fresh_temp_dir();
  write(dir / "s.yaml", kScenario);
  ASSERT_EQ(run_in(dir, "run s.yaml --db r.db").code, 0);
  const auto before = fs::file_size(dir / "r.db");
  const Result r = run_in(dir, "report --db r.db -o r.db");
  EXPECT_EQ(r.code, 2);
  // "tinderbox report --db r.db -o " is 30 columns.
  EXPECT_EQ(r.err, "<command line>:1:31: error: '-o' would overwrite the database 'r.db'\n");
  EXPECT_EQ(fs::file_size(dir / "r.db"), before);
  const Result runs = run_in(dir, "runs --db r.db");
  EXPECT_EQ(runs.code, 0) << runs.err;
  EXPECT_NE(runs.out.find("\n   1  "), std::string::npos) << runs.out;
}

// A symlink or a folder planted at the old fixed name FILE.tmp is neither followed nor removed:
// the temporary file has a unique name and is created exclusively.
TEST(OutputFiles, PlantedTemporaryNamesAreLeftAlone) {
  const fs::path dir = fresh_temp_dir();
  write(dir / "s.yaml", kScenario);
  write(dir / "victim.txt", "precious\n");
  fs::create_symlink("victim.txt", dir / "out.csv.tmp");
  fs::create_directory(dir / "out5.csv.tmp");
  write(dir / "out6.csv.tmp", "mine\n");
  for (const char* out : {"out.csv", "out5.csv", "out6.csv"}) {
    const Result r = run_in(dir, std::string("run s.yaml --ledger ") + out);
    EXPECT_EQ(r.code, 0) << out << ": " << r.err;
    EXPECT_EQ(read_file(dir / out), reference().ledger) << out;
  }
  EXPECT_EQ(read_file(dir / "victim.txt"), "precious\n");
  EXPECT_TRUE(fs::is_symlink(dir / "out.csv.tmp"));
  EXPECT_EQ(fs::read_symlink(dir / "out.csv.tmp"), "victim.txt");
  EXPECT_TRUE(fs::is_directory(dir / "out5.csv.tmp"));
  EXPECT_EQ(read_file(dir / "out6.csv.tmp"), "mine\n");
  EXPECT_FALSE(fs::is_symlink(dir / "out.csv"));
  // No temporary file is left behind.
  EXPECT_EQ(names_in(dir), (std::set<std::string>{"s.yaml", "victim.txt", "out.csv.tmp",
                                                  "out5.csv.tmp", "out6.csv.tmp", "out.csv",
                                                  "out5.csv", "out6.csv"}));
}

// `runs --csv DIR` writes its tables as output files too: a name planted at the old fixed
// temporary name TABLE.csv.tmp is left alone, and the tables are complete.
TEST(OutputFiles, CsvExportLeavesPlantedTemporaryNamesAlone) {
  const fs::path dir = fresh_temp_dir();
  write(dir / "s.yaml", kScenario);
  ASSERT_EQ(run_in(dir, "run s.yaml --db r.db").code, 0);
  fs::create_directory(dir / "csv");
  write(dir / "victim.txt", "precious\n");
  fs::create_symlink("../victim.txt", dir / "csv" / "ledger.csv.tmp");
  fs::create_directory(dir / "csv" / "runs.csv.tmp");
  const Result r = run_in(dir, "runs --db r.db --csv csv");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(read_file(dir / "victim.txt"), "precious\n");
  EXPECT_TRUE(fs::is_symlink(dir / "csv" / "ledger.csv.tmp"));
  EXPECT_TRUE(fs::is_directory(dir / "csv" / "runs.csv.tmp"));
  // The ledger table holds the run's ledger: as many lines as `--ledger` writes (both have one
  // header line and one line per row).
  ASSERT_EQ(run_in(dir, "run s.yaml --ledger plain.csv").code, 0);
  const auto lines = [](const std::string& s) { return std::count(s.begin(), s.end(), '\n'); };
  EXPECT_EQ(lines(read_file(dir / "csv" / "ledger.csv")), lines(read_file(dir / "plain.csv")));
  for (const fs::directory_entry& e : fs::directory_iterator(dir / "csv"))
    EXPECT_EQ(e.path().filename().string().find(".tmp-"), std::string::npos) << e.path();
}

// A symlink is written through (the link stays, its target gets the ledger), also a dangling one.
TEST(OutputFiles, SymlinksAreWrittenThrough) {
  const fs::path dir = fresh_temp_dir();
  write(dir / "s.yaml", kScenario);
  fs::create_directory(dir / "sub");
  write(dir / "sub" / "real.csv", "old\n");
  fs::create_symlink("sub/real.csv", dir / "link.csv");
  fs::create_symlink("sub/new.csv", dir / "dangling.csv");
  for (const char* out : {"link.csv", "dangling.csv"})
    EXPECT_EQ(run_in(dir, std::string("run s.yaml --ledger ") + out).code, 0) << out;
  EXPECT_TRUE(fs::is_symlink(dir / "link.csv"));
  EXPECT_TRUE(fs::is_symlink(dir / "dangling.csv"));
  EXPECT_EQ(read_file(dir / "sub" / "real.csv"), reference().ledger);
  EXPECT_EQ(read_file(dir / "sub" / "new.csv"), reference().ledger);
  EXPECT_EQ(names_in(dir / "sub"), (std::set<std::string>{"real.csv", "new.csv"}));
}

// A device is written in place, never replaced; its write error is reported. The device is a
// private node like /dev/full (a build that replaced it would then damage nothing outside the
// test); where mknod is not allowed, /dev/full itself, which such a user cannot replace.
TEST(OutputFiles, DevicesAreWrittenInPlace) {
  struct stat st {};
  ASSERT_EQ(::stat("/dev/full", &st), 0) << "these tests need /dev/full";
  ASSERT_TRUE(S_ISCHR(st.st_mode)) << "/dev/full is not a character device";
  const fs::path dir = fresh_temp_dir();
  write(dir / "s.yaml", kScenario);
  const fs::path devices = fresh_temp_dir();
  const std::string full = ::mknod((devices / "full").c_str(), S_IFCHR | 0666, st.st_rdev) == 0
                               ? (devices / "full").string()
                               : "/dev/full";
  const Result r = run_in(dir, "run s.yaml --ledger " + full);
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(r.err, "<command line>:1:31: error: cannot write '" + full +
                       "': No space left on device\n");
  EXPECT_EQ(r.out, "");
  struct stat after {};
  ASSERT_EQ(::stat(full.c_str(), &after), 0);
  EXPECT_TRUE(S_ISCHR(after.st_mode));
  EXPECT_EQ(after.st_rdev, st.st_rdev);
  std::set<std::string> private_nodes;
  if (full != "/dev/full") private_nodes.insert("full");
  EXPECT_EQ(names_in(devices), private_nodes);
  // A link like /dev/stdout (a private one: a build that replaced it would damage nothing
  // outside the test) with stdout redirected to a file: the ledger, then the summary, in that
  // file, and the link kept.
  fs::create_symlink("/proc/self/fd/1", devices / "stdout");
  const Result both = run_in(dir, "run s.yaml --ledger " + (devices / "stdout").string());
  EXPECT_EQ(both.code, 0) << both.err;
  EXPECT_EQ(both.out, reference().ledger + reference().summary);
  EXPECT_TRUE(fs::is_symlink(devices / "stdout"));
  EXPECT_EQ(names_in(dir), (std::set<std::string>{"s.yaml"}));
  private_nodes.insert("stdout");
  EXPECT_EQ(names_in(devices), private_nodes);
}

// The ledger is committed only when the whole command has succeeded: here the database refuses
// the run (a trigger), after the ledger has been written out.
TEST(OutputFiles, NoLedgerWhenTheCommandFailsLater) {
  const fs::path dir = fresh_temp_dir();
  write(dir / "s.yaml", kScenario);
  ASSERT_EQ(run_in(dir, "run s.yaml --db t.db").code, 0);
  tinderbox::store::Connection((dir / "t.db").string(), false)
      .exec("CREATE TRIGGER refuse BEFORE INSERT ON runs BEGIN SELECT RAISE(ABORT, 'refused'); END");
  const auto before = names_in(dir);
  const Result r = run_in(dir, "run s.yaml --db t.db --ledger l.csv");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("cannot write database 't.db'"), std::string::npos) << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_FALSE(fs::exists(dir / "l.csv"));
  EXPECT_EQ(names_in(dir), before);  // nor any temporary file
}

// A database the command created is removed again when the command fails before storing a run
// in it (here the ledger cannot be written to a full device); one that existed is kept as it was.
TEST(OutputFiles, NoNewDatabaseWhenTheCommandFails) {
  struct stat st {};
  ASSERT_EQ(::stat("/dev/full", &st), 0) << "these tests need /dev/full";
  ASSERT_TRUE(S_ISCHR(st.st_mode)) << "/dev/full is not a character device";
  const fs::path dir = fresh_temp_dir();
  write(dir / "s.yaml", kScenario);
  const fs::path devices = fresh_temp_dir();
  const std::string full = ::mknod((devices / "full").c_str(), S_IFCHR | 0666, st.st_rdev) == 0
                               ? (devices / "full").string()
                               : "/dev/full";
  const Result r = run_in(dir, "run s.yaml --db new.db --ledger " + full);
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("No space left on device"), std::string::npos) << r.err;
  EXPECT_EQ(names_in(dir), (std::set<std::string>{"s.yaml"}));  // no new.db, -wal or -shm
  ASSERT_EQ(run_in(dir, "run s.yaml --db old.db").code, 0);
  EXPECT_EQ(run_in(dir, "run s.yaml --db old.db --ledger " + full).code, 2);
  const Result runs = run_in(dir, "runs --db old.db");
  EXPECT_EQ(runs.code, 0) << runs.err;
  EXPECT_NE(runs.out.find("\n   1  "), std::string::npos) << runs.out;
  EXPECT_EQ(runs.out.find("\n   2  "), std::string::npos) << runs.out;
}

// The summary is written before the ledger is renamed into place: when stdout fails, no ledger.
TEST(OutputFiles, NoLedgerWhenStandardOutputFails) {
  struct stat st {};
  ASSERT_EQ(::stat("/dev/full", &st), 0) << "these tests need /dev/full";
  ASSERT_TRUE(S_ISCHR(st.st_mode)) << "/dev/full is not a character device";
  const fs::path dir = fresh_temp_dir();
  write(dir / "s.yaml", kScenario);
  const Result r = run_in(dir, "run s.yaml --ledger l.csv", "/dev/full");
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(r.err, "tinderbox: error: cannot write standard output: No space left on device\n");
  EXPECT_EQ(names_in(dir), (std::set<std::string>{"s.yaml"}));
}

// A result lost on a full disk is not a success.
TEST(OutputFiles, FailedStandardOutputIsAnError) {
  struct stat st {};
  ASSERT_EQ(::stat("/dev/full", &st), 0) << "these tests need /dev/full";
  ASSERT_TRUE(S_ISCHR(st.st_mode)) << "/dev/full is not a character device";
  const fs::path dir = fresh_temp_dir();
  write(dir / "s.yaml", kScenario);
  ASSERT_EQ(run_in(dir, "run s.yaml --db r.db").code, 0);
  for (const char* cmd : {"run s.yaml", "run s.yaml --json", "simulate s.yaml --paths 5 --json",
                          "runs --db r.db", "help", "network"}) {
    const Result r = run_in(dir, cmd, "/dev/full");
    EXPECT_EQ(r.code, 2) << cmd;
    EXPECT_EQ(r.err, "tinderbox: error: cannot write standard output: No space left on device\n")
        << cmd;
  }
}

// A flag's missing value does not take the next flag; '-' is not taken for standard output.
TEST(OutputFiles, AFlagValueIsNotTheNextFlag) {
  const fs::path dir = fresh_temp_dir();
  write(dir / "s.yaml", kScenario);
  Result r = run_in(dir, "run s.yaml --ledger --json");
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(r.err, "<command line>:1:31: error: flag '--ledger' needs a value, got the flag '--json'\n");
  r = run_in(dir, "run s.yaml --ledger -");
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(r.err,
            "<command line>:1:31: error: '--ledger' needs a file name; '-' is not standard output "
            "here (name /dev/stdout)\n");
  EXPECT_EQ(run_in(dir, "report --db --json -o x.html").code, 2);
  EXPECT_EQ(run_in(dir, "run s.yaml --db -").code, 2);
  EXPECT_EQ(names_in(dir), (std::set<std::string>{"s.yaml"}));
  // '=' still names such a file on purpose.
  r = run_in(dir, "run s.yaml --ledger=--json");
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(read_file(dir / "--json"), reference().ledger);
}

}  // namespace
