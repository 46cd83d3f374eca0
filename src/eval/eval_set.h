// A benchmark converted to canonical items, with what its official scoring needs.
#pragma once

#include <string>
#include <vector>

#include "core/item.h"
#include "core/status.h"

namespace grm {

enum class Benchmark { kRewardBench, kPpePref, kPpeCorr, kRmb, kRealMistake, kItems };

// "rewardbench" | "ppe-pref" | "ppe-corr" | "rmb" | "realmistake" | "items".
Result<Benchmark> benchmark_from_name(const std::string& name);
const char* benchmark_name(Benchmark b);

struct EvalItem {
  Item item;           // canonical; every item has a label
  std::string subset;  // the finest grouping the benchmark reports ("alpacaeval-easy", "Pairwise_set/Helpfulness/Chat/...")
  std::string group;   // the grouping its official score averages over (RewardBench section, RMB quarter,
                       // PPE-Corr set, ReaLMistake task x model file); "" when the benchmark has one group
  std::string source;  // file and record, for messages ("rmb/Pairwise_set/.../S6.json[12]")
};

struct EvalSet {
  Benchmark benchmark;
  std::vector<EvalItem> items;
  int skipped = 0;                    // records dropped by the benchmark's own rules (PPE ties)
  int invalid = 0;                    // records skipped as invalid (skip_invalid only)
  std::vector<std::string> problems;  // messages for the invalid records, "file[record]: field ...: why"
};

}  // namespace grm
