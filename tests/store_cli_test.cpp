// `--db`, `tinderbox runs` and `tinderbox report` end to end, and a run killed at any moment of
// its write: the database stays intact and holds the whole run or no trace of it.
#include <fcntl.h>
#include <grp.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "store/sqlite.h"
#include "support.h"

namespace tinderbox {
namespace {

namespace fs = std::filesystem;
using test_support::fresh_temp_dir;
using test_support::run_cli;

std::string q(const fs::path& p) { return "'" + p.string() + "'"; }

TEST(StoreCli, RunSimulateRunsAndReport) {
  const fs::path dir = fresh_temp_dir();
  const fs::path db = dir / "results.db";
  auto r = run_cli("run coreweave-2025 --db " + q(db));
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.err, "tinderbox: stored as run 1 in " + db.string() + "\n");
  EXPECT_NE(r.out.find("coreweave"), std::string::npos);  // the summary as without --db
  r = run_cli("simulate coreweave-2025 --paths 300 --seed 9 --db " + q(db));
  ASSERT_EQ(r.code, 0) << r.err;
  r = run_cli("runs --db " + q(db) + " --csv " + q(dir / "csv"));
  ASSERT_EQ(r.code, 0) << r.err;
  std::istringstream lines(r.out);
  std::string header, one, two, none;
  std::getline(lines, header);
  std::getline(lines, one);
  std::getline(lines, two);
  EXPECT_FALSE(std::getline(lines, none));
  EXPECT_NE(one.find("run "), std::string::npos);
  EXPECT_NE(one.find("CoreWeave 2025 base case"), std::string::npos);
  EXPECT_NE(two.find("simulate"), std::string::npos);
  EXPECT_NE(two.find(" 9 "), std::string::npos);
  EXPECT_NE(two.find(" 300 "), std::string::npos);
  EXPECT_TRUE(fs::exists(dir / "csv" / "ledger.csv"));
  EXPECT_TRUE(fs::exists(dir / "csv" / "contagion.csv"));

  r = run_cli("report --db " + q(db) + " -o " + q(dir / "latest.html"));
  ASSERT_EQ(r.code, 0) << r.err;
  const std::string page = test_support::read_file(dir / "latest.html");
  EXPECT_NE(page.find("\"command\":\"simulate\""), std::string::npos);  // the latest run
  EXPECT_EQ(page.find("src=\"http"), std::string::npos);                  // nothing to fetch
  EXPECT_EQ(page.find("<script src"), std::string::npos);
  EXPECT_FALSE(fs::exists(dir / "latest.html.tmp"));
  r = run_cli("report --db " + q(db) + " 1 2 -o " + q(dir / "two.html"));
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(test_support::read_file(dir / "two.html").find("\"command\":\"run\""), std::string::npos);
}

// `network SCENARIO --db`: the base-case run's network, its contagion as the run's trace says.
TEST(StoreCli, NetworkKeepsTheRunsContagion) {
  const fs::path dir = fresh_temp_dir();
  const fs::path db = dir / "net.db";
  const std::string stress =
      std::string(TINDERBOX_SOURCE_DIR) + "/scenarios/examples/ai-web-stress.yaml";
  auto r = run_cli("network " + q(stress) + " --db " + q(db));
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.err, "tinderbox: stored as run 1 in " + db.string() + "\n");
  r = run_cli("runs --db " + q(db) + " --csv " + q(dir / "csv"));
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("network"), std::string::npos);
  // The run's own trace (`run`, from report/network_report.cpp) lists who failed, in which
  // round (from 1) and why; the stored rows count rounds from 0.
  const auto run = run_cli("run " + q(stress));
  ASSERT_EQ(run.code, 0) << run.err;
  const std::string csv = test_support::read_file(dir / "csv" / "contagion.csv");
  for (const char* want : {"2027-01-31,0,openai,liquidity", "2027-12-31,0,oracle,liquidity",
                           "2027-12-31,2,money_center_banks,insolvency",
                           "2029-02-28,1,coreweave_spv,clearing"}) {
    EXPECT_NE(csv.find(want), std::string::npos) << want << "\n" << csv;
  }
  EXPECT_NE(run.out.find("2027-12-31  round 3   money_center_banks   insolvency"), std::string::npos);
  EXPECT_NE(run.out.find("2029-02-28  round 2   coreweave_spv        clearing"), std::string::npos);
}

TEST(StoreCli, ErrorsArePositionedAndExitTwo) {
  const fs::path dir = fresh_temp_dir();
  const fs::path db = dir / "r.db";
  ASSERT_EQ(run_cli("run coreweave-2025 --db " + q(db)).code, 0);
  // tinderbox report --db X ...: columns count from 1 at "tinderbox".
  auto r = run_cli("report --db /no/such.db -o x.html");
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(r.err, "<command line>:1:23: error: cannot open database '/no/such.db': no such file\n");
  EXPECT_FALSE(fs::exists("/no/such.db"));
  r = run_cli("report --db " + q(db) + " 7 -o " + q(dir / "x.html"));
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(r.err, "<command line>:1:" + std::to_string(24 + db.string().size()) +
                       ": error: no run 7 in '" + db.string() + "'\n");
  r = run_cli("report --db " + q(db) + " 1 1 1 -o " + q(dir / "x.html"));
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("error: a report shows one run, or two side by side"), std::string::npos);
  r = run_cli("report --db " + q(db) + " -o /no/such/dir/x.html");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("error: cannot write '/no/such/dir/x.html'"), std::string::npos);
  r = run_cli("report --db " + q(db));
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("error: report needs '-o FILE.html'"), std::string::npos);
  r = run_cli("runs");
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(r.err, "<command line>:1:16: error: runs needs '--db FILE'\n");
  // A database that cannot be opened: no run is made and nothing printed.
  r = run_cli("run coreweave-2025 --db " + q(dir));
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("error: cannot open database"), std::string::npos);
  r = run_cli("simulate coreweave-2025 --paths 10 --db " + q(dir));
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(r.out, "");
  // A database in a folder that does not exist: the folder is named ("tinderbox run
  // coreweave-2025 --db " puts the path at column 35).
  r = run_cli("run coreweave-2025 --db /no/such/dir/x.db");
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err,
            "<command line>:1:35: error: cannot open database '/no/such/dir/x.db': no folder "
            "'/no/such/dir'\n");
  // A bad scenario does not create the database.
  r = run_cli("run no-such-scenario --db " + q(dir / "new.db"));
  EXPECT_EQ(r.code, 2);
  EXPECT_FALSE(fs::exists(dir / "new.db"));
}

// ---------------------------------------------------------------- the report's data (h-wall)

// The data a report embeds (`<script id="tinderbox-data">`), parsed.
nlohmann::json embedded_data(const fs::path& html) {
  const std::string page = test_support::read_file(html);
  const std::string open = "<script id=\"tinderbox-data\" type=\"application/json\">";
  const auto from = page.find(open);
  EXPECT_NE(from, std::string::npos);
  const auto begin = from + open.size();
  return nlohmann::json::parse(page.substr(begin, page.find("</script>", begin) - begin));
}

// `--ledger` CSV rows (date,entity,instrument,counterparty,kind,amount; no field has a comma).
std::vector<std::vector<std::string>> ledger_rows(const fs::path& csv) {
  std::istringstream in(test_support::read_file(csv));
  std::vector<std::vector<std::string>> out;
  std::string line;
  std::getline(in, line);  // the header
  while (std::getline(in, line)) {
    std::vector<std::string> f;
    std::istringstream fields(line);
    for (std::string x; std::getline(fields, x, ',');) f.push_back(x);
    out.push_back(f);
  }
  return out;
}

// The maturity wall counts what borrowers repay, not what lender entities receive. In
// ai-web-stress the lenders are modelled entities and book each repayment of theirs as a +
// receipt on the borrower's debt; the wall once summed both sides (2026: 7,302.9 repaid less
// 5,599.5 received) and listed lenders with negative bars.
TEST(StoreCliReportData, TheMaturityWallIsWhatBorrowersRepay) {
  const fs::path dir = fresh_temp_dir();
  const fs::path db = dir / "s.db";
  const std::string stress =
      std::string(TINDERBOX_SOURCE_DIR) + "/scenarios/examples/ai-web-stress.yaml";
  auto r = run_cli("run " + q(stress) + " --db " + q(db) + " --ledger " + q(dir / "l.csv"));
  ASSERT_EQ(r.code, 0) << r.err;
  r = run_cli("report --db " + q(db) + " -o " + q(dir / "s.html"));
  ASSERT_EQ(r.code, 0) << r.err;
  const nlohmann::json run = embedded_data(dir / "s.html")["runs"][0];
  // From the ledger by another rule than the report's sign: a borrower's rows are those on a debt
  // of its own (debts names each debt's borrower), and none of them is also a lender's.
  std::set<std::pair<std::string, std::string>> own;
  for (const auto& d : run["debts"])
    own.insert({d["entity"].get<std::string>(), d["instrument"].get<std::string>()});
  std::map<std::string, double> by_key, by_year;
  for (const auto& f : ledger_rows(dir / "l.csv")) {
    if (f[4] != "principal" && f[4] != "prepayment") continue;
    if (!own.count({f[1], f[2]})) continue;
    by_key[f[1] + " " + f[2] + " " + f.front().substr(0, 4)] -= std::stod(f[5]);
    by_year[f.front().substr(0, 4)] -= std::stod(f[5]);
  }
  ASSERT_EQ(own.count({"blackstone", "ddtl2"}), 0u);  // a lender of coreweave's, not a borrower
  EXPECT_NEAR(by_year["2026"], 7302.9, 0.05);          // the review's figure
  std::map<std::string, double> wall, wall_years;
  for (const auto& p : run["principal_by_year"]) {
    const double amount = p["amount"];
    EXPECT_GT(amount, 0) << p.dump();
    wall[p["entity"].get<std::string>() + " " + p["instrument"].get<std::string>() + " " +
         p["year"].get<std::string>()] += amount;
    wall_years[p["year"].get<std::string>()] += amount;
  }
  ASSERT_EQ(wall.size(), by_key.size());
  for (const auto& [key, amount] : by_key) EXPECT_NEAR(wall[key], amount, 1e-5) << key;
  EXPECT_NEAR(wall_years["2026"], by_year["2026"], 1e-5);
}

// By hand: a fund lends 100 to a cloud under the cloud's `loan` (bullet, June) and owes 50 to a
// bank under a `loan` of its own (bullet, September). Ids are unique only within an entity, so
// the fund's + receipt row (fund, loan, cloud) names a debt the fund has too: the wall tells the
// two apart by the sign, and shows 100 repaid by the cloud and 50 by the fund.
TEST(StoreCliReportData, ALendersOwnDebtOfTheSameIdIsNotItsReceipt) {
  const fs::path dir = fresh_temp_dir();
  const fs::path yaml = dir / "same-id.yaml";
  std::ofstream(yaml) << R"(tinderbox: 1
name: A fund lends to a cloud and borrows under a debt of the same id
start: 2025-01-01
horizon: 12
entities:
  cloud:
    kind: neocloud
    cash: 200
    debt:
      - {id: loan, type: term_loan, lenders: {fund: 1}, outstanding: 100, rate: {fixed: 0.06},
         pay: month, first_payment: 2025-01-31, maturity: 2025-06-30}
  fund:
    kind: fund
    cash: 20
    debt:
      - {id: loan, type: term_loan, lenders: {bank: 1}, outstanding: 50, rate: {fixed: 0.06},
         pay: month, first_payment: 2025-01-31, maturity: 2025-09-30}
)";
  const fs::path db = dir / "h.db";
  auto r = run_cli("run " + q(yaml) + " --db " + q(db) + " --ledger " + q(dir / "l.csv"));
  ASSERT_EQ(r.code, 0) << r.err;
  // The ledger has the receipt the wall must leave out.
  EXPECT_NE(test_support::read_file(dir / "l.csv").find("2025-06-30,fund,loan,cloud,principal,100.0"),
            std::string::npos);
  r = run_cli("report --db " + q(db) + " -o " + q(dir / "h.html"));
  ASSERT_EQ(r.code, 0) << r.err;
  const nlohmann::json wall = embedded_data(dir / "h.html")["runs"][0]["principal_by_year"];
  ASSERT_EQ(wall.size(), 2u) << wall.dump();
  EXPECT_EQ(wall[0]["entity"], "cloud");
  EXPECT_EQ(wall[0]["year"], "2025");
  EXPECT_NEAR(wall[0]["amount"].get<double>(), 100.0, 1e-9);
  EXPECT_EQ(wall[1]["entity"], "fund");
  EXPECT_EQ(wall[1]["instrument"], "loan");
  EXPECT_NEAR(wall[1]["amount"].get<double>(), 50.0, 1e-9);
}

// The contagion table reads as the cascade: in date order, as the run's own trace lists it
// ("contagion, in order (date, round, entity, cause)"), not by round across dates.
TEST(StoreCliReportData, TheContagionIsInDateOrder) {
  const fs::path dir = fresh_temp_dir();
  const fs::path db = dir / "s.db";
  const std::string stress =
      std::string(TINDERBOX_SOURCE_DIR) + "/scenarios/examples/ai-web-stress.yaml";
  const auto text = run_cli("run " + q(stress) + " --db " + q(db));
  ASSERT_EQ(text.code, 0) << text.err;
  auto r = run_cli("report --db " + q(db) + " -o " + q(dir / "s.html"));
  ASSERT_EQ(r.code, 0) << r.err;
  std::vector<std::string> trace;  // the entities of the run's trace, in its order
  std::istringstream lines(text.out.substr(text.out.find("contagion, in order")));
  std::string line;
  std::getline(lines, line);
  while (std::getline(lines, line) && line.find("  round ") != std::string::npos) {
    std::istringstream words(line);
    std::string date, round, n, entity;
    words >> date >> round >> n >> entity;
    trace.push_back(entity);
  }
  ASSERT_EQ(trace.size(), 5u) << text.out;
  const nlohmann::json data = embedded_data(dir / "s.html");
  std::vector<std::string> table;
  for (const auto& c : data["runs"][0]["contagion"]) table.push_back(c["entity"]);
  EXPECT_EQ(table, trace);  // money_center_banks (2027-12-31) before the 2029-02-28 defaults
}

// The same run twice is most likely a typo for another: an error at the second id, no file.
TEST(StoreCliReportData, TheSameRunTwiceIsAnError) {
  const fs::path dir = fresh_temp_dir();
  const fs::path db = dir / "r.db";
  ASSERT_EQ(run_cli("run coreweave-2025 --db " + q(db)).code, 0);
  // "tinderbox report --db DB 1 1": the second id at column 26 + the path's length.
  for (const char* second : {"1", "01"}) {
    const auto r = run_cli("report --db " + q(db) + " 1 " + second + " -o " + q(dir / "x.html"));
    EXPECT_EQ(r.code, 2);
    EXPECT_EQ(r.out, "");
    EXPECT_EQ(r.err, "<command line>:1:" + std::to_string(26 + db.string().size()) +
                         ": error: run 1 named twice: a report compares two different runs\n");
    EXPECT_FALSE(fs::exists(dir / "x.html"));
    EXPECT_FALSE(fs::exists(dir / "x.html.tmp"));
  }
}

// ---------------------------------------------------------------- killed runs

// Runs the tinderbox binary in `cwd` with `args` (one argument each) as an unprivileged user, so
// that file permissions bite: as root (CI) the child drops to nobody (uid and gid 65534) before
// it starts tinderbox; as anyone else it runs as that user.
test_support::CliResult run_cli_unprivileged(const fs::path& cwd,
                                             const std::vector<std::string>& args) {
  const fs::path out = fresh_temp_dir();
  // Everything the child needs is made before fork(): after it, only async-signal-safe calls.
  const std::string out_file = (out / "out").string(), err_file = (out / "err").string();
  std::vector<char*> argv{const_cast<char*>(TINDERBOX_BINARY)};
  for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  const pid_t pid = fork();
  if (pid == 0) {
    const int o = ::open(out_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int e = ::open(err_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (o < 0 || e < 0 || dup2(o, 1) < 0 || dup2(e, 2) < 0 || chdir(cwd.c_str()) != 0) _exit(126);
    if (geteuid() == 0 && (setgroups(0, nullptr) != 0 || setgid(65534) != 0 || setuid(65534) != 0))
      _exit(126);
    execv(TINDERBOX_BINARY, argv.data());
    _exit(127);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  test_support::CliResult r;
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = test_support::read_file(out / "out");
  r.err = test_support::read_file(out / "err");
  fs::remove_all(out);
  return r;
}

// The store review's D1 and D2, end to end, as a user who may read a results database but not
// write it or its folder (an archive, a colleague's share): `runs` and `report` read it and leave
// nothing beside it; `run --db` says that it may not write, not that the file is no database.
TEST(StoreCli, ReadOnlyDatabaseAndFolder) {
  const fs::path dir = fresh_temp_dir();
  fs::create_directories(dir / "ro");
  fs::create_directories(dir / "rw");
  ASSERT_EQ(run_cli("run coreweave-2025 --db " + q(dir / "ro" / "b.db")).code, 0);
  ASSERT_EQ(run_cli("simulate coreweave-2025 --paths 20 --db " + q(dir / "ro" / "b.db")).code, 0);
  std::ofstream(dir / "ro" / "text.db") << "date,entity\n";
  using fs::perms;
  fs::permissions(dir, perms::owner_all | perms::group_read | perms::group_exec |
                           perms::others_read | perms::others_exec);
  // Read-only to its owner too, so that the test means the same when not run as root.
  fs::permissions(dir / "ro" / "b.db", perms::owner_read | perms::group_read | perms::others_read);
  fs::permissions(dir / "ro" / "text.db", perms::owner_read | perms::group_read | perms::others_read);
  fs::permissions(dir / "ro", perms::owner_read | perms::owner_exec | perms::group_read |
                                  perms::group_exec | perms::others_read | perms::others_exec);
  fs::permissions(dir / "rw", perms::all);
  const auto before = [&] {
    std::set<std::string> names;
    for (const auto& e : fs::directory_iterator(dir / "ro")) names.insert(e.path().filename());
    return names;
  }();
  const std::set<std::string> want_files{"b.db", "text.db"};
  ASSERT_EQ(before, want_files);

  auto r = run_cli_unprivileged(dir, {"runs", "--db", "ro/b.db"});
  // A build folder closed to others, so that nobody cannot start the binary: the store tests
  // (Store.ReadsADatabaseInAFolderItCannotWrite, with ReadOnlyFolder) cover the reader as root.
  if (r.code == 127 && geteuid() == 0) GTEST_SKIP() << "nobody may not run " TINDERBOX_BINARY;
  ASSERT_EQ(r.code, 0) << r.err;
  std::istringstream lines(r.out);
  std::string header, one, two, none;
  std::getline(lines, header);
  std::getline(lines, one);
  std::getline(lines, two);
  EXPECT_FALSE(std::getline(lines, none));
  EXPECT_EQ(one.substr(0, 4), "   1");
  EXPECT_NE(one.find(" run "), std::string::npos);
  EXPECT_EQ(two.substr(0, 4), "   2");
  EXPECT_NE(two.find(" 20 "), std::string::npos);  // the paths of run 2, as stored
  r = run_cli_unprivileged(dir, {"report", "--db", "ro/b.db", "1", "2", "-o", "rw/r.html"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(test_support::read_file(dir / "rw" / "r.html").find("\"command\":\"simulate\""),
            std::string::npos);

  // "tinderbox run coreweave-2025 --db " puts the path at column 35.
  r = run_cli_unprivileged(dir, {"run", "coreweave-2025", "--db", "ro/b.db"});
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, "<command line>:1:35: error: cannot open database 'ro/b.db' for writing: "
                     "permission denied (the file is read-only to this user)\n");
  r = run_cli_unprivileged(dir, {"run", "coreweave-2025", "--db", "ro/new.db"});
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(r.err, "<command line>:1:35: error: cannot open database 'ro/new.db' for writing: "
                   "permission denied (this user cannot create files in the folder 'ro')\n");
  r = run_cli_unprivileged(dir, {"runs", "--db", "ro/text.db"});
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(r.err, "<command line>:1:21: error: cannot open database 'ro/text.db': not a results "
                   "database (database error: file is not a database)\n");
  r = run_cli_unprivileged(dir, {"run", "coreweave-2025", "--db", "ro/text.db"});
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(r.err, "<command line>:1:35: error: cannot open database 'ro/text.db': not a results "
                   "database (database error: file is not a database)\n");
  const auto after = [&] {
    std::set<std::string> names;
    for (const auto& e : fs::directory_iterator(dir / "ro")) names.insert(e.path().filename());
    return names;
  }();
  EXPECT_EQ(after, want_files);  // no -wal, no -shm, no new.db
  fs::permissions(dir / "ro", perms::owner_all);
}

// A long simulate (600 months of coreweave-2025): its transaction outgrows SQLite's page cache,
// so uncommitted pages reach the -wal file before the commit.
fs::path long_scenario(const fs::path& dir) {
  const fs::path p = dir / "long.yaml";
  std::ofstream(p) << "tinderbox: 1\nname: long coreweave\nstart: 2025-01-01\nhorizon: 600\n"
                      "import: [coreweave-2025]\n";
  return p;
}

// Starts `tinderbox simulate SCENARIO --paths 32 --db DB` with the store's test hook set to
// `stop_at` (docs/store.md): the child stops itself (SIGSTOP) at that point of its write.
pid_t start_simulate(const fs::path& scenario, const fs::path& db, const std::string& stop_at) {
  const pid_t pid = fork();
  if (pid == 0) {
    if (!stop_at.empty()) setenv("TINDERBOX_STORE_STOP_AT", stop_at.c_str(), 1);
    freopen("/dev/null", "w", stdout);
    freopen("/dev/null", "w", stderr);
    const std::string s = scenario.string(), d = db.string();
    execl(TINDERBOX_BINARY, TINDERBOX_BINARY, "simulate", s.c_str(), "--paths", "32", "--threads",
          "1", "--db", d.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  return pid;
}

// Waits until the child has stopped itself; false if it exited first.
bool wait_stopped(pid_t pid) {
  int status = 0;
  if (waitpid(pid, &status, WUNTRACED) != pid) return false;
  return WIFSTOPPED(status);
}

void kill_and_reap(pid_t pid) {
  kill(pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
}

struct Counts {
  std::map<std::string, std::int64_t> rows;
  bool operator==(const Counts&) const = default;
};

// Integrity, and each table's row count.
Counts check_database(const fs::path& db) {
  store::Connection c(db.string(), false);  // a writer, as the next run would be: recovers the WAL
  EXPECT_EQ(c.scalar_text("PRAGMA integrity_check"), "ok");
  Counts counts;
  store::Statement s(c.handle(),
                     "SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name");
  while (s.step()) counts.rows[s.text(0)] = c.scalar("SELECT count(*) FROM " + s.text(0));
  return counts;
}

class KilledRun : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fresh_temp_dir();
    scenario_ = long_scenario(dir_);
    // The reference: the same run, not killed, in a database of its own.
    const pid_t pid = start_simulate(scenario_, dir_ / "whole.db", "");
    int status = 0;
    waitpid(pid, &status, 0);
    ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    whole_ = check_database(dir_ / "whole.db");
    ASSERT_EQ(whole_.rows["runs"], 1);
    ASSERT_GT(whole_.rows["series"], 50000);
  }
  // A database that already holds one whole run, to which the killed run was to be added: a
  // copy of the reference, whose last connection has closed (so it has no -wal file and the copy
  // is the whole database). Copied rather than run again: a run is the test's costly step.
  fs::path with_one_run(const std::string& name) {
    const fs::path db = dir_ / name;
    EXPECT_FALSE(fs::exists(dir_ / "whole.db-wal"));
    fs::copy_file(dir_ / "whole.db", db);
    return db;
  }
  fs::path dir_, scenario_;
  Counts whole_;
};

TEST_F(KilledRun, AtEachPointLeavesNoTraceAndAnIntactDatabase) {
  const std::vector<std::string> points = {"begin", "rows:1", "rows:40000", "commit"};
  for (std::size_t i = 0; i < points.size(); ++i) {
    SCOPED_TRACE(points[i]);
    const fs::path db = with_one_run("at_" + std::to_string(i) + ".db");
    const std::string wal = db.string() + "-wal";
    const std::string wal_before = test_support::read_file(wal);
    const pid_t pid = start_simulate(scenario_, db, points[i]);
    ASSERT_TRUE(wait_stopped(pid));
    // Mid-transaction, uncommitted pages are already in the -wal file (the cache spilled).
    if (points[i] == "rows:40000") {
      EXPECT_NE(test_support::read_file(wal), wal_before);
    }
    kill_and_reap(pid);
    EXPECT_EQ(check_database(db), whole_);  // the earlier run, and nothing of the killed one
  }
}

// Killed at no chosen moment: at once, or as soon as the -wal file grows (the write has begun). Whatever the moment, the database holds the earlier run and all or none of this one.
TEST_F(KilledRun, AtAnyMomentIsAllOrNothing) {
  for (int attempt = 0; attempt < 2; ++attempt) {
    const fs::path db = with_one_run("any_" + std::to_string(attempt) + ".db");
    // The last connection to close removed the -wal file: it comes back, empty, when the run
    // opens the database, and grows when the run's first pages are written.
    const fs::path wal = db.string() + "-wal";
    const auto size = [&] {
      std::error_code ec;
      const auto n = fs::file_size(wal, ec);
      return ec ? 0 : n;
    };
    const pid_t pid = start_simulate(scenario_, db, "");
    int status = 0;
    if (attempt == 1)
      while (size() == 0 && waitpid(pid, &status, WNOHANG) == 0) usleep(200);
    kill_and_reap(pid);
    const Counts after = check_database(db);
    Counts two = whole_;
    for (auto& [table, n] : two.rows) n *= 2;
    EXPECT_TRUE(after == whole_ || after == two) << "attempt " << attempt << ": runs "
                                                 << after.rows.at("runs");
  }
}

}  // namespace
}  // namespace tinderbox
