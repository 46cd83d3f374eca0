// `grm eval`: sample a pool of k_max judgments per benchmark item once (cached on disk, resumable), then
// derive greedy, Voting@k and MetaRM@k for every k from it, score like the benchmarks' own tools, and
// report (eval/report.h).
//
// Cache: REPORT/cache/<benchmark>/ holds pool-k<K>.jsonl (grm score records), greedy.jsonl and
// meta-<key>-k<K>.jsonl (meta scores of the pool's samples), next to settings.json, which records what the
// samples depend on (model, temperature, seed, orders, template, max tokens). A run with the same settings
// reuses them: an interrupted eval resumes where it stopped, another k list (up to the cached K) or k_meta
// costs no sampling, a new meta RM only costs meta scoring. Different settings are refused with a message
// rather than mixed.
#pragma once

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "core/response_order.h"
#include "engine/judge_engine.h"
#include "engine/meta_rm.h"
#include "eval/report.h"
#include "pipeline/score_pipeline.h"

namespace grm {

struct EvalOptions {
  std::vector<std::pair<Benchmark, std::string>> data;  // (benchmark, path)
  std::vector<int> ks = {1, 2, 4, 8, 16, 32};  // pool sizes; empty: no sampled pool (greedy only)
  bool greedy = true;                          // also the greedy judgment (its own pass, cached apart)
  int k_meta = 0;           // 0 = k/2
  int subsets = 8;          // R
  int limit = 0;            // items per benchmark (0 = all)
  uint64_t seed = 1;
  bool skip_invalid = false;
  OrderMode orders = OrderMode::kBalanced;
  TemplateKind kind = TemplateKind::kDefault;  // a family's 1..n member; correctness items use its 0/1 member
  std::string report_dir;
  nlohmann::json sampling_key;  // what the samples depend on; must match the cache's settings.json
  std::string meta_key;         // identifies the meta RM (empty: none)
};

struct EvalProgress {
  std::string stage;  // "rmb: sampling k=32", "rmb: greedy", "rmb: meta RM"
  int done = 0;
  int total = 0;
};
using EvalProgressFn = std::function<void(const EvalProgress&)>;

// meta may be null. The report is also written to opts.report_dir.
Result<EvalReport> run_eval(const EvalOptions& opts, JudgeEngine& engine, MetaRewardModel* meta,
                            const EvalProgressFn& progress = {});

}  // namespace grm
