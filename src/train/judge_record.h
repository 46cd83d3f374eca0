// The fields a training record shares whenever it holds a judgment of an item: {"item": <canonical item>,
// "order": [response indices as shown] (default: as given), "template": a template name (core/prompt.h; default: default),
// "trajectory": "<the judgment's text>"}.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/item.h"
#include "core/jsonl_records.h"
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

}  // namespace grm
