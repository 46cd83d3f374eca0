// The scalar Bradley-Terry reward model's data (the baseline of SPEC §6): for each labelled item with n >= 2,
// the preference pairs (best response, each other response). A response is read as the meta RM prompt of the
// item reduced to that one response with an empty trajectory, so that a trained scalar RM is a meta RM
// directory (engine/meta_rm.h) and LlamaMetaRewardModel scores a response with the same input:
//   scalar_rm_sample(item, r) -> (one-response item, MetaSample{{0}, ""}).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "core/item.h"
#include "core/status.h"
#include "engine/llama_handles.h"
#include "engine/meta_rm.h"
#include "train/meta_data.h"

namespace grm {

// The item as the scalar RM sees response r: the conversation and that response alone.
Item scalar_rm_item(const Item& item, int response);
inline MetaSample scalar_rm_sample() { return MetaSample{{0}, ""}; }

// The token sequence LlamaMetaRewardModel scores for scalar_rm_item(item, r).
std::vector<int32_t> scalar_rm_tokens(const Item& item, int response, const LlamaModel& vocab);

// Examples 2p (preferred) and 2p + 1 (other) form pair p. Items without a best response are skipped (counted).
struct BtData {
  MetaData pairs;
  int items_used = 0;
  int items_skipped = 0;  // no best response (n = 1 items): BT has no pair to learn from
};
Result<BtData> make_bt_data(const std::vector<Item>& items, const LlamaModel& vocab, int max_len);

}  // namespace grm
