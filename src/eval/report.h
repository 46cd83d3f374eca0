// The results of `grm eval` and how they are written: report.json (every number), summary.md (tables laid
// out like the paper's), items.jsonl (per item, enough to recompute every number), and plots of accuracy
// against k (PNG and SVG, drawn by gnuplot).
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/status.h"
#include "eval/diagnostics.h"
#include "eval/eval_set.h"
#include "eval/metrics.h"
#include "eval/scaling.h"

namespace grm {

struct BenchmarkResult {
  EvalSet set;
  std::vector<ItemPool> pools;                           // per item
  std::vector<std::vector<std::vector<int>>> orders;     // per item, per pool sample
  int items_without_samples = 0;                         // could not be judged (e.g. longer than the context)
  std::vector<MethodAtK> methods;
  std::map<std::string, std::vector<ItemOutcome>> outcomes;  // method name -> per item
  std::map<std::string, BenchmarkScore> scores;              // method name -> score
  Diagnostics diagnostics;
};

struct EvalReport {
  nlohmann::json settings;  // model, meta RM, k list, R, seed, temperature, ...
  std::vector<BenchmarkResult> benchmarks;
  std::vector<std::string> warnings;
};

// Paper's Overall: the mean of RewardBench, PPE-Pref, PPE-Corr and RMB for a method, when all four ran.
std::optional<double> overall_score(const EvalReport& report, const std::string& method);

// Writes everything into `dir` (created if needed). Plots need gnuplot on PATH; without it the .gp and .dat
// files are written and a warning says how to draw them.
Status write_report(const EvalReport& report, const std::string& dir, std::vector<std::string>* warnings);

}  // namespace grm
