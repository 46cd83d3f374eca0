#include "train/step_log.h"

#include <fmt/format.h>

namespace grm {

Result<StepLog> StepLog::open(const std::string& path) {
  StepLog log;
  if (path.empty()) return log;
  log.path_ = path;
  log.out_ = std::make_unique<std::ofstream>(path, std::ios::app);
  if (!*log.out_) return Error{fmt::format("cannot open log '{}'", path)};
  return log;
}

Status StepLog::write(const nlohmann::json& line) {
  if (!out_) return Ok{};
  *out_ << line.dump() + "\n" << std::flush;
  if (!*out_) return Error{fmt::format("writing the log '{}' failed (disk full?)", path_)};
  return Ok{};
}

}  // namespace grm
