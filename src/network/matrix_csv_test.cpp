// The CSV reader of `network`: both matrix forms, vectors, the CSV details users meet (quotes,
// CRLF, byte-order marks, blank lines), and files too big to hold as one string.
#include "network/matrix_csv.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "../../tests/support.h"

namespace tinderbox::network {
namespace {

MatrixFile matrix(const std::string& text, MatrixKind kind = MatrixKind::kLiabilities) {
  std::istringstream in(text);
  return read_matrix_csv(in, "m.csv", kind);
}

VectorFile vector(const std::string& text, const std::vector<std::string>& names) {
  std::istringstream in(text);
  return read_vector_csv(in, "v.csv", names);
}

std::vector<std::string> messages(const std::vector<Diagnostic>& errors) {
  std::vector<std::string> out;
  for (const auto& d : errors) out.push_back(d.str());
  return out;
}

TEST(NetMatrixCsv, DenseAndEdgeListGiveTheSameMatrix) {
  const MatrixFile dense = matrix(",A,B,C\nA,0,10,0\nB,0,0,8\nC,4,0,0\n");
  const MatrixFile edges = matrix("from,to,amount\nA,B,10\nB,C,8\nC,A,4\n");
  ASSERT_TRUE(dense.matrix) << messages(dense.errors)[0];
  ASSERT_TRUE(edges.matrix);
  for (const MatrixFile* m : {&dense, &edges}) {
    EXPECT_EQ(m->matrix->names, (std::vector<std::string>{"A", "B", "C"}));
    EXPECT_EQ(m->matrix->row_start, (std::vector<int>{0, 1, 2, 3}));
    EXPECT_EQ(m->matrix->col, (std::vector<int>{1, 2, 0}));
    EXPECT_EQ(m->matrix->value, (std::vector<double>{10, 8, 4}));
  }
}

TEST(NetMatrixCsv, DenseRowsMayComeInAnyOrder) {
  const MatrixFile m = matrix("name,a,b\nb,3,0\na,0,2.5e1\n");
  ASSERT_TRUE(m.matrix);
  EXPECT_EQ(m.matrix->col, (std::vector<int>{1, 0}));
  EXPECT_EQ(m.matrix->value, (std::vector<double>{25, 3}));
}

TEST(NetMatrixCsv, QuotesCrlfBomAndBlankLines) {
  const MatrixFile m = matrix(
      "\xEF\xBB\xBF"
      "from,to,amount\r\n\r\n\"Bank, A\",\" b \" , 1.5 \r\n\n");
  ASSERT_TRUE(m.matrix) << messages(m.errors)[0];
  EXPECT_EQ(m.matrix->names, (std::vector<std::string>{"Bank, A", " b "}));
  EXPECT_EQ(m.matrix->value, (std::vector<double>{1.5}));
  const MatrixFile q = matrix("from,to,amount\n\"say \"\"hi\"\"\",b,1\n");
  ASSERT_TRUE(q.matrix);
  EXPECT_EQ(q.matrix->names[0], "say \"hi\"");
}

TEST(NetMatrixCsv, ZeroAmountsAreNoObligationButNameTheirNodes) {
  const MatrixFile m = matrix("from,to,amount\na,b,0\nb,c,2\n");
  ASSERT_TRUE(m.matrix);
  EXPECT_EQ(m.matrix->names.size(), 3u);
  EXPECT_EQ(m.matrix->value, (std::vector<double>{2}));
}

TEST(NetMatrixCsv, VectorsFillMissingNodesWithZeroAndAcceptAHeader) {
  const VectorFile v = vector("name,value\nc,3\na,1.25\n", {"a", "b", "c"});
  ASSERT_TRUE(v.values);
  EXPECT_EQ(*v.values, (std::vector<double>{1.25, 0, 3}));
  const VectorFile only_header = vector("name,value\n", {"a"});
  ASSERT_TRUE(only_header.values);
  EXPECT_EQ(*only_header.values, (std::vector<double>{0}));
}

TEST(NetMatrixCsv, MissingFilesAndFoldersAreInputErrors) {
  const MatrixFile m = read_matrix_csv("/no/such/l.csv", MatrixKind::kLiabilities);
  EXPECT_EQ(messages(m.errors),
            (std::vector<std::string>{
                "/no/such/l.csv:1:1: error: cannot read file: No such file or directory"}));
  const VectorFile v = read_vector_csv("/tmp", {"a"});
  EXPECT_EQ(messages(v.errors),
            (std::vector<std::string>{"/tmp:1:1: error: cannot read file: Is a directory"}));
}

// A large edge list streams: 1.2 million obligations (about 30 MB) read line by line, and an
// error on the very last line is reported at its line number.
TEST(NetMatrixCsv, AHugeEdgeListStreams) {
  const std::filesystem::path dir = test_support::fresh_temp_dir();
  const std::filesystem::path file = dir / "big.csv";
  constexpr int kLines = 1200000;
  {
    std::ofstream out(file);
    out << "from,to,amount\n";
    for (int i = 0; i < kLines; ++i) out << 'n' << i % 5000 << ",m" << i / 5000 << ",1\n";
    out << "x,y,oops\n";
  }
  const MatrixFile m = read_matrix_csv(file.string(), MatrixKind::kLiabilities);
  EXPECT_EQ(messages(m.errors),
            (std::vector<std::string>{file.string() + ":" + std::to_string(kLines + 2) +
                                      ":5: error: expected a number, got 'oops'"}));
  std::filesystem::remove_all(dir);
}

TEST(NetMatrixCsv, ALineOfMoreThan16MiBIsNotARow) {
  const std::string text = "from,to,amount\n" + std::string(17u << 20, 'a') + "\n";
  const MatrixFile m = matrix(text);
  EXPECT_EQ(messages(m.errors),
            (std::vector<std::string>{
                "m.csv:2:1: error: line longer than 16 MiB; this is not a CSV file of rows"}));
}

TEST(NetMatrixCsv, ToLiabilitiesKeepsTheRows) {
  const MatrixFile m = matrix("from,to,amount\na,b,2\nb,a,1\n");
  const Liabilities L = to_liabilities(*m.matrix, {0.5, 0});
  EXPECT_EQ(L.nodes, 2);
  EXPECT_EQ(L.creditor, (std::vector<int>{1, 0}));
  EXPECT_EQ(L.external, (std::vector<double>{0.5, 0}));
  const Exposures X = to_exposures(*m.matrix);
  EXPECT_EQ(X.counterparty, (std::vector<int>{1, 0}));
}

}  // namespace
}  // namespace tinderbox::network
