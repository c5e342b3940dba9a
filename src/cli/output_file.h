// An output file written through a temporary file renamed into place, so that no half result is
// ever left behind (docs/cli.md).
#pragma once

#include <filesystem>
#include <fstream>
#include <string>
#include <system_error>

namespace tinderbox {

class OutputFile {
 public:
  explicit OutputFile(std::string path) : path_(std::move(path)), tmp_(path_ + ".tmp") {
    out_.open(tmp_, std::ios::binary | std::ios::trunc);
  }
  ~OutputFile() {
    if (!committed_) std::filesystem::remove(tmp_, ignored_);
  }
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;
  bool ok() const { return out_.good(); }
  std::ostream& stream() { return out_; }
  bool commit() {
    out_.close();
    if (out_.fail()) return false;
    std::filesystem::rename(tmp_, path_, ignored_);
    committed_ = !ignored_;
    return committed_;
  }

 private:
  std::string path_, tmp_;
  std::ofstream out_;
  std::error_code ignored_;
  bool committed_ = false;
};

}  // namespace tinderbox
