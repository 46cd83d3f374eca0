// Evaluating a scalar reward model (the Bradley-Terry baseline, train/bt_data.h) on labelled items: each
// response is scored alone; an item with n >= 2 is correct when its best response scores strictly highest.
// Items without a best response (n = 1, {"correct": 0|1}) are left out: a pairwise-trained scalar has no
// threshold for one response (its bias is arbitrary), so they are counted, not scored.
#pragma once

#include <nlohmann/json.hpp>

#include "core/status.h"
#include "engine/meta_rm.h"
#include "eval/eval_set.h"
#include "eval/metrics.h"

namespace grm {

struct ScalarEval {
  BenchmarkScore score;  // accuracy over the scored items, by subset (family), 95% intervals
  int items_scored = 0;
  int items_left_out = 0;
  std::vector<nlohmann::json> per_item;  // {"id", "subset", "scores", "best", "correct"}
};

Result<ScalarEval> evaluate_scalar_rm(MetaRewardModel& rm, const EvalSet& set, const std::function<void(int, int)>& progress = {});

nlohmann::json to_json(const ScalarEval& e);

}  // namespace grm
