#include "core/rules.h"

#include <gtest/gtest.h>

namespace grm {
namespace {

Item pair_with_best(int best, int n = 2) {
  Item it;
  it.id = "p";
  it.conversation = {{"user", "q"}};
  it.responses.assign(n, "r");
  it.best = best;
  return it;
}

TEST(RulesTest, StrictWinIsCorrectTieIsWrong) {
  EXPECT_TRUE(is_correct(std::vector<int>{9, 3}, pair_with_best(0)));
  EXPECT_FALSE(is_correct(std::vector<int>{9, 9}, pair_with_best(0)));
  EXPECT_FALSE(is_correct(std::vector<int>{3, 9}, pair_with_best(0)));
  EXPECT_TRUE(is_correct(std::vector<long>{10, 30, 29}, pair_with_best(1, 3)));
  EXPECT_FALSE(is_correct(std::vector<long>{30, 30, 29}, pair_with_best(1, 3)));
}

TEST(RulesTest, SingleResponseMatchesTheLabel) {
  Item it;
  it.id = "s";
  it.conversation = {{"user", "q"}};
  it.responses = {"r"};
  it.correct = 1;
  EXPECT_TRUE(is_correct(std::vector<int>{1}, it));
  EXPECT_FALSE(is_correct(std::vector<int>{0}, it));
  it.correct = 0;
  EXPECT_TRUE(is_correct(std::vector<int>{0}, it));
}

TEST(RulesTest, MarginIsTheBestsScoreMinusTheHighestOtherAndPlusMinusOneForASingleResponse) {
  const Item three = pair_with_best(1, 3);
  EXPECT_EQ(judgment_margin({2, 9, 6}, three), 3);    // right: >= 1
  EXPECT_EQ(judgment_margin({2, 6, 9}, three), -3);   // wrong: <= 0
  EXPECT_EQ(judgment_margin({9, 9, 1}, three), 0);    // a tie for the top is wrong, margin 0
  Item single = pair_with_best(0, 1);
  single.best.reset();
  single.correct = 0;
  EXPECT_EQ(judgment_margin({0}, single), 1);
  EXPECT_EQ(judgment_margin({1}, single), -1);
  // judge_by_rule maps the sample's order back first: shown {1, 0}, the best (response 0) was shown second.
  const RuleVerdict v = judge_by_rule("Scores: \\boxed{3, 8}", {1, 0}, pair_with_best(0), TemplateKind::kDefault);
  EXPECT_TRUE(v.correct);
  EXPECT_EQ(v.margin, 5);
  EXPECT_EQ(judge_by_rule("Analysis only.", {0, 1}, pair_with_best(0), TemplateKind::kDefault).margin, 0);
}

TEST(RulesTest, SampledJudgmentRewardIsPlusOneOrMinusOneAndUnparseableIsMinusOne) {
  const Item pair = pair_with_best(0);
  const std::vector<int> shown = {0, 1}, swapped = {1, 0};
  // Scores are read in the order the sample saw the responses and mapped back before the rule applies.
  const RuleVerdict right = judge_by_rule("Analysis: first is better.\nScores: \\boxed{7, 2}", shown, pair, TemplateKind::kDefault);
  EXPECT_TRUE(right.valid);
  EXPECT_TRUE(right.correct);
  EXPECT_EQ(rule_reward(right), 1);
  const RuleVerdict right_swapped = judge_by_rule("Scores: \\boxed{2, 7}", swapped, pair, TemplateKind::kDefault);
  EXPECT_TRUE(right_swapped.correct);
  EXPECT_EQ(rule_reward(right_swapped), 1);
  const RuleVerdict wrong = judge_by_rule("Scores: \\boxed{2, 7}", shown, pair, TemplateKind::kDefault);
  EXPECT_TRUE(wrong.valid);
  EXPECT_FALSE(wrong.correct);
  EXPECT_EQ(rule_reward(wrong), -1);
  const RuleVerdict tie = judge_by_rule("Scores: \\boxed{7, 7}", shown, pair, TemplateKind::kDefault);
  EXPECT_EQ(rule_reward(tie), -1);
  // Unparseable (no verdict, wrong arity, out of the template's range): -1, and not valid.
  for (const char* text : {"Analysis: both fine.", "Scores: \\boxed{7}", "Scores: \\boxed{11, 2}"}) {
    const RuleVerdict v = judge_by_rule(text, shown, pair, TemplateKind::kDefault);
    EXPECT_FALSE(v.valid) << text;
    EXPECT_EQ(rule_reward(v), -1) << text;
  }
  // A single response is judged with the 0/1 template's range against its label.
  Item single = pair_with_best(0, 1);
  single.best.reset();
  single.correct = 1;
  EXPECT_EQ(rule_reward(judge_by_rule("Scores: \\boxed{1}", {0}, single, TemplateKind::kSingleBinary)), 1);
  EXPECT_EQ(rule_reward(judge_by_rule("Scores: \\boxed{0}", {0}, single, TemplateKind::kSingleBinary)), -1);
  EXPECT_FALSE(judge_by_rule("Scores: \\boxed{7}", {0}, single, TemplateKind::kSingleBinary).valid);
}

}  // namespace
}  // namespace grm
