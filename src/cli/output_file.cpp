#include "cli/output_file.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iostream>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace tinderbox {

namespace fs = std::filesystem;

namespace {

// write(2) until all of `data` is out; 0 or the errno of the failure.
int write_all(int fd, const std::string& data) {
  std::size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    done += static_cast<std::size_t>(n);
  }
  return 0;
}

// The standard stream (1 or 2) that `path` names, e.g. /dev/stdout, or stdout redirected to the
// file `path`; -1 if neither. Such an output goes through the stream's own descriptor: opening the
// file again would write from offset 0, over what the stream writes.
int standard_stream(const std::string& path) {
  struct stat p {};
  if (::stat(path.c_str(), &p) != 0) return -1;
  for (int fd : {STDOUT_FILENO, STDERR_FILENO}) {
    struct stat s {};
    if (::fstat(fd, &s) == 0 && s.st_dev == p.st_dev && s.st_ino == p.st_ino) return fd;
  }
  return -1;
}

}  // namespace

fs::path resolved_path(const std::string& path) {
  std::error_code ec;
  fs::path p = fs::absolute(path, ec).lexically_normal();
  // Follow the last component while it is a symlink (40: the kernel's own limit, ELOOP).
  for (int hops = 0; hops < 40; ++hops) {
    const fs::path dir = fs::weakly_canonical(p.parent_path(), ec);
    if (!ec) p = dir / p.filename();
    if (!fs::is_symlink(fs::symlink_status(p, ec))) break;
    const fs::path to = fs::read_symlink(p, ec);
    if (ec) break;
    p = (to.is_absolute() ? to : p.parent_path() / to).lexically_normal();
  }
  return p;
}

bool same_file(const std::string& a, const std::string& b) {
  std::error_code ea, eb;
  const bool a_exists = fs::exists(a, ea), b_exists = fs::exists(b, eb);
  if (a_exists && b_exists) return fs::equivalent(a, b, ea) && !ea;
  return resolved_path(a) == resolved_path(b);
}

OutputFile::OutputFile(std::string path) : path_(std::move(path)) {
  if (path_ == "-") {
    reason_ = "'-' is not standard output here; name /dev/stdout";
    return;
  }
  std::error_code ec;
  const fs::file_status st = fs::status(path_, ec);  // through symlinks
  if (fs::is_directory(st)) {
    reason_ = "it is a folder";
    return;
  }
  if ((fs::exists(st) && !fs::is_regular_file(st)) || standard_stream(path_) >= 0) {
    direct_ = true;  // a device, FIFO or socket, or stdout/stderr: written in place
    return;
  }
  target_ = resolved_path(path_);
  const fs::path dir = target_.parent_path();
  if (!fs::is_directory(dir, ec)) {
    reason_ = "no folder '" + dir.string() + "'";
    return;
  }
  // Probe the folder now, so that a place that takes no new file fails before any work; the
  // probe is this object's own file and is removed at once.
  std::string probe = target_.string() + ".tmp-XXXXXX";
  const int fd = ::mkostemp(probe.data(), O_CLOEXEC);
  if (fd < 0) {
    reason_ = std::strerror(errno);
    return;
  }
  ::close(fd);
  ::unlink(probe.c_str());
}

OutputFile::~OutputFile() {
  if (!tmp_.empty() && !committed_) ::unlink(tmp_.c_str());
}

bool OutputFile::fail(std::string reason) {
  reason_ = std::move(reason);
  if (!tmp_.empty()) ::unlink(tmp_.c_str());
  tmp_.clear();
  return false;
}

bool OutputFile::finish() {
  if (finished_ || !ok()) return ok();
  finished_ = true;
  const std::string data = std::move(buffer_).str();
  if (direct_) {
    if (const int fd = standard_stream(path_); fd >= 0) {
      // Through the stream's own stdio buffer, in order with what the command prints there
      // (a write(2) beside it would go where stdio's idea of the offset does not expect it).
      std::cout.flush();
      std::FILE* f = fd == STDOUT_FILENO ? stdout : stderr;
      errno = 0;
      const bool written = std::fwrite(data.data(), 1, data.size(), f) == data.size() &&
                           std::fflush(f) == 0;
      return written || fail(std::strerror(errno != 0 ? errno : EIO));
    }
    const int fd = ::open(path_.c_str(), O_WRONLY | O_NOCTTY | O_CLOEXEC);
    if (fd < 0) return fail(std::strerror(errno));
    int err = write_all(fd, data);
    if (::close(fd) != 0 && err == 0) err = errno;
    return err == 0 || fail(std::strerror(err));
  }
  // mkostemp creates the file with O_CREAT|O_EXCL: it never opens, follows or truncates
  // anything that was already there.
  std::string tmp = target_.string() + ".tmp-XXXXXX";
  const int fd = ::mkostemp(tmp.data(), O_CLOEXEC);
  if (fd < 0) return fail(std::strerror(errno));
  tmp_ = tmp;
  // mkostemp's mode is 0600; give the file the mode it replaces, or the usual 0666 less the
  // umask (read by setting and restoring it: no other thread is running by now).
  struct stat old {};
  mode_t mode = 0;
  if (::stat(target_.c_str(), &old) == 0) {
    mode = old.st_mode & 07777;
  } else {
    const mode_t mask = ::umask(0);
    ::umask(mask);
    mode = 0666 & ~mask;
  }
  int err = write_all(fd, data);
  if (err == 0 && ::fchmod(fd, mode) != 0) err = errno;
  if (err == 0 && ::fsync(fd) != 0) err = errno;
  if (::close(fd) != 0 && err == 0) err = errno;
  return err == 0 || fail(std::strerror(err));
}

bool OutputFile::commit() {
  if (!finish()) return false;
  if (direct_ || committed_) return true;
  if (::rename(tmp_.c_str(), target_.c_str()) != 0) return fail(std::strerror(errno));
  committed_ = true;
  return true;
}

std::vector<InputFile> scenario_inputs(const LoadResult& loaded) {
  std::vector<InputFile> inputs;
  for (const ScenarioFile& f : loaded.files)
    inputs.push_back({inputs.empty() ? "the scenario file" : "the imported file", f.name});
  return inputs;
}

std::vector<Diagnostic> output_conflicts(const std::vector<OutputFlag>& outputs,
                                         const std::vector<InputFile>& inputs) {
  std::vector<Diagnostic> errors;
  for (std::size_t i = 0; i < outputs.size(); ++i) {
    if (!outputs[i].value) continue;
    const Arg& v = *outputs[i].value;
    const std::string& flag = outputs[i].flag;
    if (v.text == "-") {
      errors.push_back(command_line_error(
          v.col, "'" + flag + "' needs a file name; '-' is not standard output here (name "
                 "/dev/stdout)"));
      continue;
    }
    for (const InputFile& in : inputs) {
      if (in.path.rfind("<builtin>/", 0) == 0 || !same_file(v.text, in.path)) continue;
      errors.push_back(command_line_error(
          v.col, "'" + flag + "' would overwrite " + in.role + " '" + in.path + "'"));
      break;
    }
    for (std::size_t j = 0; j < i; ++j)
      if (outputs[j].value && same_file(v.text, outputs[j].value->text)) {
        // Reported at the one given later on the command line.
        const bool this_later = v.col > outputs[j].value->col;
        const OutputFlag& later = this_later ? outputs[i] : outputs[j];
        const OutputFlag& earlier = this_later ? outputs[j] : outputs[i];
        errors.push_back(command_line_error(
            later.value->col, "'" + later.flag + "' and '" + earlier.flag +
                                  "' name the same file '" + later.value->text + "'"));
        break;
      }
  }
  return errors;
}

}  // namespace tinderbox
