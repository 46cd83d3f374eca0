// The fields a training record shares whenever it names a judged item: {"item": <canonical item>,
// "order": [response indices as shown] (default: as given), "template": "default" | "single" (default: default)}.
#pragma once

#include <nlohmann/json.hpp>
#include <vector>

#include "core/item.h"
#include "core/prompt.h"
#include "core/status.h"

namespace grm {

struct JudgeRecord {
  Item item;
  std::vector<int> order;
  TemplateKind kind = TemplateKind::kDefault;
};

// Errors name the field at fault.
Result<JudgeRecord> parse_judge_record(const nlohmann::json& j);

}  // namespace grm
