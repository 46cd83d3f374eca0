// A training run's step log: one JSON object per optimizer step, appended to a file (a resumed run continues
// the same file) and flushed line by line, so that an interrupted run leaves whole lines and a failed write
// stops the run instead of passing silently.
#pragma once

#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "core/status.h"

namespace grm {

class StepLog {
 public:
  // An empty path gives a log that writes nothing.
  static Result<StepLog> open(const std::string& path);
  Status write(const nlohmann::json& line);

 private:
  std::string path_;
  std::unique_ptr<std::ofstream> out_;
};

}  // namespace grm
