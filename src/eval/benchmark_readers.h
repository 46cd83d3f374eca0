// Reading the public reward-model benchmarks as their publishers ship them (../shared/BENCHMARKS.md) and
// converting each record to a canonical item.
//
// - rewardbench: a JSON array or JSONL of {prompt, chosen, chosen_model, rejected, rejected_model, subset, id}.
// - ppe-pref: JSON/JSONL of {question_id, model_a, model_b, winner, prompt, response_1, response_2, ...};
//   rows whose winner is not model_a / model_b (ties) are dropped, as the official scoring does.
// - ppe-corr: a file, or a directory of files, one per set (the set is the file's stem), of
//   {question_id, prompt, response_1..response_K, scores[K], sampled_conflict_pairs [[i, j], ...]}: one item
//   per sampled conflict pair (0-based indices, exactly one of the two correct).
// - rmb: the directory tree Pairwise_set/ and BoN_set/ of JSON lists (names with spaces), pairwise
//   {pair_uid, conversation_input, chosen, reject, category_path} and best-of-n
//   {bon_uid, conversation_input, bon_best, loser_list, category_path}.
// - realmistake: JSONL of {input, llm_response, error_label: "error"|"no_error", metadata {id, task_name,
//   llm_response_model}}: one single-response item, label correct = (error_label == "no_error").
// - items: canonical items with labels; the subset is meta.subset when present.
// Parquet files are refused with a message saying how to convert them.
#pragma once

#include <string>

#include "eval/eval_set.h"

namespace grm {

struct ReadOptions {
  bool skip_invalid = false;  // count and report invalid records instead of failing on the first
  int limit = 0;              // keep at most this many items (0 = all): each group (section, quarter, set) keeps a
                              // proportional share, at least one, taken evenly across it
};

// Fails with a message naming the file, record and field at fault (unless skip_invalid), or when the path
// does not look like the named benchmark.
Result<EvalSet> read_benchmark(Benchmark benchmark, const std::string& path, const ReadOptions& opts);

}  // namespace grm
