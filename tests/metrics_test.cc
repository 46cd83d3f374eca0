#include "eval/metrics.h"

#include <gtest/gtest.h>

#include <cmath>

namespace grm {
namespace {

EvalItem labelled(const std::string& subset, const std::string& group, int correct_label = -1) {
  EvalItem e;
  e.item.id = subset + std::to_string(rand());
  e.item.conversation = {{"user", "q"}};
  e.item.responses = correct_label >= 0 ? std::vector<std::string>{"r"} : std::vector<std::string>{"a", "b"};
  if (correct_label >= 0) e.item.correct = correct_label; else e.item.best = 0;
  e.subset = subset;
  e.group = group;
  return e;
}

TEST(MetricsTest, WilsonIntervalKnownValues) {
  Interval i = wilson_interval(8, 10);  // p = 0.8
  EXPECT_NEAR(i.lo, 0.4902, 1e-3);
  EXPECT_NEAR(i.hi, 0.9433, 1e-3);
  Interval z = wilson_interval(0, 20);
  EXPECT_DOUBLE_EQ(z.lo, 0);
  EXPECT_GT(z.hi, 0.1);
}

TEST(MetricsTest, RocAucWithTiedScoresCountsOneHalf) {
  // Positives score 2 and 3, negatives 1 and 2: pairs (2>1) (2=2) (3>1) (3>2) -> 3.5 / 4.
  EXPECT_DOUBLE_EQ(roc_auc({1, 2, 2, 3}, {false, true, false, true}), 0.875);
  EXPECT_DOUBLE_EQ(roc_auc({5, 5, 5}, {true, false, true}), 0.5);
  EXPECT_DOUBLE_EQ(roc_auc({1, 2}, {false, true}), 1.0);
  EXPECT_DOUBLE_EQ(roc_auc({1, 2}, {true, true}), 0.5);  // one class: undefined, reported as chance
}

TEST(MetricsTest, RocAucAgreesWithPairCounting) {
  std::vector<double> s;
  std::vector<bool> p;
  for (int i = 0; i < 200; ++i) {
    s.push_back((i * 37 % 11) / 2.0);  // many ties
    p.push_back(i * 53 % 7 < 3);
  }
  double wins = 0, pairs = 0;
  for (size_t a = 0; a < s.size(); ++a)
    for (size_t b = 0; b < s.size(); ++b)
      if (p[a] && !p[b]) {
        pairs += 1;
        wins += s[a] > s[b] ? 1 : s[a] == s[b] ? 0.5 : 0;
      }
  EXPECT_NEAR(roc_auc(s, p), wins / pairs, 1e-12);
}

TEST(MetricsTest, RewardBenchWeightsSubsetsByPublishedCountsAndAveragesSections) {
  EvalSet set;
  set.benchmark = Benchmark::kRewardBench;
  std::vector<double> correct;
  // Chat: alpacaeval-easy (weight 100) all right, mt-bench-easy (28) all wrong.
  for (int i = 0; i < 4; ++i) { set.items.push_back(labelled("alpacaeval-easy", "Chat")); correct.push_back(1); }
  for (int i = 0; i < 2; ++i) { set.items.push_back(labelled("mt-bench-easy", "Chat")); correct.push_back(0); }
  // Reasoning: math-prm (984) half right, hep-go (164) all right.
  for (int i = 0; i < 2; ++i) { set.items.push_back(labelled("math-prm", "Reasoning")); correct.push_back(i); }
  set.items.push_back(labelled("hep-go", "Reasoning"));
  correct.push_back(1);
  const double chat = 100.0 / 128.0, reasoning = (984 * 0.5 + 164) / (984.0 + 164.0);
  BenchmarkScore s = score_benchmark(set, correct, std::vector<double>(correct.size(), 0), 200, 1);
  EXPECT_NEAR(s.groups.at("Chat").value, 4.0 / 6.0, 1e-12);  // the group table is plain accuracy
  EXPECT_NEAR(s.main.value, (chat + reasoning) / 2, 1e-12);
  EXPECT_LE(s.main.ci.lo, s.main.value);
  EXPECT_GE(s.main.ci.hi, s.main.value);
  EXPECT_DOUBLE_EQ(s.subsets.at("math-prm").value, 0.5);
}

TEST(MetricsTest, RmbAndPpeCorrAverageTheirGroups) {
  EvalSet set;
  set.benchmark = Benchmark::kRmb;
  std::vector<double> correct;
  const char* groups[] = {"Pairwise Helpfulness", "Pairwise Harmlessness", "BoN Helpfulness", "BoN Harmlessness"};
  const int sizes[] = {10, 2, 4, 1};
  const int right[] = {10, 0, 1, 1};
  for (int g = 0; g < 4; ++g)
    for (int i = 0; i < sizes[g]; ++i) {
      set.items.push_back(labelled("s", groups[g]));
      correct.push_back(i < right[g] ? 1 : 0);
    }
  BenchmarkScore s = score_benchmark(set, correct, std::vector<double>(correct.size(), 0), 100, 1);
  EXPECT_NEAR(s.main.value, (1.0 + 0.0 + 0.25 + 1.0) / 4, 1e-12);
  set.benchmark = Benchmark::kPpeCorr;
  EXPECT_NEAR(score_benchmark(set, correct, std::vector<double>(correct.size(), 0), 100, 1).main.value, (1.0 + 0.0 + 0.25 + 1.0) / 4, 1e-12);
  set.benchmark = Benchmark::kPpePref;  // plain accuracy
  EXPECT_NEAR(score_benchmark(set, correct, std::vector<double>(correct.size(), 0), 100, 1).main.value, 12.0 / 17.0, 1e-12);
}

TEST(MetricsTest, RealMistakeIsAucWithNoErrorPositive) {
  EvalSet set;
  set.benchmark = Benchmark::kRealMistake;
  std::vector<double> score;
  const int labels[] = {1, 1, 0, 0, 1};
  const double scores[] = {9, 6, 6, 2, 8};
  for (int i = 0; i < 5; ++i) {
    set.items.push_back(labelled(i < 3 ? "t/a" : "t/b", i < 3 ? "t/a" : "t/b", labels[i]));
    score.push_back(scores[i]);
  }
  BenchmarkScore s = score_benchmark(set, std::vector<double>(5, 0), score, 100, 1);
  // positives 9, 6, 8 vs negatives 6, 2: (9>6)(9>2)(6=6)(6>2)(8>6)(8>2) = 5.5 / 6.
  EXPECT_NEAR(s.main.value, 5.5 / 6, 1e-12);
  EXPECT_NEAR(s.groups.at("t/a").value, 0.75, 1e-12);  // 9 > 6, 6 = 6
}

}  // namespace
}  // namespace grm
