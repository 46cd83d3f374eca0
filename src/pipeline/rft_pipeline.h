// Rejective fine-tuning data (SPEC §3.1): sample N_RFT judgments per labelled item at the engine's temperature,
// keep the correct ones (correctness rule, core/rules.h), and drop the items whose N_RFT samples are all
// correct ("too easy"). Each kept item with a labelled best response also gets one hinted sample (the hint
// line names the best response), kept when correct. Kept samples become training records in the judgment
// record format of `grm train sft` / `grm train meta` (train/judge_record.h):
//   {"item", "order", "template", "trajectory", "hinted": bool}
// The record's prompt is the ordinary one: a hinted trajectory is trained without its hint, which is how
// hinting helps (the model learns to reach the right verdict unaided). Samples are in random response orders.
// keep_all (meta RM data): every non-hinted sample of every item is kept, with "label": 1 | 0 by the rule
// (an unparseable sample is 0), and no item is dropped.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <vector>

#include "core/item.h"
#include "core/prompt.h"
#include "core/status.h"
#include "engine/judge_engine.h"

namespace grm {

struct RftOptions {
  int samples = 3;      // N_RFT
  bool hinted = true;   // one hinted sample per kept item that has a best response
  uint64_t seed = 1;
  TemplateKind family = TemplateKind::kDefault;  // items labelled {"correct": 0|1} use its 0/1 member
  bool keep_all = false;
};

struct RftSummary {
  int items = 0;
  int items_all_correct = 0;  // dropped
  int items_none_correct = 0;  // among the non-hinted samples
  long samples = 0, correct = 0, valid = 0;
  long hinted_samples = 0, hinted_correct = 0;
  long records = 0;
  double seconds = 0;
};

// Returns the records (complete JSON objects) in item order: the item's non-hinted keepers, then its hinted one.
Result<RftSummary> build_rft_data(JudgeEngine& engine, const std::vector<Item>& items, const RftOptions& opts,
                                  std::vector<nlohmann::json>* records,
                                  const std::function<void(int done, int total)>& progress = {});

}  // namespace grm
