// Reading a JSONL file of records one JSON object a line, with errors that name the file and line.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/status.h"

namespace grm {

// Calls on_record(j, line) for each object; blank lines are skipped and lines that are not JSON objects are added
// to *errors as "path:line: malformed JSON". on_record returns the reason to reject its record, or "" to keep it
// (rejections are added to *errors as "path:line: reason"). Fails only when the file cannot be opened; `what`
// names the file's role in that message ("cannot open training data 'x'").
Status read_jsonl_records(const std::string& path, const std::function<std::string(const nlohmann::json&, int)>& on_record,
                          std::vector<std::string>* errors, const std::string& what = "training data");

}  // namespace grm
