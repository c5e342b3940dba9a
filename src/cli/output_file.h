// The files a command writes (docs/cli.md, "Output files"). Nothing named on the command line is
// ever half written or replaced by accident:
// - the contents are kept in memory until the command has done all its work, then written to a
//   temporary file with a unique name beside the target, created exclusively (so a symlink or a
//   file planted under a guessable name can neither redirect the write nor be removed), and
//   renamed into place last;
// - a symlink is written through: its resolved target is replaced and the link stays;
// - a device, FIFO or socket (and anything under /dev or /proc, such as /dev/stdout) is written
//   directly, never replaced; a write error there is reported like any other;
// - an output that names an input or another output of the same command is refused before any
//   work (output_conflicts).
#pragma once

#include <filesystem>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "cli/args.h"

namespace tinderbox {

class OutputFile {
 public:
  // Checks that `path` can be written (its folder exists and takes a new file; it is not a
  // folder); creates nothing that stays. ok() is false, with reason(), when it cannot.
  explicit OutputFile(std::string path);
  ~OutputFile();  // removes the temporary file when not committed
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;

  bool ok() const { return reason_.empty(); }
  const std::string& path() const { return path_; }  // as given
  // Why the file cannot be (or could not be) written, for "cannot write 'FILE': REASON".
  const std::string& reason() const { return reason_; }
  // The contents, kept in memory until finish().
  std::ostream& stream() { return buffer_; }
  // Writes the contents: to a fresh temporary file (flushed to disk), or straight to a device.
  // False, with reason(), on any error; the temporary file is then removed.
  bool finish();
  // finish() if not yet done, then renames the temporary file into place.
  bool commit();

 private:
  bool fail(std::string reason);
  std::string path_;               // as given
  std::filesystem::path target_;   // what is replaced: the path with its symlinks resolved
  std::string tmp_;                // the temporary file this object created, if any
  std::ostringstream buffer_;
  std::string reason_;
  bool direct_ = false;            // written in place: a device, FIFO, socket, /dev/..., /proc/...
  bool finished_ = false, committed_ = false;
};

// The path with its symlinks resolved, also when the last link dangles (its target is then what
// a write creates), made absolute and normal.
std::filesystem::path resolved_path(const std::string& path);

// Whether two paths name the same file: the same inode when both exist, else the same resolved
// path.
bool same_file(const std::string& a, const std::string& b);

struct OutputFlag {
  std::string flag;  // "--ledger"
  const Arg* value;  // its value on the command line; null when the flag is not given
};
struct InputFile {
  std::string role;  // "the scenario file", "the database"
  std::string path;
};

// The files a scenario was read from, as inputs no output may overwrite.
std::vector<InputFile> scenario_inputs(const LoadResult& loaded);

// Errors at an output flag's value (exit 2, before any work): '-' (standard output is
// /dev/stdout), and an output naming an input or an earlier output of the same command.
std::vector<Diagnostic> output_conflicts(const std::vector<OutputFlag>& outputs,
                                         const std::vector<InputFile>& inputs);

}  // namespace tinderbox
