// Writing one JSON line per item so that an interrupted run never leaves a partial line behind and can be
// resumed.
//
// Each line is written with a single write and flushed before the next item is written. With resume, an
// existing file is scanned for the ids it already holds, and a trailing partial line (from a crash
// mid-write) is cut off first.
#pragma once

#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>
#include <unordered_set>

#include "core/status.h"

namespace grm {

enum class OpenMode {
  kCreate,     // fail if the file exists and is not empty
  kOverwrite,  // replace the file
  kResume,     // keep complete lines, append after them
};

class JudgmentWriter {
 public:
  // path "-" writes standard output (resume then has nothing to skip).
  static Result<std::unique_ptr<JudgmentWriter>> open(const std::string& path, OpenMode mode);
  ~JudgmentWriter();

  // Ids found in the file at open (resume only).
  const std::unordered_set<std::string>& existing_ids() const { return existing_; }

  // Serialises (invalid UTF-8 from a model is replaced, never fatal), writes and flushes one line.
  // Fails with the path and the system's reason (e.g. "No space left on device").
  Status write(const nlohmann::json& record);

  const std::string& path() const { return path_; }

 private:
  JudgmentWriter() = default;
  std::FILE* f_ = nullptr;
  bool owned_ = false;
  std::string path_;
  std::unordered_set<std::string> existing_;
};

}  // namespace grm
