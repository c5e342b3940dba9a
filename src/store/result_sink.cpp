#include "store/result_sink.h"

namespace tinderbox::store {

std::int64_t MemorySink::begin_run(const Row& runs) {
  ++run_;
  Row r{run_};
  r.insert(r.end(), runs.begin(), runs.end());
  tables_[static_cast<int>(Table::Runs)].push_back(std::move(r));
  return run_;
}

void MemorySink::row(Table t, const Row& values) {
  Row r{run_};
  r.insert(r.end(), values.begin(), values.end());
  tables_[static_cast<int>(t)].push_back(std::move(r));
}

}  // namespace tinderbox::store
