// The fields a training record shares whenever it holds a judgment of an item: {"item": <canonical item>,
// "order": [response indices as shown] (default: as given), "template": a template name (core/prompt.h; default: default),
// "trajectory": "<the judgment's text>"}.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/item.h"
#include "core/prompt.h"
#include "core/status.h"

namespace grm {

struct JudgeRecord {
  Item item;
  std::vector<int> order;
  TemplateKind kind = TemplateKind::kDefault;
  std::string trajectory;
};

// Errors name the field at fault.
Result<JudgeRecord> parse_judge_record(const nlohmann::json& j);

// Reads a JSONL training file: calls on_record(j, line) for each object; blank lines are skipped and lines that
// are not JSON objects are added to *errors as "path:line: malformed JSON". on_record returns the reason
// to reject its record, or "" to keep it (rejections are added to *errors as "path:line: reason").
Status read_jsonl_records(const std::string& path, const std::function<std::string(const nlohmann::json&, int)>& on_record,
                          std::vector<std::string>* errors);

}  // namespace grm
