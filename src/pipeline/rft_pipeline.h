// Rejective fine-tuning data (SPEC §3.1): sample N_RFT judgments per labelled item at the engine's temperature,
// keep the correct ones (correctness rule, core/rules.h), and drop the items whose N_RFT samples are all
// correct ("too easy"). Each kept item with a labelled best response also gets one hinted sample (the hint
// line names the best response), kept when correct. Kept samples become training records in the judgment
// record format of `grm train sft` / `grm train meta` (train/judge_record.h):
//   {"item", "order", "template", "trajectory", "hinted": bool}
// The record's prompt is the ordinary one: a hinted trajectory is trained without its hint, which is how
// hinting helps (the model learns to reach the right verdict unaided). Samples are in random response orders.
// The labelled output (meta RM data, SPEC 4) is every non-hinted sample of every item, with "label": 1 | 0 by the
// rule (an unparseable sample is 0), no item dropped: the same samples the RFT records are chosen from, so one
// sampling pass yields both.
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
};

// Where the records go; either may be null (no RFT records: no hinted pass either).
struct RftOutputs {
  std::vector<nlohmann::json>* rft = nullptr;       // kept correct samples, then the item's hinted keeper
  std::vector<nlohmann::json>* labelled = nullptr;  // every non-hinted sample, with "label"
};

struct RftSummary {
  int items = 0;
  int items_all_correct = 0;  // dropped
  int items_none_correct = 0;  // among the non-hinted samples
  long samples = 0, correct = 0, valid = 0;
  long hinted_samples = 0, hinted_correct = 0;
  double seconds = 0;
};

// Appends the records (complete JSON objects) in item order: for RFT the item's non-hinted keepers, then its
// hinted one; labelled ones in sample order.
Result<RftSummary> build_rft_data(JudgeEngine& engine, const std::vector<Item>& items, const RftOptions& opts,
                                  const RftOutputs& out,
                                  const std::function<void(int done, int total)>& progress = {});

}  // namespace grm
