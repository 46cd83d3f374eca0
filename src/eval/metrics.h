// Official scoring of the reward-model benchmarks (../shared/BENCHMARKS.md) and confidence intervals.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "eval/eval_set.h"

namespace grm {

struct Interval {
  double lo = 0, hi = 0;
};

// Wilson score interval (95%) for `successes` out of `n`.
Interval wilson_interval(double successes, int n);

// ROC-AUC with `positive[i]` the class of item i and `score[i]` its ranking score (higher = more likely
// positive); tied scores count one half (Mann-Whitney with average ranks). 0.5 when a class is empty.
double roc_auc(const std::vector<double>& score, const std::vector<bool>& positive);

// Percentile bootstrap (95%) of `statistic` over resamples of the indices 0..n-1 (B resamples, seeded).
Interval bootstrap_interval(int n, const std::function<double(const std::vector<int>&)>& statistic, int resamples,
                            uint64_t seed);

struct Score {
  double value = 0;
  Interval ci;
  int n = 0;  // items behind it
};

struct BenchmarkScore {
  Score main;                           // the benchmark's headline number (accuracy, or ROC-AUC for ReaLMistake)
  std::map<std::string, Score> groups;  // RewardBench sections, RMB quarters, PPE-Corr sets, ReaLMistake files
  std::map<std::string, Score> subsets;
  double files_mean = 0;                // ReaLMistake: mean AUC over its task x model files
};

// correct[i]: item i's accuracy in [0, 1] (a mean over random k-subsets); score[i]: its ranking score
// (ReaLMistake only). Official rules: RewardBench sections weight subsets by their published example counts
// (math-prm as 984) and the headline is the mean of the sections present; PPE-Corr and RMB average their
// groups; ReaLMistake is ROC-AUC with "no_error" positive.
BenchmarkScore score_benchmark(const EvalSet& set, const std::vector<double>& correct, const std::vector<double>& score,
                               int resamples = 500, uint64_t seed = 1);

// The published RewardBench example count of a subset (its section weight), 0 when unknown.
double rewardbench_subset_weight(const std::string& subset);

}  // namespace grm
