#include "eval/scaling.h"

#include <gtest/gtest.h>

#include "core/rules.h"

namespace grm {
namespace {

Item pair_item() {
  Item it;
  it.id = "p";
  it.conversation = {{"user", "q"}};
  it.responses = {"a", "b"};
  it.best = 0;
  return it;
}

SampleVote v(int a, int b, std::optional<double> meta = std::nullopt) { return {true, {a, b}, meta}; }

TEST(ScalingTest, KMaxUsesTheWholePoolOnce) {
  ItemPool pool;
  pool.samples = {v(9, 1), v(2, 8), v(2, 8), v(7, 6)};  // totals 20 vs 23: wrong
  ItemOutcome o = evaluate_item(pool, pair_item(), {Method::kVoting, 4}, ScalingOptions{});
  EXPECT_EQ(o.totals.size(), 1u);
  EXPECT_EQ(o.totals[0], (std::vector<long>{20, 23}));
  EXPECT_DOUBLE_EQ(o.correct, 0.0);
}

TEST(ScalingTest, VotingAtOneIsTheShareOfCorrectSamplesInExpectation) {
  ItemPool pool;
  for (int i = 0; i < 8; ++i) pool.samples.push_back(i < 6 ? v(8, 3) : v(3, 8));  // 6 of 8 correct
  ScalingOptions o;
  o.subsets = 4000;
  EXPECT_NEAR(evaluate_item(pool, pair_item(), {Method::kVoting, 1}, o).correct, 0.75, 0.03);
  // With k = 4 of these, the vote is wrong only when at least 2 wrong samples are drawn and they outweigh.
  EXPECT_GT(evaluate_item(pool, pair_item(), {Method::kVoting, 4}, o).correct, 0.75);
}

TEST(ScalingTest, TiesAndInvalidSamplesCountAsWrong) {
  ItemPool pool;
  pool.samples = {v(5, 5), {false, {}, std::nullopt}};
  EXPECT_DOUBLE_EQ(evaluate_item(pool, pair_item(), {Method::kVoting, 2}, ScalingOptions{}).correct, 0.0);
  ItemPool none;
  none.samples = {{false, {}, std::nullopt}};
  ItemOutcome o = evaluate_item(none, pair_item(), {Method::kVoting, 1}, ScalingOptions{});
  EXPECT_DOUBLE_EQ(o.correct, 0.0);
}

TEST(ScalingTest, MetaVotingKeepsTheTrustedHalf) {
  ItemPool pool;
  pool.samples = {v(9, 1, 5.0), v(1, 9, -1.0), v(1, 9, -2.0), v(8, 2, 3.0)};
  EXPECT_DOUBLE_EQ(evaluate_item(pool, pair_item(), {Method::kVoting, 4}, ScalingOptions{}).correct, 0.0);  // 19 vs 21
  EXPECT_DOUBLE_EQ(evaluate_item(pool, pair_item(), {Method::kMetaVoting, 4}, ScalingOptions{}).correct, 1.0);
}

TEST(ScalingTest, GreedyUsesTheGreedySample) {
  ItemPool pool;
  pool.samples = {v(1, 9)};
  pool.greedy = v(9, 1);
  EXPECT_DOUBLE_EQ(evaluate_item(pool, pair_item(), {Method::kGreedy, 1}, ScalingOptions{}).correct, 1.0);
  EXPECT_EQ(MethodAtK({Method::kMetaVoting, 8}).name(), "metarm@8");
}

TEST(ScalingTest, SingleResponseScoreIsTheMeanVote) {
  Item it;
  it.id = "s";
  it.conversation = {{"user", "q"}};
  it.responses = {"r"};
  it.correct = 1;
  ItemPool pool;
  pool.samples = {{true, {8}, std::nullopt}, {true, {6}, std::nullopt}};
  EXPECT_DOUBLE_EQ(evaluate_item(pool, it, {Method::kVoting, 2}, ScalingOptions{}).score, 7.0);
}

Item single_item(int label) {
  Item it;
  it.id = "s";
  it.conversation = {{"user", "q"}};
  it.responses = {"r"};
  it.correct = label;
  return it;
}

TEST(ScalingTest, ASingleResponseVoteIsTheMajorityOfItsZeroOneScores) {
  // k votes of the 0/1 template sum to 0..k: the vote is right when most samples give the label, a half-half
  // split is a tie (wrong), and one sample is the per-sample rule.
  EXPECT_TRUE(is_vote_correct({8}, 8, single_item(1)));   // unanimous "correct" on a correct response
  EXPECT_TRUE(is_vote_correct({5}, 8, single_item(1)));
  EXPECT_FALSE(is_vote_correct({4}, 8, single_item(1)));  // tie
  EXPECT_FALSE(is_vote_correct({3}, 8, single_item(1)));
  EXPECT_TRUE(is_vote_correct({2}, 8, single_item(0)));
  EXPECT_FALSE(is_vote_correct({4}, 8, single_item(0)));
  EXPECT_TRUE(is_vote_correct({1}, 1, single_item(1)));
  EXPECT_FALSE(is_vote_correct({0}, 1, single_item(1)));
  EXPECT_TRUE(is_vote_correct({0}, 1, single_item(0)));
  EXPECT_FALSE(is_vote_correct({0}, 0, single_item(0)));  // no valid sample: no verdict

  ItemPool pool;  // 6 of 8 samples say "1" on a correct response
  for (int i = 0; i < 8; ++i) pool.samples.push_back({true, {i < 6 ? 1 : 0}, std::nullopt});
  EXPECT_DOUBLE_EQ(evaluate_item(pool, single_item(1), {Method::kVoting, 8}, ScalingOptions{}).correct, 1.0);
  EXPECT_DOUBLE_EQ(evaluate_item(pool, single_item(0), {Method::kVoting, 8}, ScalingOptions{}).correct, 0.0);
  ScalingOptions o;
  o.subsets = 400;
  EXPECT_NEAR(evaluate_item(pool, single_item(1), {Method::kVoting, 1}, o).correct, 0.75, 0.05);
}

}  // namespace
}  // namespace grm
