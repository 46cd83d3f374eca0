// What users of judges ask beyond accuracy: position bias, parse failures, ties, length bias.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <vector>

#include "eval/eval_set.h"
#include "eval/meta_ranking.h"
#include "eval/scaling.h"

namespace grm {

struct PositionAccuracy {
  int position = 0;  // 0-based position at which the sample was shown the true best response
  long samples = 0;
  double accuracy = 0;  // fraction of those samples that ranked it strictly first
};

struct Diagnostics {
  long samples = 0;
  double parse_failure_rate = 0;          // invalid samples / samples
  double tie_rate = 0;                    // valid samples (n >= 2) whose top score is shared
  std::vector<PositionAccuracy> by_position;
  double score_length_correlation = 0;    // Pearson r of a response's score with its length in characters
  long score_length_pairs = 0;
  std::optional<MetaRanking> meta_ranking;  // when the pool's judgments carry meta scores (eval/meta_ranking.h)
};

// orders[i][j]: the response order of sample j of item i (as in pools[i].samples).
Diagnostics compute_diagnostics(const EvalSet& set, const std::vector<ItemPool>& pools,
                                const std::vector<std::vector<std::vector<int>>>& orders);

nlohmann::json to_json(const Diagnostics& d);

}  // namespace grm
