// Meta RM training data: sampled judgments labelled by whether they are correct.
//
// One JSON object per line: the judged item's fields (train/judge_record.h: "item", "order", "template"),
// "trajectory": the judgment's text, and optionally "label": 1 | 0 (or true | false). Without a label, the
// correctness rule of SPEC §2 decides it from the trajectory's scores and the item's own label (an
// unparseable trajectory is 0). The trajectory's margin (train/meta_pairs.h, --objective margin) comes from the
// item's own label whenever it has one.
// The model's input is the meta RM prompt (templates/meta_rm.txt) with BOS,
// exactly as engine/meta_rm.h scores it.
#pragma once

#include <string>
#include <vector>

#include "core/status.h"
#include "engine/llama_handles.h"

namespace grm {

struct MetaExample {
  std::vector<int32_t> tokens;
  float label = 0;  // 1 = the judgment is correct
  int line = 0;
  std::string item_key;  // the judged item as canonical JSON: within-item pairs (train/meta_pairs.h) group by it
  // How far the judgment puts the true best ahead (core/rules.h judgment_margin) when the item carries its own
  // label (kUnparseableMargin for an unparseable trajectory), whatever the record's "label" says; else +1 / -1
  // from that "label".
  int margin = 0;
};

// Below every parseable judgment's margin (scores are 0..10): an unparseable judgment never votes.
inline constexpr int kUnparseableMargin = -100;

struct MetaData {
  std::vector<MetaExample> examples;
  std::vector<std::string> errors;  // "file:line: why" for records that were rejected
};

// max_len: longest input the trainer takes (the context). Longer records are errors naming their line.
Result<MetaData> read_meta_data(const std::string& path, const LlamaModel& vocab, int max_len);

}  // namespace grm
