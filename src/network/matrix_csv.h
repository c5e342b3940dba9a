// The CSV files of `tinderbox network` (SPEC §5): matrices of obligations or exposures and
// vectors of per-node values, read as a stream, every problem reported as FILE:LINE:COL.
//
// A matrix is either dense — a header row of node names (its first cell is a corner label and is
// ignored), then one row per node, first cell the node's name, in any order — or an edge list with
// the header `from,to,amount`, one obligation or exposure per line (nodes in order of first
// appearance). A vector is `name,value` rows, optionally under the header `name,value`; a node it
// does not list has 0. Values are non-negative finite decimals; cells may be quoted ("a,b") and
// are trimmed of spaces; blank lines are skipped; a UTF-8 byte-order mark is ignored.
#pragma once

#include <istream>
#include <optional>
#include <string>
#include <vector>

#include "network/clearing.h"
#include "network/debtrank.h"
#include "scenario/loader.h"

namespace tinderbox::network {

// What the matrix holds: only the wording of messages differs.
enum class MatrixKind { kLiabilities, kExposures };

struct NamedMatrix {
  std::vector<std::string> names;
  std::vector<int> row_start;  // compressed rows over `names`, columns ascending, no zeros
  std::vector<int> col;
  std::vector<double> value;
};

struct MatrixFile {
  std::optional<NamedMatrix> matrix;  // set only when errors is empty
  std::vector<Diagnostic> errors;
};

struct VectorFile {
  std::optional<std::vector<double>> values;  // one per node name; set only when errors is empty
  std::vector<Diagnostic> errors;
};

// `display` is what diagnostics call the file.
MatrixFile read_matrix_csv(const std::string& path, MatrixKind kind);
MatrixFile read_matrix_csv(std::istream& in, const std::string& display, MatrixKind kind);
VectorFile read_vector_csv(const std::string& path, const std::vector<std::string>& names);
VectorFile read_vector_csv(std::istream& in, const std::string& display,
                           const std::vector<std::string>& names);

Liabilities to_liabilities(const NamedMatrix& m, std::vector<double> external = {});
Exposures to_exposures(const NamedMatrix& m);

}  // namespace tinderbox::network
