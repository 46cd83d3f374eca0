// `grm score`: judge canonical items with k samples each and write one JSON line per item.
//
// Output record (one line per input item, in input order):
//   {"id", "scores": [S*_i] | null, "best": i | null, "method": "voting" | "meta_voting", "voters": [j...],
//    "k", "valid_samples", "correct": bool (labelled items only),
//    "samples": [{"order", "principles": [{"name", "weight"}], "analysis": [str|null] (original order),
//                 "scores": [..] (original order) | null, "valid", "invalid_reason"?, "text", "tokens",
//                 "forced_verdict", "finish", "meta"?}],
//    "stats": {"prompt_tokens_evaluated", "prompt_tokens_reused", "tokens_generated", "seconds"}}
// An item that could not be judged is {"id", "error"}; an invalid input line under skip_invalid is
// {"id": <id or "line:N">, "line": N, "error"}.
#pragma once

#include <functional>
#include <optional>

#include "core/response_order.h"
#include "engine/judge_engine.h"
#include "engine/meta_rm.h"
#include "pipeline/item_reader.h"
#include "pipeline/judgment_writer.h"

namespace grm {

struct ScoreOptions {
  int k = 8;                                  // samples per item
  OrderMode orders = OrderMode::kBalanced;
  uint64_t seed = 1;
  std::optional<int> k_meta;                  // with a meta RM; default k/2
  bool skip_invalid = false;                  // write an error record per invalid line instead of failing
  TemplateKind kind = TemplateKind::kDefault;
  bool greedy = false;                        // argmax decoding (k = 1 is always greedy in the CLI)
  bool binary_template_for_correct = false;   // items labelled {"correct": 0|1} use the single 0/1 template
                                              // (SPEC §1: verifiable single responses), the rest `kind`
};

// The template an item is judged with under opts.
TemplateKind judge_kind(const Item& item, const ScoreOptions& opts);

struct ScoreSummary {
  int items_judged = 0;
  int items_failed = 0;       // error records for items that could not be judged
  int lines_invalid = 0;      // error records for invalid input lines (skip_invalid)
  int items_skipped = 0;      // already in the output (resume)
  long samples = 0;
  long valid_samples = 0;
  long prompt_tokens_evaluated = 0;
  long prompt_tokens_reused = 0;
  long tokens_generated = 0;
  double seconds = 0;
};

using ProgressFn = std::function<void(int done, int total)>;

// REQUIRES: input.invalid == 0 unless opts.skip_invalid. meta may be null.
Result<ScoreSummary> run_score(JudgeEngine& engine, MetaRewardModel* meta, const ItemFile& input,
                               JudgmentWriter& out, const ScoreOptions& opts, const ProgressFn& progress = {});

}  // namespace grm
