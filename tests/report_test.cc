#include "eval/report.h"

#include <gtest/gtest.h>

namespace grm {
namespace {

BenchmarkResult result_with(Benchmark b, double voting8) {
  BenchmarkResult r;
  r.set.benchmark = b;
  r.methods = {{Method::kVoting, 8}};
  r.scores["voting@8"].main.value = voting8;
  return r;
}

TEST(ReportTest, OverallIsTheMeanOfTheFourBenchmarksAndNeedsAllOfThem) {
  EvalReport rep;
  rep.benchmarks.push_back(result_with(Benchmark::kRewardBench, 0.9));
  rep.benchmarks.push_back(result_with(Benchmark::kPpePref, 0.6));
  rep.benchmarks.push_back(result_with(Benchmark::kPpeCorr, 0.5));
  EXPECT_FALSE(overall_score(rep, "voting@8").has_value());
  rep.benchmarks.push_back(result_with(Benchmark::kRealMistake, 0.7));  // not part of Overall
  EXPECT_FALSE(overall_score(rep, "voting@8").has_value());
  rep.benchmarks.push_back(result_with(Benchmark::kRmb, 0.8));
  ASSERT_TRUE(overall_score(rep, "voting@8").has_value());
  EXPECT_NEAR(*overall_score(rep, "voting@8"), (0.9 + 0.6 + 0.5 + 0.8) / 4, 1e-12);
  EXPECT_FALSE(overall_score(rep, "metarm@8").has_value());
}

}  // namespace
}  // namespace grm
